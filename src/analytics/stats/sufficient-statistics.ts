import { issue, type FieldIssue } from '../../shared/errors.ts';
import { hasDenominator, type MetricKindModule } from '../../shared/metric-kinds/metric-kind.ts';
import { kindsWhere } from '../../shared/metric-kinds/metric-kinds.ts';
import { COVARIATE_SUMS, DENOMINATOR_SUMS, SUM_NAMES, centred, covarianceIsPossible, spreadIsPossible, type SufficientStatistics } from '../../shared/metric-kinds/sums.ts';

/** Moments of y and of the CUPED covariate x, with their covariance. */
export interface CupedMoments {
  readonly n: number;
  readonly meanY: number;
  readonly varianceY: number;
  readonly meanX: number;
  readonly varianceX: number;
  readonly covarianceXY: number;
}

export function hasCovariates(arm: SufficientStatistics): boolean {
  return COVARIATE_SUMS.some((field) => arm[field] !== undefined);
}

/**
 * Every problem with the sufficient statistics of a metric's variants, as field pointers (`#/control/sumSquares`).
 * `paths[i]` is where variant i sits in the caller's body. Valid input that is degenerate (n of 0 or 1, zero
 * variance, a zero control mean) is not an error here: the comparison copes with it or reports "insufficient data".
 * The kind checks the sums of y and d; the covariate sums are checked here, as CUPED is the same for every kind.
 */
export function armIssues(kind: MetricKindModule, arms: readonly SufficientStatistics[], paths: readonly (readonly PropertyKey[])[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const withCovariates = arms.filter(hasCovariates).length;
  arms.forEach((arm, i) => {
    const at = (field: string): PropertyKey[] => [...(paths[i] ?? []), field];
    const before = issues.length;
    for (const field of ['n', ...SUM_NAMES] as const) {
      const value: unknown = arm[field];
      if (value !== undefined && !Number.isFinite(value)) issues.push(issue(at(field), 'must be a finite number'));
    }
    if (!Number.isSafeInteger(arm.n) || arm.n < 0) issues.push(issue(at('n'), 'must be a whole number of units, 0 or more'));
    if (issues.length > before) return; // the checks below need numbers
    if (!hasDenominator(kind)) {
      for (const field of DENOMINATOR_SUMS) if (arm[field] !== undefined) issues.push(issue(at(field), `applies to ${kindsWhere(hasDenominator)} metrics only`));
    }
    issues.push(...kind.sumIssues(arm, at));
    const covariates = hasCovariates(arm);
    if (!kind.cuped) {
      if (covariates) issues.push(issue(at('covariateSum'), `CUPED is not supported for ${kind.name} metrics`));
      return;
    }
    if (covariates) issues.push(...covariateIssues(arm, at));
    else if (withCovariates > 0) {
      issues.push(issue(at('covariateSum'), 'is required: CUPED needs the covariate sums of every variant or of none'));
    }
  });
  return issues;
}

/** CUPED's three sums come together, and some n real values of x must have them with the given y. */
function covariateIssues(arm: SufficientStatistics, at: (field: string) => PropertyKey[]): FieldIssue[] {
  const missing = COVARIATE_SUMS.filter((field) => arm[field] === undefined);
  if (missing.length > 0) return missing.map((field) => issue(at(field), 'is required with the other covariate sums (CUPED)'));
  const { n, sum } = arm;
  const [sx, qx, p] = [arm.covariateSum!, arm.covariateSumSquares!, arm.covariateSumProducts!];
  const q = arm.sumSquares ?? sum;
  if (!spreadIsPossible(n, sx, qx)) return [issue(at('covariateSumSquares'), 'is smaller than covariateSum²/n: no n real values have these sums')];
  if (spreadIsPossible(n, sum, q) && !covarianceIsPossible(n, sum, q, sx, qx, p)) {
    return [issue(at('covariateSumProducts'), 'is inconsistent with the other sums (|covariance| exceeds the product of the standard deviations)')];
  }
  return [];
}

/** The moments CUPED needs (binomial y keeps its p(1−p) variance, as without CUPED). */
export function cupedMoments(kind: MetricKindModule, arm: SufficientStatistics): CupedMoments {
  const { n, sum } = arm;
  const sx = arm.covariateSum!;
  return {
    n,
    meanY: sum / n,
    varianceY: kind.moments(arm).variance,
    meanX: sx / n,
    varianceX: centred(n, sx, arm.covariateSumSquares!) / (n - 1),
    covarianceXY: (arm.covariateSumProducts! - sum * (sx / n)) / (n - 1),
  };
}
