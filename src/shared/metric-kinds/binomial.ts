import { issue, type FieldIssue } from '../errors.ts';
import { meanPerUnit, oneEventIssues } from './kind-rules.ts';
import type { MetricKindModule } from './metric-kind.ts';

/** binomial: y is 1 when the unit sent `event` (after its first exposure, within the window), else 0. */
export const binomial: MetricKindModule<'binomial'> = {
  name: 'binomial',
  events: { y: 'event' },
  unitValue: 'any',
  cuped: true,
  winsorized: false,
  definitionIssues: (definition) => oneEventIssues('binomial', definition),
  sumIssues(arm, at) {
    const issues: FieldIssue[] = [];
    if (!Number.isInteger(arm.sum) || arm.sum < 0 || arm.sum > arm.n) issues.push(issue(at('sum'), `must be a whole number of converted units between 0 and n (${arm.n})`));
    else if (arm.sumSquares !== undefined && arm.sumSquares !== arm.sum) issues.push(issue(at('sumSquares'), 'must equal sum for a binomial metric (each y is 0 or 1), or be left out'));
    return issues;
  },
  /** The conversion rate p, and p(1−p) without the n/(n−1) factor. */
  moments({ n, sum }) {
    const meanY = sum / n;
    return { n, mean: meanY, variance: meanY * (1 - meanY) };
  },
  smoothedMoments({ n, sum }) {
    return binomial.moments({ n: n + 2, sum: sum + 1 });
  },
  observedMean: meanPerUnit,
};
