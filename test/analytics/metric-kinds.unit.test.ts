import { describe, expect, it } from 'vitest';
import { armIssues } from '../../src/analytics/stats/sufficient-statistics.ts';
import { unitColumns } from '../../src/shared/metric-kinds/metric-kind.ts';
import { METRIC_KINDS, metricKind } from '../../src/shared/metric-kinds/metric-kinds.ts';
import { SUMS, sumsOver, type SufficientStatistics, type UnitColumn } from '../../src/shared/metric-kinds/sums.ts';

// One vocabulary from the SQL row to the engine: the sums the analysis SQL writes for a metric (its kind's
// columns, through the sums table) are exactly the sums the engine takes for that kind.

/** Per-unit rows a store could hold: binomial y and x are 0 or 1. */
const rows: Record<UnitColumn, number>[] = [
  { y: 1, x: 0, d: 2 },
  { y: 0, x: 1, d: 3 },
  { y: 1, x: 1, d: 1 },
  { y: 1, x: 0, d: 4 },
];

/** What the SQL computes for these columns: each sum of the table over the rows, by its factors. */
function rowSums(columns: readonly UnitColumn[]): SufficientStatistics {
  const statistics: Record<string, number> = { n: rows.length };
  for (const name of sumsOver(columns)) statistics[name] = rows.reduce((total, row) => total + SUMS[name].factors.reduce((product, column) => product * row[column], 1), 0);
  return statistics as unknown as SufficientStatistics;
}

const at = (variant: string) => [[variant], [`${variant}-2`]];

describe('each kind takes the sums its SQL row carries', () => {
  it.each(METRIC_KINDS.flatMap((name) => [false, true].map((cuped) => [name, cuped] as const)))('%s, CUPED %s', (name, cuped) => {
    const kind = metricKind(name);
    const arm = rowSums(unitColumns(kind, cuped));
    const issues = armIssues(kind, [arm, arm], at(name));
    // A kind the engine does not adjust with CUPED refuses the covariate sums the store computes when asked.
    expect(issues).toEqual(cuped && !kind.cuped ? [`#/${name}/covariateSum`, `#/${name}-2/covariateSum`].map((pointer) => ({ pointer, detail: `CUPED is not supported for ${name} metrics` })) : []);
  });

  it('the row holds n and each sum under its alias, in the order the SQL writes them', () => {
    expect(sumsOver(['y', 'x', 'd']).map((name) => SUMS[name].alias)).toEqual(['s', 'q', 'sx', 'qx', 'sxy', 'sd', 'qd', 'syd']);
    expect(sumsOver(['y'])).toEqual(['sum', 'sumSquares']);
  });
});
