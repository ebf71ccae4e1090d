import { describe, expect, it } from 'vitest';
import type { ExperimentStatisticsQuery } from '../../../src/analytics/analytics-store.ts';
import { assembleStatistics, planAnalysis } from '../../../src/analytics/store/analysis-plan.ts';
import { ValidationError } from '../../../src/shared/errors.ts';

const base: ExperimentStatisticsQuery = {
  experimentKey: 'checkout-test',
  environment: 'production',
  variants: ['control', 'treatment'],
  metrics: [
    { key: 'converted', kind: 'binomial', event: 'purchase', windowHours: 72, cuped: true },
    { key: 'revenue', kind: 'mean', event: 'purchase', winsorizePercentile: 0.95, cuped: false },
    { key: 'per-view', kind: 'ratio', numerator: 'purchase', denominator: 'pageview', windowHours: 1.5, cuped: false },
  ],
  cupedPreWindowDays: 14,
};

describe('planAnalysis', () => {
  it('reduces a query to integers: milliseconds, millionths, each event once', () => {
    const plan = planAnalysis({ ...base, from: new Date(1000), to: new Date(5000) });
    expect(plan).toEqual({
      experimentKey: 'checkout-test',
      environment: 'production',
      variants: ['control', 'treatment'],
      fromMs: 1000,
      toMs: 5000,
      preWindowMs: 14 * 86_400_000,
      eventNames: ['purchase', 'pageview'],
      metrics: [
        { key: 'converted', kind: 'binomial', event: 'purchase', windowMs: 72 * 3_600_000, cuped: true },
        { key: 'revenue', kind: 'mean', event: 'purchase', capMicros: 950_000, cuped: false },
        { key: 'per-view', kind: 'ratio', event: 'purchase', denominator: 'pageview', windowMs: 5_400_000, cuped: false },
      ],
    });
  });

  it.each([
    ['a repeated variant', { variants: ['control', 'control'] }],
    ['a repeated metric key', { metrics: [base.metrics[0]!, base.metrics[0]!] }],
    ['a zero window', { metrics: [{ key: 'm', kind: 'binomial', event: 'purchase', windowHours: 0, cuped: false }] }],
    ['a negative window', { metrics: [{ key: 'm', kind: 'binomial', event: 'purchase', windowHours: -1, cuped: false }] }],
    ['an infinite window', { metrics: [{ key: 'm', kind: 'binomial', event: 'purchase', windowHours: Number.POSITIVE_INFINITY, cuped: false }] }],
    ['a percentile of 0', { metrics: [{ key: 'm', kind: 'mean', event: 'purchase', winsorizePercentile: 0, cuped: false }] }],
    ['a percentile above 1', { metrics: [{ key: 'm', kind: 'mean', event: 'purchase', winsorizePercentile: 95, cuped: false }] }],
    ['CUPED without a pre-window', { cupedPreWindowDays: 0 }],
    ['an invalid date', { to: new Date('nope') }],
    ['an unknown kind', { metrics: [{ key: 'm', kind: 'median', event: 'purchase', cuped: false } as never] }],
    ['an empty event name', { metrics: [{ key: 'm', kind: 'binomial', event: '', cuped: false }] }],
    ['an empty environment (that of rows stored before they carried one)', { environment: '' }],
    ['an environment that is not a key', { environment: "production' OR 1=1" }],
  ] as [string, Partial<ExperimentStatisticsQuery>][])('refuses %s', (_, change) => {
    expect(() => planAnalysis({ ...base, ...change })).toThrow(ValidationError);
  });
});

describe('assembleStatistics', () => {
  it('reads 64-bit strings and bigints, fills missing groups with zeros, and counts group -1 as multiple exposures', () => {
    const plan = planAnalysis({ ...base, variants: ['control', 'treatment', 'empty'], metrics: [base.metrics[0]!] });
    const stats = assembleStatistics(plan, [
      { g: '-1', n: '3' },
      { g: 0, n: 100n, m0_s: 50, m0_q: 50, m0_sx: 1, m0_qx: 1, m0_sxy: 1 },
      { g: 1n, n: '10', m0_s: 2, m0_q: 2, m0_sx: 1, m0_qx: 1, m0_sxy: -0 },
      { g: 2, n: 12, m0_s: 3, m0_q: 3, m0_sx: 0, m0_qx: 0, m0_sxy: 0 },
    ]);
    expect(stats).toEqual({
      units: { control: 10, treatment: 12, empty: 0 },
      multipleExposures: 3,
      metrics: {
        converted: {
          control: { n: 10, sum: 2, sumSquares: 2, covariateSum: 1, covariateSumSquares: 1, covariateSumProducts: 0 },
          treatment: { n: 12, sum: 3, sumSquares: 3, covariateSum: 0, covariateSumSquares: 0, covariateSumProducts: 0 },
          empty: { n: 0, sum: 0, sumSquares: 0, covariateSum: 0, covariateSumSquares: 0, covariateSumProducts: 0 },
        },
      },
    });
    expect(Object.is(stats.metrics['converted']!['control']!.covariateSumProducts, 0)).toBe(true);
  });

  it('refuses a non-numeric statistic instead of passing NaN on', () => {
    const plan = planAnalysis({ ...base, metrics: [] });
    expect(() => assembleStatistics(plan, [{ g: 1, n: 'nan' }])).toThrow(/non-numeric/);
  });
});
