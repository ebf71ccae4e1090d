/**
 * `datetime-local` inputs carry no zone, and the API wants instants with one: their values are read as the
 * viewer's wall-clock time (what the input shows) and sent as ISO 8601 in UTC.
 */

const LOCAL_VALUE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;

/** `2026-12-07T14:03` (local) as `2026-12-07T13:03:00.000Z`; null for an empty or malformed value. */
export function localToIso(local: string): string | null {
  // Only the input's own shape: `new Date` would also read "2026-12-07" (as UTC midnight) or "tomorrow" (as nothing).
  if (!LOCAL_VALUE.test(local)) return null;
  const date = new Date(local); // a date-time without an offset is local time (ECMAScript's Date.parse)
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** An instant as a `datetime-local` value to the second (`2026-12-07T14:03:22`), in the viewer's zone. */
export function isoToLocal(instant: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${instant.getFullYear()}-${pad(instant.getMonth() + 1)}-${pad(instant.getDate())}`;
  return `${date}T${pad(instant.getHours())}:${pad(instant.getMinutes())}:${pad(instant.getSeconds())}`;
}
