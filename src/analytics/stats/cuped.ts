import type { Effect } from './effect.ts';
import { welchDf } from './effect.ts';
import type { Moments } from '../../shared/metric-kinds/metric-kind.ts';
import type { SufficientStatistics } from '../../shared/metric-kinds/sums.ts';
import type { CupedMoments } from './sufficient-statistics.ts';

/**
 * CUPED's θ pooled over all arms (docs/statistics.md): θ = (ΣP − ΣS·ΣSx/N)/(ΣQx − (ΣSx)²/N), sums over every variant of the
 * metric and N all their units. Pooling keeps θ the same for every comparison and independent of the treatment
 * assignment. A covariate without spread gives θ = 0: no adjustment.
 */
export function pooledTheta(arms: readonly SufficientStatistics[]): number {
  let n = 0;
  let s = 0;
  let sx = 0;
  let qx = 0;
  let p = 0;
  for (const arm of arms) {
    n += arm.n;
    s += arm.sum;
    sx += arm.covariateSum ?? 0;
    qx += arm.covariateSumSquares ?? 0;
    p += arm.covariateSumProducts ?? 0;
  }
  // No units: the spread is NaN, and θ is 0 below.
  const spread = qx - sx * (sx / n);
  if (!(spread > 1e-12 * Math.abs(qx))) return 0;
  const theta = (p - s * (sx / n)) / spread;
  return Number.isFinite(theta) ? theta : 0;
}

/** Per arm: adjusted mean m_y − θ·m_x and adjusted variance s²_y + θ²·s²_x − 2θ·c_xy. */
export function adjustedMoments(arm: CupedMoments, theta: number): Moments {
  return {
    n: arm.n,
    mean: arm.meanY - theta * arm.meanX,
    variance: Math.max(0, arm.varianceY + theta * theta * arm.varianceX - 2 * theta * arm.covarianceXY),
  };
}

/** The absolute CUPED effect: the absolute formulas on adjusted moments, Welch's ν on the adjusted variances. */
export function cupedAbsoluteEffect(control: CupedMoments, treatment: CupedMoments, theta: number): Effect {
  const c = adjustedMoments(control, theta);
  const t = adjustedMoments(treatment, theta);
  return { estimate: t.mean - c.mean, variance: t.variance / t.n + c.variance / c.n, df: welchDf(c, t) };
}

/**
 * The relative CUPED effect (docs/statistics.md): Δ = (m̃_T − m̃_C)/|m_{y,C}|, relative to the unadjusted control mean, with
 * V = s̃²_T/(n_T·m_C²) + ((m_{y,T}²/m_C²)·s²_{y,C} − 2θ·(m_{y,T}/m_C)·c_{xy,C} + θ²·s²_{x,C}) / (n_C·m_C²).
 * The caller makes sure m_{y,C} ≠ 0.
 */
export function cupedRelativeEffect(control: CupedMoments, treatment: CupedMoments, theta: number): Effect {
  const c = adjustedMoments(control, theta);
  const t = adjustedMoments(treatment, theta);
  const mc = control.meanY;
  const mc2 = mc * mc;
  const ratio = treatment.meanY / mc;
  const controlPart = ratio * ratio * control.varianceY - 2 * theta * ratio * control.covarianceXY + theta * theta * control.varianceX;
  return {
    estimate: (t.mean - c.mean) / Math.abs(mc),
    variance: t.variance / (t.n * mc2) + Math.max(0, controlPart) / (control.n * mc2),
    df: welchDf(c, t),
  };
}
