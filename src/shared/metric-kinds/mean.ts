import { meanPerUnit, oneEventIssues, spreadOfYIssues } from './kind-rules.ts';
import type { MetricKindModule } from './metric-kind.ts';
import { centred } from './sums.ts';

/** mean: y is the sum of the values of `event` the unit sent (0 if none); its per-unit values may be winsorised. */
export const mean: MetricKindModule<'mean'> = {
  name: 'mean',
  events: { y: 'event' },
  unitValue: 'sum',
  cuped: true,
  winsorized: true,
  definitionIssues: (definition) => oneEventIssues('mean', definition),
  sumIssues: (arm, at) => spreadOfYIssues('mean', arm, at),
  /** The mean of y and its sample variance. */
  moments({ n, sum, sumSquares }) {
    return { n, mean: sum / n, variance: centred(n, sum, sumSquares!) / (n - 1) };
  },
  observedMean: meanPerUnit,
};
