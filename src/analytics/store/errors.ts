import { ServiceUnavailableError } from '../../shared/errors.ts';

/**
 * The analytics store cannot be reached (refused, reset, timed out, closed). Nothing is known to be stored or
 * computed, so the caller retries: the sink leaves its offsets uncommitted, the HTTP layer answers 503.
 */
export class AnalyticsStoreUnavailableError extends ServiceUnavailableError {
  constructor(message = 'The analytics store is unavailable; retry shortly', options?: { cause?: unknown }) {
    super(message);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** Error codes of the network layer that mean "the server is not there (now)", not "the request was wrong". */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET']);

/** True when `error` (or its cause) is a connection failure rather than an answer from the server. */
export function isClickHouseUnreachable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    // @clickhouse/client reports its request timeout and a dropped socket with these messages and no code.
    if (/^Timeout error\.?$|socket hang up|other side closed/i.test(e.message)) return true;
  }
  return false;
}
