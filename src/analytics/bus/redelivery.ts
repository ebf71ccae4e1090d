/**
 * What both bus adapters share about a failed batch (see batch-runner.ts): it is offered again after a backoff
 * that doubles from `initialMs` up to `maxMs` (with a little jitter so that several consumers do not retry in
 * lockstep). A batch whose handler keeps refusing it goes to the dead letters after `maxAttempts`; one that
 * fails because a store or the broker is unavailable is never given up on.
 */
export interface RedeliveryOptions {
  /** First delay after a failed batch; default 100 ms. */
  readonly initialMs?: number;
  /** Cap of the doubling delay; default 5 s. */
  readonly maxMs?: number;
  /**
   * Attempts before a batch the handler keeps refusing (any failure but an unavailable store or broker) is
   * dead-lettered and the partition moves on; default 10. `Infinity` never gives up.
   */
  readonly maxAttempts?: number;
}

export const DEFAULT_MAX_ATTEMPTS = 10;

export function redeliveryDelay(attempt: number, options: RedeliveryOptions = {}): number {
  const initial = options.initialMs ?? 100;
  const max = options.maxMs ?? 5_000;
  const base = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.round(base * (0.9 + Math.random() * 0.2));
}
