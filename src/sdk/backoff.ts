export interface BackoffOptions {
  /** The ceiling of the first delay. */
  readonly initialDelayMs: number;
  /** The ceiling never grows past this. */
  readonly maxDelayMs: number;
}

/**
 * Exponential backoff with full jitter (a uniformly random delay below a ceiling that doubles per attempt): a
 * fleet of SDKs that lost the same server does not come back at it in lockstep. `attempt` counts from 0.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(attempt, 30));
  // Never below a tenth of the first delay, so a tight loop of failures still yields the event loop.
  return Math.max(options.initialDelayMs / 10, Math.floor(random() * ceiling));
}
