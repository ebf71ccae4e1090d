/**
 * What `flagstaff` exits with, so scripts can branch on the kind of failure without parsing text. Documented
 * in `flagstaff --help` and the README; the numbers are part of the tool's contract.
 */
export const EXIT = {
  ok: 0,
  /** A bug or anything not classified below. */
  unexpected: 1,
  /** Bad usage, an unreadable or invalid file, or a request the server refused as invalid (400, 401, 403, 413, 415, 422). */
  usage: 2,
  notFound: 3,
  /** Someone else changed it first, or the change conflicts with the current state (409, 412, 428). */
  conflict: 4,
  /** The server could not be reached or failed (5xx, connection refused, timeout). */
  unavailable: 5,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code for an HTTP status the API answered with. */
export function exitCodeForStatus(status: number): ExitCode {
  if (status < 400) return EXIT.ok;
  if (status === 404 || status === 410) return EXIT.notFound;
  if (status === 409 || status === 412 || status === 428) return EXIT.conflict;
  if (status >= 500) return EXIT.unavailable;
  return EXIT.usage;
}

export const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  unexpected error
  2  usage or validation error (bad arguments or file; the API refused the input: 400, 401, 403, 413, 415, 422)
  3  not found (404)
  4  conflict or precondition (409, 412 stale version, 428 missing If-Match)
  5  server unavailable (5xx, connection refused, timeout)`;
