/**
 * One variant's sufficient statistics for one metric: what the analysis SQL computes per variant, what the results
 * report, and what the statistics engine (and the body of POST /admin/stats/compare) takes. The engine never sees
 * rows. Per unit, y is the metric's value (0 or 1 for binomial), x its value in the pre-exposure window (CUPED's
 * covariate), d its denominator (ratio metrics).
 */
export interface SufficientStatistics {
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

export type SumName = Exclude<keyof SufficientStatistics, 'n'>;

/** A unit's values: y, and x (CUPED) and d (a kind with a denominator) when the metric has them. */
export type UnitColumn = 'y' | 'x' | 'd';

/**
 * Every sum: the per-unit columns it multiplies (Σv for one, Σv·w for two) and its short alias, which names its
 * column in the analysis SQL (`m{i}_<alias>`). The SQL writes the sums in this order.
 */
export const SUMS: { readonly [S in SumName]: { readonly factors: readonly UnitColumn[]; readonly alias: string } } = {
  sum: { factors: ['y'], alias: 's' },
  sumSquares: { factors: ['y', 'y'], alias: 'q' },
  covariateSum: { factors: ['x'], alias: 'sx' },
  covariateSumSquares: { factors: ['x', 'x'], alias: 'qx' },
  covariateSumProducts: { factors: ['x', 'y'], alias: 'sxy' },
  denominatorSum: { factors: ['d'], alias: 'sd' },
  denominatorSumSquares: { factors: ['d', 'd'], alias: 'qd' },
  denominatorSumProducts: { factors: ['y', 'd'], alias: 'syd' },
};

export const SUM_NAMES = Object.keys(SUMS) as SumName[];

/** The sums a metric with these per-unit columns has: every sum whose factors are all among them. */
export function sumsOver(columns: readonly UnitColumn[]): SumName[] {
  return SUM_NAMES.filter((name) => SUMS[name].factors.every((column) => columns.includes(column)));
}

/** The sums that need x: they come with CUPED. */
export const COVARIATE_SUMS = SUM_NAMES.filter((name) => SUMS[name].factors.includes('x'));
/** The sums that need d: they come with a denominator. */
export const DENOMINATOR_SUMS = SUM_NAMES.filter((name) => SUMS[name].factors.includes('d'));

/**
 * Sums straight from an analytics store carry rounding: a variance or a Cauchy–Schwarz bound may miss by a few
 * ulps. Misses within this relative tolerance are rounding (the variance is then taken as 0); larger ones mean
 * the sums cannot come from any set of n real values.
 */
const ROUNDING = 1e-9;

/** Σ(v − v̄)² ≥ 0, up to rounding; with n = 0 the sums must be 0. */
export function spreadIsPossible(n: number, sum: number, sumSquares: number): boolean {
  if (n === 0) return sum === 0 && sumSquares === 0;
  return sumSquares - sum * (sum / n) >= -ROUNDING * Math.max(Math.abs(sumSquares), 1e-300);
}

/** |Σ(v − v̄)(w − w̄)| within the product of the two spreads (Cauchy–Schwarz), up to rounding. */
export function covarianceIsPossible(n: number, s1: number, q1: number, s2: number, q2: number, p: number): boolean {
  if (n === 0) return p === 0;
  const cross = p - s1 * (s2 / n);
  const bound = Math.sqrt(Math.max(0, centred(n, s1, q1)) * Math.max(0, centred(n, s2, q2)));
  return Math.abs(cross) <= bound * (1 + ROUNDING) + ROUNDING * Math.abs(p);
}

/** Σ(v − v̄)², floored at 0 against rounding. */
export function centred(n: number, sum: number, sumSquares: number): number {
  return Math.max(0, sumSquares - sum * (sum / n));
}
