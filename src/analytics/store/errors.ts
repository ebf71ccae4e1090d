import { isNetworkFailure, ServiceUnavailableError } from '../../shared/errors.ts';

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

/** True when `error` (or its cause) is a connection failure rather than an answer from the server. */
export function isClickHouseUnreachable(error: unknown): boolean {
  if (isNetworkFailure(error)) return true;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    // @clickhouse/client reports its request timeout and a dropped socket with these messages and no code.
    if (/^Timeout error\.?$|socket hang up|other side closed/i.test(e.message)) return true;
  }
  return false;
}
