/**
 * What both bus adapters share about a failed batch: it is offered again after a backoff that doubles from
 * `initialMs` up to `maxMs` (with a little jitter so that several consumers do not retry in lockstep), and
 * never given up on. A handler failure is an infrastructure failure (the sink dead-letters bad records
 * itself), so skipping the batch would lose events; waiting is the only safe choice.
 */
export interface RedeliveryOptions {
  /** First delay after a failed batch; default 100 ms. */
  readonly initialMs?: number;
  /** Cap of the doubling delay; default 5 s. */
  readonly maxMs?: number;
}

export function redeliveryDelay(attempt: number, options: RedeliveryOptions = {}): number {
  const initial = options.initialMs ?? 100;
  const max = options.maxMs ?? 5_000;
  const base = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.round(base * (0.9 + Math.random() * 0.2));
}


/** Resolves when `signal` aborts (never, without one). */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
