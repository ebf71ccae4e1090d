import { describe, expect, it } from 'vitest';
import type { AnalyticsStore, ExperimentStatisticsQuery } from '../../src/analytics/analytics-store.ts';
import { analyseExperiment } from '../../src/analytics/experiment-results.ts';
import type { ExperimentForAnalysis } from '../../src/shared/experiment-catalog.ts';

const experiment: ExperimentForAnalysis = {
  key: 'checkout-test',
  status: 'running',
  startedAt: new Date('2026-11-01T00:00:00Z'),
  stoppedAt: undefined,
  design: {
    flagKey: 'new-checkout',
    environment: 'production',
    hypothesis: '',
    description: '',
    variants: [{ variant: 'off', weight: 50_000 }, { variant: 'on', weight: 50_000 }],
    controlVariant: 'off',
    trafficPercent: 100,
    audience: [],
    primaryMetric: 'purchase',
    secondaryMetrics: ['revenue'],
    guardrailMetrics: ['latency'],
    alpha: 0.05,
    power: 0.8,
    method: 'frequentist',
    cuped: false,
  },
  metrics: {
    purchase: { key: 'purchase', description: '', kind: 'binomial', event: 'purchase', direction: 'higher' },
    revenue: { key: 'revenue', description: '', kind: 'mean', event: 'purchase', direction: 'higher', winsorizePercentile: 0.99 },
    latency: { key: 'latency', description: '', kind: 'mean', event: 'page-load', direction: 'lower' },
  },
};

/** A store that answers with the worked examples of docs/statistics.md, and records the query it was asked. */
function goldenStore(): AnalyticsStore & { asked?: ExperimentStatisticsQuery } {
  const store: AnalyticsStore & { asked?: ExperimentStatisticsQuery } = {
    async insertExposures() {},
    async insertMetricEvents() {},
    async eventCounts() {
      return { exposures: 0, metricEvents: 0 };
    },
    async close() {},
    async experimentStatistics(query) {
      store.asked = query;
      return {
        units: { off: 1000, on: 1200 },
        multipleExposures: 7,
        metrics: {
          purchase: { off: { n: 28, sum: 14, sumSquares: 14 }, on: { n: 30, sum: 16, sumSquares: 16 } },
          revenue: { off: { n: 3407, sum: 1396.87, sumSquares: 52377.9767 }, on: { n: 3461, sum: 2422.7, sumSquares: 134698.29 } },
          latency: { off: { n: 3407, sum: 1396.87, sumSquares: 52377.9767 }, on: { n: 3461, sum: 2422.7, sumSquares: 134698.29 } },
        },
      };
    },
  };
  return store;
}

describe('experiment results', () => {
  it("asks the store for the current iteration in the experiment's environment, every metric, and turns its sums into the documented results", async () => {
    const store = goldenStore();
    const results = await analyseExperiment(experiment, store, { now: new Date('2026-11-21T00:00:00Z') });
    expect(store.asked).toMatchObject({
      experimentKey: 'checkout-test',
      environment: 'production',
      variants: ['off', 'on'],
      from: new Date('2026-11-01T00:00:00Z'),
      cupedPreWindowDays: 14,
      metrics: [
        { key: 'purchase', kind: 'binomial', event: 'purchase', cuped: false },
        { key: 'revenue', kind: 'mean', event: 'purchase', winsorizePercentile: 0.99 },
        { key: 'latency', kind: 'mean', event: 'page-load' },
      ],
    });
    expect(results).toMatchObject({ experimentKey: 'checkout-test', status: 'running', method: 'frequentist', multipleExposures: 7 });
    // Worked example 7 of docs/statistics.md: 1000 vs 1200 against 50/50.
    expect(results.srm.pValue).toBeCloseTo(2.0079e-5, 8);
    expect(results.srm.mismatch).toBe(true);
    expect(results.metrics.map((m) => [m.metricKey, m.role])).toEqual([['purchase', 'primary'], ['revenue', 'secondary'], ['latency', 'guardrail']]);
    // Golden case 2 (binomial 14/28 vs 16/30) and golden case 1 (mean, relative).
    const purchase = results.metrics[0]!.comparisons[0]!;
    expect(purchase).toMatchObject({ variant: 'on', baseline: 'off' });
    expect(purchase.relativeLift).toBeCloseTo(0.06667, 4);
    expect(purchase.pValue).toBeCloseTo(0.80707, 4);
    const revenue = results.metrics[1]!.comparisons[0]!;
    expect(revenue.relativeLift).toBeCloseTo(0.70732, 4);
    expect(revenue.pValue).toBeCloseTo(0.06191, 4);
    expect(results.metrics[1]!.variants).toEqual([
      { variant: 'off', units: 3407, mean: 1396.87 / 3407 },
      { variant: 'on', units: 3461, mean: 2422.7 / 3461 },
    ]);
    // The same numbers on a lower-is-better guardrail are a regression, not a win.
    expect(results.metrics[2]!.direction).toBe('lower');
  });
});
