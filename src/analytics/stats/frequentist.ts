import type { Effect } from './effect.ts';
import { studentTCdf, studentTQuantile, studentTSurvival } from './distributions.ts';

/** The alternative hypothesis about Δ = treatment − control: two-sided, Δ > 0 ("greater") or Δ < 0 ("less"). */
export type Alternative = 'two-sided' | 'greater' | 'less';

/** An interval; a one-sided one leaves its open end null (JSON has no infinity). */
export type Interval = readonly [number | null, number | null];

export interface TestResult {
  readonly pValue: number;
  readonly interval: Interval;
}

/**
 * Welch's t test on Δ with variance V and ν degrees of freedom (docs/statistics.md, "Frequentist"):
 * two-sided p = 2·(1 − F_t(|Δ|/√V; ν)) with the interval Δ ± t_{1−α/2,ν}·√V; "greater" p = 1 − F_t(Δ/√V; ν)
 * with the lower bound Δ − t_{1−α,ν}·√V; "less" the mirror image. Tails are computed as tails, so a small p-value
 * keeps its digits.
 */
export function welchTest(effect: Effect, alpha: number, alternative: Alternative, critical = criticalT(alpha, alternative, effect.df)): TestResult {
  const se = Math.sqrt(effect.variance);
  const t = effect.estimate / se;
  const margin = critical * se;
  switch (alternative) {
    case 'two-sided':
      return { pValue: Math.min(1, 2 * studentTSurvival(Math.abs(t), effect.df)), interval: [effect.estimate - margin, effect.estimate + margin] };
    case 'greater':
      return { pValue: studentTSurvival(t, effect.df), interval: [effect.estimate - margin, null] };
    case 'less':
      return { pValue: studentTCdf(t, effect.df), interval: [null, effect.estimate + margin] };
    default: {
      const never: never = alternative;
      throw new Error(`unknown alternative ${String(never)}`);
    }
  }
}

/**
 * t_{1−α/2,ν} (two-sided) or t_{1−α,ν} (one-sided). The relative and the absolute effect of a comparison share ν,
 * so a caller reporting both computes this once and passes it to both tests.
 */
export function criticalT(alpha: number, alternative: Alternative, df: number): number {
  // The upper quantile as minus the lower one: 1 − α/2 would round to 1 for α below 1e-16.
  return -studentTQuantile(alternative === 'two-sided' ? alpha / 2 : alpha, df);
}
