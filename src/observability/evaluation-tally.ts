import type { EvaluationResult } from '../evaluation/evaluation-result.ts';

/** One line of a drained tally: how often a flag served a variant for a reason in an environment. */
export interface EvaluationCount {
  readonly environment: string;
  readonly flagKey: string;
  readonly variant: string;
  readonly reason: string;
  readonly count: number;
}

/** Label value for flags that do not exist: a caller's typo must not mint a new time series per key. */
export const UNKNOWN_FLAG = '(unknown)';

/**
 * Counts evaluations on the hot path for a few nanoseconds each: results are shared frozen objects, one per flag,
 * variant, reason and revision, so a count is one map increment keyed by the object. Draining turns the counts
 * into labelled lines for metrics and flag usage, and starts over.
 */
export class EvaluationTally {
  private byEnvironment = new Map<string, Map<EvaluationResult, number>>();
  /** Results built per call (errors): counted by their labels instead, so the map stays bounded. */
  private loose = new Map<string, EvaluationCount>();

  record(environment: string, result: EvaluationResult): void {
    if (Object.isFrozen(result)) {
      let counts = this.byEnvironment.get(environment);
      if (!counts) this.byEnvironment.set(environment, (counts = new Map()));
      counts.set(result, (counts.get(result) ?? 0) + 1);
      return;
    }
    const flagKey = result.errorCode === 'FLAG_NOT_FOUND' ? UNKNOWN_FLAG : result.flagKey;
    const variant = result.variant ?? '';
    const key = `${environment}\u0000${flagKey}\u0000${variant}\u0000${result.reason}`;
    const seen = this.loose.get(key);
    this.loose.set(key, { environment, flagKey, variant, reason: result.reason, count: (seen?.count ?? 0) + 1 });
  }

  drain(): EvaluationCount[] {
    const merged = new Map<string, EvaluationCount>(this.loose);
    for (const [environment, counts] of this.byEnvironment) {
      for (const [result, count] of counts) {
        const variant = result.variant ?? '';
        const key = `${environment}\u0000${result.flagKey}\u0000${variant}\u0000${result.reason}`;
        const seen = merged.get(key);
        merged.set(key, { environment, flagKey: result.flagKey, variant, reason: result.reason, count: (seen?.count ?? 0) + count });
      }
    }
    this.byEnvironment = new Map();
    this.loose = new Map();
    return [...merged.values()];
  }
}
