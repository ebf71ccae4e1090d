import { issue, type FieldIssue } from '../errors.ts';
import { spreadOfYIssues } from './kind-rules.ts';
import type { MetricKindModule } from './metric-kind.ts';
import { DENOMINATOR_SUMS, centred, covarianceIsPossible, spreadIsPossible } from './sums.ts';

/**
 * ratio: per unit, y is the sum of `numerator`'s values and d that of `denominator`'s; the metric is Σy/Σd, its
 * variance by the delta method. Not adjusted with CUPED.
 */
export const ratio: MetricKindModule<'ratio'> = {
  name: 'ratio',
  events: { y: 'numerator', d: 'denominator' },
  unitValue: 'sum',
  cuped: false,
  winsorized: false,
  definitionIssues(definition) {
    const issues: FieldIssue[] = [];
    if (!definition.numerator) issues.push(issue(['numerator'], 'is required for a ratio metric'));
    if (!definition.denominator) issues.push(issue(['denominator'], 'is required for a ratio metric'));
    if (definition.event) issues.push(issue(['event'], 'a ratio metric names numerator and denominator events instead'));
    return issues;
  },
  sumIssues(arm, at) {
    const issues = spreadOfYIssues('ratio', arm, at);
    const missing = DENOMINATOR_SUMS.filter((field) => arm[field] === undefined);
    for (const field of missing) issues.push(issue(at(field), 'is required for a ratio metric'));
    if (issues.length === 0) {
      // d's spread and the covariance mean something only with every sum there and y's spread possible.
      const { n, sum, sumSquares, denominatorSum: d, denominatorSumSquares: dd, denominatorSumProducts: syd } = arm;
      if (!spreadIsPossible(n, d!, dd!)) issues.push(issue(at('denominatorSumSquares'), 'is smaller than denominatorSum²/n: no n real values have these sums'));
      else if (!covarianceIsPossible(n, sum, sumSquares!, d!, dd!, syd!)) {
        issues.push(issue(at('denominatorSumProducts'), 'is inconsistent with the other sums (|covariance| exceeds the product of the standard deviations)'));
      }
    }
    return issues;
  },
  /** R = S/D, σ²_R = s²_y/m_d² + m_y²·s²_d/m_d⁴ − 2·m_y·c_yd/m_d³ (needs D ≠ 0). */
  moments(arm) {
    const { n, sum } = arm;
    const meanY = sum / n;
    const varianceY = centred(n, sum, arm.sumSquares!) / (n - 1);
    const d = arm.denominatorSum!;
    const meanD = d / n;
    const varianceD = centred(n, d, arm.denominatorSumSquares!) / (n - 1);
    const covarianceYD = (arm.denominatorSumProducts! - sum * (d / n)) / (n - 1);
    const variance = varianceY / meanD ** 2 + (meanY ** 2 * varianceD) / meanD ** 4 - (2 * meanY * covarianceYD) / meanD ** 3;
    return { n, mean: sum / d, variance: Math.max(0, variance) };
  },
  /** Null without units too: their denominator sum is 0. */
  observedMean(arm) {
    return arm.denominatorSum ? arm.sum / arm.denominatorSum : null;
  },
};
