import { describe, expect, it } from 'vitest';
import { armIssues } from '../../src/analytics/stats/sufficient-statistics.ts';
import { unitColumns } from '../../src/shared/metric-kinds/metric-kind.ts';
import { METRIC_KINDS, metricKind, type MetricKind } from '../../src/shared/metric-kinds/metric-kinds.ts';
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

describe('each kind refuses the sums no units of it can have', () => {
  const issuesOf = (name: MetricKind, ...arms: SufficientStatistics[]): { pointer: string; detail: string }[] =>
    armIssues(metricKind(name), arms, arms.map((_, i) => [i === 0 ? 'control' : 'treatment']));
  const mean = { n: 10, sum: 30, sumSquares: 100 };
  const ratio = { ...mean, denominatorSum: 20, denominatorSumSquares: 50, denominatorSumProducts: 65 };
  const cuped = { covariateSum: 20, covariateSumSquares: 50, covariateSumProducts: 65 };

  it('checks every field is a finite number and n a whole count', () => {
    expect(issuesOf('mean', { n: 2.5, sum: 'x' as never, sumSquares: NaN, covariateSum: Infinity })).toEqual([
      { pointer: '#/control/sum', detail: 'must be a finite number' },
      { pointer: '#/control/sumSquares', detail: 'must be a finite number' },
      { pointer: '#/control/covariateSum', detail: 'must be a finite number' },
      { pointer: '#/control/n', detail: 'must be a whole number of units, 0 or more' },
    ]);
  });

  it('binomial: a whole number of conversions between 0 and n, and Σy² = Σy', () => {
    for (const sum of [0, 4, 10]) expect(issuesOf('binomial', { n: 10, sum })).toEqual([]);
    for (const sum of [-1, 1.5, 11]) {
      expect(issuesOf('binomial', { n: 10, sum })).toEqual([{ pointer: '#/control/sum', detail: 'must be a whole number of converted units between 0 and n (10)' }]);
    }
    expect(issuesOf('binomial', { n: 10, sum: 3, sumSquares: 3 })).toEqual([]);
    expect(issuesOf('binomial', { n: 10, sum: 3, sumSquares: 4 })).toEqual([{ pointer: '#/control/sumSquares', detail: 'must equal sum for a binomial metric (each y is 0 or 1), or be left out' }]);
  });

  it('mean: Σy² is required and no smaller than (Σy)²/n, up to rounding', () => {
    expect(issuesOf('mean', { n: 10, sum: 30 })).toEqual([{ pointer: '#/control/sumSquares', detail: 'is required for a mean metric' }]);
    expect(issuesOf('mean', { n: 10, sum: 30, sumSquares: 89 })).toEqual([{ pointer: '#/control/sumSquares', detail: 'is smaller than sum²/n: no n real values have these sums' }]);
    expect(issuesOf('mean', { n: 4, sum: 10, sumSquares: 25 * (1 - 1e-10) })).toEqual([]); // a miss of 1e-10 relative is rounding
    expect(issuesOf('mean', { n: 4, sum: 10, sumSquares: 25 * (1 - 1e-8) }).map((i) => i.pointer)).toEqual(['#/control/sumSquares']);
    // The tolerance is 1e-9 of Σy², and at least 1e-309: here (Σy)²/n rounds to exactly that.
    expect(issuesOf('mean', { n: 1, sum: 3.162277660168382e-155, sumSquares: 0 })).toEqual([]);
    expect(issuesOf('mean', { n: 1, sum: 3.1622779763961485e-155, sumSquares: 0 }).map((i) => i.pointer)).toEqual(['#/control/sumSquares']);
  });

  it('without units every sum is 0', () => {
    const none = { n: 0, sum: 0, sumSquares: 0, covariateSum: 0, covariateSumSquares: 0, covariateSumProducts: 0 };
    expect(issuesOf('mean', none, none)).toEqual([]);
    expect(issuesOf('mean', { ...none, sumSquares: 1 }, none).map((i) => i.pointer)).toEqual(['#/control/sumSquares']);
    expect(issuesOf('mean', { ...none, covariateSumProducts: 1 }, none).map((i) => i.pointer)).toEqual(['#/control/covariateSumProducts']);
    const noRatio = { n: 0, sum: 0, sumSquares: 0, denominatorSum: 0, denominatorSumSquares: 0, denominatorSumProducts: 0 };
    expect(issuesOf('ratio', noRatio)).toEqual([]);
    expect(issuesOf('ratio', { ...noRatio, denominatorSumProducts: 2 }).map((i) => i.pointer)).toEqual(['#/control/denominatorSumProducts']);
  });

  it('ratio: the denominator sums are required, possible, and consistent with y', () => {
    expect(issuesOf('ratio', ratio)).toEqual([]);
    expect(issuesOf('ratio', mean)).toEqual(
      ['denominatorSum', 'denominatorSumSquares', 'denominatorSumProducts'].map((field) => ({ pointer: `#/control/${field}`, detail: 'is required for a ratio metric' })),
    );
    expect(issuesOf('ratio', { ...ratio, denominatorSumSquares: 39 })).toEqual([
      { pointer: '#/control/denominatorSumSquares', detail: 'is smaller than denominatorSum²/n: no n real values have these sums' },
    ]);
    expect(issuesOf('ratio', { ...ratio, denominatorSumProducts: 71 })).toEqual([
      { pointer: '#/control/denominatorSumProducts', detail: 'is inconsistent with the other sums (|covariance| exceeds the product of the standard deviations)' },
    ]);
    // d's sums are judged only once y's are possible
    expect(issuesOf('ratio', { ...ratio, sumSquares: 89, denominatorSumSquares: 39 }).map((i) => i.pointer)).toEqual(['#/control/sumSquares']);
    expect(issuesOf('mean', { ...mean, denominatorSum: 1 })).toEqual([{ pointer: '#/control/denominatorSum', detail: 'applies to ratio metrics only' }]);
  });

  it('CUPED: the three covariate sums come together, in every variant or none, and are possible', () => {
    expect(issuesOf('mean', { ...mean, ...cuped }, { ...mean, ...cuped })).toEqual([]);
    expect(issuesOf('mean', { ...mean, covariateSum: 20 }, mean)).toEqual([
      { pointer: '#/control/covariateSumSquares', detail: 'is required with the other covariate sums (CUPED)' },
      { pointer: '#/control/covariateSumProducts', detail: 'is required with the other covariate sums (CUPED)' },
      { pointer: '#/treatment/covariateSum', detail: 'is required: CUPED needs the covariate sums of every variant or of none' },
    ]);
    expect(issuesOf('mean', { ...mean, ...cuped, covariateSumSquares: 39 })).toEqual([
      { pointer: '#/control/covariateSumSquares', detail: 'is smaller than covariateSum²/n: no n real values have these sums' },
    ]);
    expect(issuesOf('mean', { ...mean, ...cuped, covariateSumProducts: 71 })).toEqual([
      { pointer: '#/control/covariateSumProducts', detail: 'is inconsistent with the other sums (|covariance| exceeds the product of the standard deviations)' },
    ]);
    expect(issuesOf('ratio', { ...ratio, ...cuped })).toEqual([{ pointer: '#/control/covariateSum', detail: 'CUPED is not supported for ratio metrics' }]);
  });

  it('allows a covariance at the Cauchy–Schwarz bound, and past it by rounding only', () => {
    // y = (2, 0), x = (0, 2): perfectly anti-correlated, |Σ(x − x̄)(y − ȳ)| equals the bound exactly.
    expect(issuesOf('mean', { n: 2, sum: 2, sumSquares: 4, covariateSum: 2, covariateSumSquares: 4, covariateSumProducts: 0 })).toEqual([]);
    // y = (0, 1000), x = (0, 2000): the bound is 1e6, and the tolerance 1e-9 of it plus 1e-9 of Σxy = 3e-3.
    const line = { n: 2, sum: 1_000, sumSquares: 1e6, covariateSum: 2_000, covariateSumSquares: 4e6 };
    expect(issuesOf('mean', { ...line, covariateSumProducts: 2e6 + 2e-3 })).toEqual([]);
    expect(issuesOf('mean', { ...line, covariateSumProducts: 2e6 + 4e-3 }).map((i) => i.pointer)).toEqual(['#/control/covariateSumProducts']);
  });
});

describe('observedMean', () => {
  it('is the mean per unit, or Σy/Σd, and null without units', () => {
    expect(metricKind('binomial').observedMean({ n: 10, sum: 4 })).toBe(0.4);
    expect(metricKind('mean').observedMean({ n: 4, sum: 10, sumSquares: 30 })).toBe(2.5);
    expect(metricKind('ratio').observedMean({ n: 4, sum: 10, denominatorSum: 8 })).toBe(1.25);
    for (const name of METRIC_KINDS) expect(metricKind(name).observedMean({ n: 0, sum: 0, sumSquares: 0, denominatorSum: 0 })).toBeNull();
    expect(metricKind('ratio').observedMean({ n: 4, sum: 10, denominatorSum: 0 })).toBeNull();
  });
});
