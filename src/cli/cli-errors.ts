import { EXIT, exitCodeForStatus, type ExitCode } from './exit-codes.ts';

/** An RFC 9457 problem as the API sends it (`errors` lists each offending field by JSON pointer). */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: { pointer: string; detail: string }[];
  [extension: string]: unknown;
}

/** Every failure the CLI reports on purpose; anything else is a bug (exit 1). */
export abstract class CliError extends Error {
  abstract readonly exitCode: ExitCode;
  /** Set when the request came from a file: where a problem's pointer lands in it (`targeting.yaml:7:9`). */
  locate?: (pointer: string) => string | undefined;
}

/** The API answered with a 4xx or 5xx problem. */
export class ApiError extends CliError {
  readonly exitCode: ExitCode;
  constructor(
    readonly method: string,
    readonly path: string,
    readonly problem: Problem,
  ) {
    super(`${method} ${path}: ${problem.status} ${problem.title ?? ''}${problem.detail ? ` — ${problem.detail}` : ''}`);
    this.exitCode = exitCodeForStatus(problem.status);
  }
}

/** The server could not be reached: refused, reset, timed out. */
export class UnavailableError extends CliError {
  readonly exitCode = EXIT.unavailable;
}

/** Bad arguments or a bad file, found before anything was sent. `issues` point into the file, as the API's do. */
export class UsageError extends CliError {
  readonly exitCode = EXIT.usage;
  constructor(
    message: string,
    readonly issues: readonly { pointer: string; detail: string }[] = [],
  ) {
    super(message);
  }
}

/** The request is fine but the current state forbids it (an import that cannot be applied as planned). */
export class ConflictError extends CliError {
  readonly exitCode = EXIT.conflict;
  constructor(
    message: string,
    readonly issues: readonly { pointer: string; detail: string }[] = [],
  ) {
    super(message);
  }
}

/** Something that must hold did not (a rebuilt read model that differs from the live one). */
export class InvariantError extends CliError {
  readonly exitCode = EXIT.unexpected;
}
