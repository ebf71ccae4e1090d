import { ServiceUnavailableError } from '../../shared/errors.ts';

/**
 * The bus could not take the messages: the broker is unreachable, it did not acknowledge in time, or the bus
 * is closed. Nothing is known to be stored, so the caller retries (the HTTP layer answers 503); a retry may
 * store a message twice, which the idempotent sink absorbs.
 */
export class BusUnavailableError extends ServiceUnavailableError {
  constructor(message = 'The event bus is unavailable; retry shortly', options?: { cause?: unknown }) {
    super(message);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
