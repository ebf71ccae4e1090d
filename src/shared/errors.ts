/**
 * One error hierarchy for the whole service. Each error knows its HTTP status and problem type, so the HTTP
 * layer maps it once to an RFC 9457 problem (see src/http/problem.ts) and nothing else translates errors.
 */
/** One problem with one field, in the shape RFC 9457's example uses: a JSON pointer into the request body. */
export interface FieldIssue {
  /** e.g. `#/rules/0/conditions/1/values`; `#` is the whole body. */
  readonly pointer: string;
  readonly detail: string;
}

export function pointerOf(path: readonly PropertyKey[]): string {
  return ['#', ...path.map((part) => String(part).replaceAll('~', '~0').replaceAll('/', '~1'))].join('/');
}

export function issue(path: readonly PropertyKey[], detail: string): FieldIssue {
  return { pointer: pointerOf(path), detail };
}

/** Throws one error listing every issue, when there is any: callers collect all of them before refusing. */
export function throwIfAny(ErrorType: new (message: string, issues: FieldIssue[]) => FlagstaffError, message: string, issues: FieldIssue[]): void {
  if (issues.length > 0) throw new ErrorType(message, issues);
}

export abstract class FlagstaffError extends Error {
  abstract readonly status: number;
  abstract readonly type: string;
  readonly issues: readonly FieldIssue[];

  constructor(message: string, issues: readonly FieldIssue[] = []) {
    super(message);
    this.name = new.target.name;
    this.issues = issues;
  }

  /** Headers the response carries besides the problem (Retry-After, ...). */
  get headers(): Readonly<Record<string, string>> {
    return {};
  }
}

/** The request is well-formed JSON but breaks the schema (types, patterns, ranges). */
export class ValidationError extends FlagstaffError {
  readonly status = 400;
  readonly type = 'validation-error';
}

/** The request is valid on its own but breaks a domain rule given the current state (unknown variant, cycle...). */
export class DomainRuleViolation extends FlagstaffError {
  readonly status = 422;
  readonly type = 'domain-rule-violation';
}

export class NotFoundError extends FlagstaffError {
  readonly status = 404;
  readonly type = 'not-found';
}

export class ConflictError extends FlagstaffError {
  readonly status = 409;
  readonly type = 'conflict';
}

/** The IETF Idempotency-Key draft: the same key sent with a different request is a 422. */
export class IdempotencyKeyReusedError extends FlagstaffError {
  readonly status = 422;
  readonly type = 'idempotency-key-reused';
}

export class PreconditionFailedError extends FlagstaffError {
  readonly status = 412;
  readonly type = 'precondition-failed';
}

export class PreconditionRequiredError extends FlagstaffError {
  readonly status = 428;
  readonly type = 'precondition-required';
}

export class UnauthorizedError extends FlagstaffError {
  readonly status = 401;
  readonly type = 'unauthorized';
}

export class ForbiddenError extends FlagstaffError {
  readonly status = 403;
  readonly type = 'forbidden';
}

export class BadRequestError extends FlagstaffError {
  readonly status = 400;
  readonly type = 'bad-request';
}

export class PayloadTooLargeError extends FlagstaffError {
  readonly status = 413;
  readonly type = 'payload-too-large';
}

export class UnsupportedMediaTypeError extends FlagstaffError {
  readonly status = 415;
  readonly type = 'unsupported-media-type';
}

/** A dependency (event store, bus, analytics store) cannot be reached; the client may retry. */
export class ServiceUnavailableError extends FlagstaffError {
  readonly status = 503;
  readonly type = 'service-unavailable';
}

/** Error codes of the network layer that mean "the server is not there (now)", not "the request was wrong". */
const NETWORK_FAILURE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET']);

/** True when `error` or one of its causes is a connection failure (refused, reset, timed out...) rather than an answer. */
export function isNetworkFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_FAILURE_CODES.has(code)) return true;
  }
  return false;
}

/**
 * True when `error` says a dependency is down rather than that it refused the request: a ServiceUnavailableError
 * (the bus, the analytics store) or a connection failure, itself or as a cause. Retrying it later is the cure.
 */
export function isUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof ServiceUnavailableError) return true;
  }
  return isNetworkFailure(error);
}

/** A client went over its rate or its share of a bounded resource; `Retry-After` says when to try again. */
export class TooManyRequestsError extends FlagstaffError {
  readonly status = 429;
  readonly type = 'too-many-requests';

  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }

  override get headers(): Readonly<Record<string, string>> {
    return { 'retry-after': String(Math.max(1, Math.ceil(this.retryAfterSeconds))) };
  }
}

/** The request took longer than the server allows; nothing it would have done is assumed done. */
export class RequestTimeoutError extends FlagstaffError {
  readonly status = 503;
  readonly type = 'request-timeout';
}
