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
 * Welch's t test on Δ with variance V and ν degrees of freedom (STATS.md "Frequentist"):
 * two-sided p = 2·(1 − F_t(|Δ|/√V; ν)) with the interval Δ ± t_{1−α/2,ν}·√V; "greater" p = 1 − F_t(Δ/√V; ν)
 * with the lower bound Δ − t_{1−α,ν}·√V; "less" the mirror image. Tails are computed as tails, so a small p-value
 * keeps its digits.
 */
export function welchTest(effect: Effect, alpha: number, alternative: Alternative): TestResult {
  const se = Math.sqrt(effect.variance);
  const t = effect.estimate / se;
  const { df } = effect;
  switch (alternative) {
    case 'two-sided': {
      const margin = studentTQuantile(1 - alpha / 2, df) * se;
      return { pValue: Math.min(1, 2 * studentTSurvival(Math.abs(t), df)), interval: [effect.estimate - margin, effect.estimate + margin] };
    }
    case 'greater':
      return { pValue: studentTSurvival(t, df), interval: [effect.estimate - studentTQuantile(1 - alpha, df) * se, null] };
    case 'less':
      return { pValue: studentTCdf(t, df), interval: [null, effect.estimate + studentTQuantile(1 - alpha, df) * se] };
    default: {
      const never: never = alternative;
      throw new Error(`unknown alternative ${String(never)}`);
    }
  }
}
