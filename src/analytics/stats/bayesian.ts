import { normalCdf, normalPdf, normalQuantile, normalSurvival } from './distributions.ts';
import type { Effect } from './effect.ts';
import type { Interval } from './frequentist.ts';

/** A proper Gaussian prior N(mean, variance) on the effect being reported; none means the flat prior. */
export interface GaussianPrior {
  readonly mean: number;
  readonly variance: number;
}

/** Which way is good: the sign that counts as a win. */
export type Direction = 'higher-is-better' | 'lower-is-better';

export interface BayesianResult {
  /** Posterior mean of the effect. */
  readonly mean: number;
  /** Posterior standard deviation. */
  readonly sd: number;
  readonly chanceToWin: number;
  readonly interval: Interval;
  /** Expected loss of shipping the treatment, in units of the effect (≥ 0). */
  readonly risk: number;
  /** Expected loss of keeping control, in units of the effect (≥ 0). */
  readonly riskControl: number;
}

/** The Gaussian posterior of the effect: its mean μ and standard deviation σ. */
export interface Posterior {
  readonly mean: number;
  readonly sd: number;
}

/**
 * Gaussian posterior on the effect (docs/statistics.md): precision τ = 1/V + 1/σ₀², mean μ = (Δ/V + μ₀/σ₀²)/τ,
 * sd σ = τ^(−1/2); with the flat prior μ = Δ and σ = √V.
 */
export function posterior(effect: Pick<Effect, 'estimate' | 'variance'>, prior?: GaussianPrior): Posterior {
  if (!prior) return { mean: effect.estimate, sd: Math.sqrt(effect.variance) };
  const precision = 1 / effect.variance + 1 / prior.variance;
  return { mean: (effect.estimate / effect.variance + prior.mean / prior.variance) / precision, sd: 1 / Math.sqrt(precision) };
}

/**
 * For a higher-is-better metric chanceToWin = Φ(μ/σ), risk = E[max(−effect, 0)] = σ·φ(μ/σ) − μ·Φ(−μ/σ) and
 * riskControl = E[max(effect, 0)] = σ·φ(μ/σ) + μ·Φ(μ/σ) (docs/statistics.md). A lower-is-better metric wins when the effect
 * is negative, so chanceToWin is Φ(−μ/σ) and the two risks trade places. The credible interval is μ ± z_{1−α/2}·σ;
 * pass z when summarising several posteriors at the same α. Needs a finite μ and σ > 0.
 */
export function bayesianSummary(post: Posterior, alpha: number, direction: Direction, critical = -normalQuantile(alpha / 2)): BayesianResult {
  const { mean, sd } = post;
  const z = mean / sd;
  const density = sd * normalPdf(z);
  const lossIfNegative = Math.max(0, density - mean * normalSurvival(z)); // E[max(−effect, 0)]
  const lossIfPositive = Math.max(0, density + mean * normalCdf(z)); // E[max(effect, 0)]
  const margin = critical * sd;
  const higher = direction === 'higher-is-better';
  return {
    mean,
    sd,
    chanceToWin: higher ? normalCdf(z) : normalSurvival(z),
    interval: [mean - margin, mean + margin],
    risk: higher ? lossIfNegative : lossIfPositive,
    riskControl: higher ? lossIfPositive : lossIfNegative,
  };
}
