import { issue, type FieldIssue } from '../../shared/errors.ts';

export const METRIC_TYPES = ['binomial', 'mean', 'ratio'] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

/**
 * One variant's sufficient statistics for one metric (STATS.md, "Inputs"): the engine never sees rows.
 * y is the unit's metric value (0 or 1 for binomial), x its value in the pre-exposure window (CUPED), d the
 * unit's denominator (ratio metrics).
 */
export interface ArmStatistics {
  /** n: units. */
  readonly n: number;
  /** S = Σy. */
  readonly sum: number;
  /** Q = Σy²; required for mean and ratio metrics; for binomial it equals Σy and may be left out. */
  readonly sumSquares?: number;
  /** CUPED: Sx = Σx. The three covariate sums come together, for every variant or for none. */
  readonly covariateSum?: number;
  /** CUPED: Qx = Σx². */
  readonly covariateSumSquares?: number;
  /** CUPED: P = Σx·y. */
  readonly covariateSumProducts?: number;
  /** Ratio metrics: D = Σd. */
  readonly denominatorSum?: number;
  /** Ratio metrics: Dd = Σd². */
  readonly denominatorSumSquares?: number;
  /** Ratio metrics: Syd = Σy·d. */
  readonly denominatorSumProducts?: number;
}

/** What the effect formulas need from a variant: units, mean and per-unit variance of the metric. */
export interface Moments {
  readonly n: number;
  readonly mean: number;
  readonly variance: number;
}

/** Moments of y and of the CUPED covariate x, with their covariance. */
export interface CupedMoments {
  readonly n: number;
  readonly meanY: number;
  readonly varianceY: number;
  readonly meanX: number;
  readonly varianceX: number;
  readonly covarianceXY: number;
}

const COVARIATE_FIELDS = ['covariateSum', 'covariateSumSquares', 'covariateSumProducts'] as const;
const DENOMINATOR_FIELDS = ['denominatorSum', 'denominatorSumSquares', 'denominatorSumProducts'] as const;
const ALL_FIELDS = ['n', 'sum', 'sumSquares', ...COVARIATE_FIELDS, ...DENOMINATOR_FIELDS] as const;

/**
 * Sums straight from an analytics store carry rounding: a variance or a Cauchy–Schwarz bound may miss by a few
 * ulps. Misses within this relative tolerance are rounding (the variance is then taken as 0); larger ones mean
 * the sums cannot come from any set of n real values.
 */
const ROUNDING = 1e-9;

export function hasCovariates(arm: ArmStatistics): boolean {
  return COVARIATE_FIELDS.some((field) => arm[field] !== undefined);
}

/**
 * Every problem with the sufficient statistics of a metric's variants, as field pointers (`#/control/sumSquares`).
 * `paths[i]` is where variant i sits in the caller's body. Valid input that is merely too thin to analyse (n of 0
 * or 1, zero variance, a zero control mean) is not an error here: the comparison reports "insufficient data".
 */
export function armIssues(metricType: MetricType, arms: readonly ArmStatistics[], paths: readonly (readonly PropertyKey[])[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const withCovariates = arms.filter(hasCovariates).length;
  arms.forEach((arm, i) => {
    const at = (field: string): PropertyKey[] => [...(paths[i] ?? []), field];
    const before = issues.length;
    for (const field of ALL_FIELDS) {
      const value: unknown = arm[field];
      if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) issues.push(issue(at(field), 'must be a finite number'));
    }
    if (!Number.isSafeInteger(arm.n) || arm.n < 0) issues.push(issue(at('n'), 'must be a whole number of units, 0 or more'));
    if (issues.length > before) return; // the checks below need numbers
    const { n, sum } = arm;
    const covariates = hasCovariates(arm);
    if (metricType !== 'ratio') {
      for (const field of DENOMINATOR_FIELDS) if (arm[field] !== undefined) issues.push(issue(at(field), 'applies to ratio metrics only'));
    }
    if (metricType === 'binomial') {
      if (!Number.isInteger(sum) || sum < 0 || sum > n) issues.push(issue(at('sum'), `must be a whole number of converted units between 0 and n (${n})`));
      else if (arm.sumSquares !== undefined && arm.sumSquares !== sum) issues.push(issue(at('sumSquares'), 'must equal sum for a binomial metric (each y is 0 or 1), or be left out'));
    } else if (arm.sumSquares === undefined) {
      issues.push(issue(at('sumSquares'), `is required for a ${metricType} metric`));
    } else if (!spreadIsPossible(n, sum, arm.sumSquares)) {
      issues.push(issue(at('sumSquares'), 'is smaller than sum²/n: no n real values have these sums'));
    }
    if (metricType === 'ratio') {
      const missing = DENOMINATOR_FIELDS.filter((field) => arm[field] === undefined);
      for (const field of missing) issues.push(issue(at(field), 'is required for a ratio metric'));
      if (missing.length === 0 && arm.sumSquares !== undefined && spreadIsPossible(n, sum, arm.sumSquares)) {
        const [d, dd, syd] = [arm.denominatorSum!, arm.denominatorSumSquares!, arm.denominatorSumProducts!];
        if (!spreadIsPossible(n, d, dd)) issues.push(issue(at('denominatorSumSquares'), 'is smaller than denominatorSum²/n: no n real values have these sums'));
        else if (!covarianceIsPossible(n, sum, arm.sumSquares, d, dd, syd)) issues.push(issue(at('denominatorSumProducts'), 'is inconsistent with the other sums (|covariance| exceeds the product of the standard deviations)'));
      }
      if (covariates) issues.push(issue(at('covariateSum'), 'CUPED is not supported for ratio metrics'));
    } else if (covariates) {
      const missing = COVARIATE_FIELDS.filter((field) => arm[field] === undefined);
      for (const field of missing) issues.push(issue(at(field), 'is required with the other covariate sums (CUPED)'));
      if (missing.length === 0) {
        const [sx, qx, p] = [arm.covariateSum!, arm.covariateSumSquares!, arm.covariateSumProducts!];
        const q = arm.sumSquares ?? sum;
        if (!spreadIsPossible(n, sx, qx)) issues.push(issue(at('covariateSumSquares'), 'is smaller than covariateSum²/n: no n real values have these sums'));
        else if (spreadIsPossible(n, sum, q) && !covarianceIsPossible(n, sum, q, sx, qx, p)) {
          issues.push(issue(at('covariateSumProducts'), 'is inconsistent with the other sums (|covariance| exceeds the product of the standard deviations)'));
        }
      }
    }
    if (metricType !== 'ratio' && withCovariates > 0 && withCovariates < arms.length && !covariates) {
      issues.push(issue(at('covariateSum'), 'is required: CUPED needs the covariate sums of every variant or of none'));
    }
  });
  return issues;
}

/** Σ(v − v̄)² ≥ 0, up to rounding; with n = 0 the sums must be 0. */
function spreadIsPossible(n: number, sum: number, sumSquares: number): boolean {
  if (n === 0) return sum === 0 && sumSquares === 0;
  return sumSquares - sum * (sum / n) >= -ROUNDING * Math.max(Math.abs(sumSquares), 1e-300);
}

function covarianceIsPossible(n: number, s1: number, q1: number, s2: number, q2: number, p: number): boolean {
  if (n === 0) return p === 0;
  const cross = p - s1 * (s2 / n);
  const bound = Math.sqrt(Math.max(0, centred(n, s1, q1)) * Math.max(0, centred(n, s2, q2)));
  return Math.abs(cross) <= bound * (1 + ROUNDING) + ROUNDING * Math.abs(p);
}

/** Σ(v − v̄)², floored at 0 against rounding. */
function centred(n: number, sum: number, sumSquares: number): number {
  return Math.max(0, sumSquares - sum * (sum / n));
}

/**
 * Mean and per-unit variance of the metric (STATS.md "Inputs"): binomial p(1−p) without the n/(n−1) factor,
 * mean metrics the sample variance, ratio metrics R = S/D with the delta-method variance
 * σ²_R = s²_y/m_d² + m_y²·s²_d/m_d⁴ − 2·m_y·c_yd/m_d³. Needs n ≥ 2 (and D ≠ 0 for ratios).
 */
export function moments(metricType: MetricType, arm: ArmStatistics): Moments {
  const { n, sum } = arm;
  const meanY = sum / n;
  if (metricType === 'binomial') return { n, mean: meanY, variance: meanY * (1 - meanY) };
  const varianceY = centred(n, sum, arm.sumSquares!) / (n - 1);
  if (metricType === 'mean') return { n, mean: meanY, variance: varianceY };
  const d = arm.denominatorSum!;
  const meanD = d / n;
  const varianceD = centred(n, d, arm.denominatorSumSquares!) / (n - 1);
  const covarianceYD = (arm.denominatorSumProducts! - sum * (d / n)) / (n - 1);
  const variance = varianceY / meanD ** 2 + (meanY ** 2 * varianceD) / meanD ** 4 - (2 * meanY * covarianceYD) / meanD ** 3;
  return { n, mean: sum / d, variance: Math.max(0, variance) };
}

/** The moments CUPED needs (binomial y keeps its p(1−p) variance, as without CUPED). */
export function cupedMoments(metricType: MetricType, arm: ArmStatistics): CupedMoments {
  const { n, sum } = arm;
  const sx = arm.covariateSum!;
  return {
    n,
    meanY: sum / n,
    varianceY: moments(metricType, arm).variance,
    meanX: sx / n,
    varianceX: centred(n, sx, arm.covariateSumSquares!) / (n - 1),
    covarianceXY: (arm.covariateSumProducts! - sum * (sx / n)) / (n - 1),
  };
}

/** The metric's mean, or null when it is undefined (no units; a ratio with a zero denominator). */
export function observedMean(metricType: MetricType, arm: ArmStatistics): number | null {
  if (arm.n === 0) return null;
  if (metricType !== 'ratio') return arm.sum / arm.n;
  return arm.denominatorSum ? arm.sum / arm.denominatorSum : null;
}
