import type { Effect } from './effect.ts';
import type { Interval } from './frequentist.ts';

/**
 * Asymptotic confidence sequences (docs/statistics.md; Waudby-Smith et al., as GrowthBook implements them):
 * valid at every peek, so results may be watched as they come in. N* tunes where the sequence is tightest.
 *
 * ρ² = (−2·ln α + ln(1 − 2·ln α)) / N*, and with n = n_T + n_C the half-width is
 * √V · √( (nρ² + 1)/(nρ²) · ln((nρ² + 1)/α²) ).
 */
export function sequentialHalfWidth(variance: number, n: number, alpha: number, tuning: number): number {
  const logAlpha = Math.log(alpha);
  const rho2 = (-2 * logAlpha + Math.log1p(-2 * logAlpha)) / tuning;
  const nr = n * rho2;
  // ln((nρ²+1)/α²) = ln(1 + nρ²) − 2·ln α, kept apart so α near 1 loses nothing.
  return Math.sqrt(variance) * Math.sqrt(((nr + 1) / nr) * (Math.log1p(nr) - 2 * logAlpha));
}

export function confidenceSequence(effect: Pick<Effect, 'estimate' | 'variance'>, n: number, alpha: number, tuning: number): Interval {
  const half = sequentialHalfWidth(effect.variance, n, alpha, tuning);
  return [effect.estimate - half, effect.estimate + half];
}

/**
 * The always-valid p-value: the smallest α whose sequence excludes 0, capped at 1 (docs/statistics.md). The half-width
 * falls as α grows, so bisection on ln α finds it; as α → 1 the half-width tends to √V·√(1 + N* ÷ 2n), and an
 * effect inside that has p = 1.
 */
export function sequentialPValue(effect: Pick<Effect, 'estimate' | 'variance'>, n: number, tuning: number): number {
  const target = Math.abs(effect.estimate);
  let hi = -1e-12; // α just below 1
  if (!(halfWidthAt(effect.variance, n, tuning, hi) < target)) return 1;
  let lo = -745; // α ≈ 5e-324, the smallest double
  if (halfWidthAt(effect.variance, n, tuning, lo) < target) return 0;
  // Bisect to the last bit: stop when no double lies strictly between lo and hi (about 100 steps from 745).
  for (let mid = (lo + hi) / 2; mid !== lo && mid !== hi; mid = (lo + hi) / 2) {
    if (halfWidthAt(effect.variance, n, tuning, mid) < target) hi = mid;
    else lo = mid;
  }
  return Math.exp(hi); // hi ≤ −1e-12 throughout, so p < 1 here
}

/** The half-width at ln α: a module function rather than a closure made per p-value, which tsx names on every call. */
function halfWidthAt(variance: number, n: number, tuning: number, logAlpha: number): number {
  return sequentialHalfWidth(variance, n, Math.exp(logAlpha), tuning);
}
