import type { Moments } from '../../shared/metric-kinds/metric-kind.ts';

/** An effect of treatment over control: the estimate Δ, its variance V and Welch's degrees of freedom ν. */
export interface Effect {
  readonly estimate: number;
  readonly variance: number;
  readonly df: number;
}

/** Absolute effect (docs/statistics.md): Δ = m_T − m_C, V = s²_T/n_T + s²_C/n_C. */
export function absoluteEffect(control: Moments, treatment: Moments): Effect {
  return {
    estimate: treatment.mean - control.mean,
    variance: treatment.variance / treatment.n + control.variance / control.n,
    df: welchDf(control, treatment),
  };
}

/**
 * Relative effect by the delta method (docs/statistics.md): Δ = (m_T − m_C)/|m_C|,
 * V = s²_T/(n_T·m_C²) + m_T²·s²_C/(n_C·m_C⁴). The caller makes sure m_C ≠ 0.
 */
export function relativeEffect(control: Moments, treatment: Moments): Effect {
  const mc2 = control.mean * control.mean;
  return {
    estimate: (treatment.mean - control.mean) / Math.abs(control.mean),
    variance: treatment.variance / (treatment.n * mc2) + (treatment.mean * treatment.mean * control.variance) / (control.n * mc2 * mc2),
    df: welchDf(control, treatment),
  };
}

/**
 * Welch–Satterthwaite ν = (s²_T/n_T + s²_C/n_C)² / (s⁴_T/(n_T²(n_T−1)) + s⁴_C/(n_C²(n_C−1))), written in terms of
 * the two squared standard errors so large n and tiny variances neither overflow nor underflow. It lies between
 * min(n) − 1 and n_T + n_C − 2; with one arm's variance 0 it is the other arm's n − 1.
 */
export function welchDf(control: Moments, treatment: Moments): number {
  const t = treatment.variance / treatment.n;
  const c = control.variance / control.n;
  const scale = Math.max(t, c);
  const tr = t / scale;
  const cr = c / scale;
  return (tr + cr) ** 2 / ((tr * tr) / (treatment.n - 1) + (cr * cr) / (control.n - 1));
}
