import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AnalyticsStore, ExperimentStatisticsQuery, MetricQuery } from '../../../src/analytics/analytics-store.ts';
import { ValidationError } from '../../../src/shared/errors.ts';
import type { SufficientStatistics } from '../../../src/shared/metric-kinds/sums.ts';
import { DATASET_QUERY, DAY, HOUR, T0, exposure, generateDataset, metricEvent, referenceStatistics } from './analytics-dataset.ts';

export interface AnalyticsStoreHarness {
  store: AnalyticsStore;
  cleanup?: () => Promise<void>;
}

/** The analytics-store contract: every adapter runs exactly this suite, each test on an empty store of its own. */
export function analyticsStoreContract(name: string, open: () => Promise<AnalyticsStoreHarness>): void {
  describe(`analytics store contract: ${name}`, () => {
    let harness: AnalyticsStoreHarness;
    let store: AnalyticsStore;
    beforeEach(async () => {
      harness = await open();
      store = harness.store;
    });
    afterEach(async () => {
      await store.close();
      await harness.cleanup?.();
    });

    const query = (metrics: MetricQuery[], extra: Partial<ExperimentStatisticsQuery> = {}): ExperimentStatisticsQuery => ({
      experimentKey: 'checkout-test',
      environment: 'production',
      variants: ['control', 'treatment'],
      metrics,
      cupedPreWindowDays: 14,
      ...extra,
    });
    const purchases: MetricQuery = { key: 'purchases', kind: 'mean', event: 'purchase', cuped: false };
    const converted: MetricQuery = { key: 'converted', kind: 'binomial', event: 'purchase', cuped: false };
    const s = (n: number, sum: number, sumSquares: number, extra: Partial<SufficientStatistics> = {}): SufficientStatistics => ({ n, sum, sumSquares, ...extra });

    describe('storing', () => {
      it('an empty store counts nothing, and an experiment without data reads as zeros (no NaN), every variant and metric present', async () => {
        expect(await store.eventCounts()).toEqual({ exposures: 0, metricEvents: 0 });
        const result = await store.experimentStatistics(DATASET_QUERY);
        const zero = { n: 0, sum: 0, sumSquares: 0 };
        const cuped = { covariateSum: 0, covariateSumSquares: 0, covariateSumProducts: 0 };
        const ratio = { denominatorSum: 0, denominatorSumSquares: 0, denominatorSumProducts: 0 };
        const perVariant = (stats: SufficientStatistics) => ({ control: stats, treatment: stats, unused: stats });
        expect(result).toEqual({
          units: { control: 0, treatment: 0, unused: 0 },
          multipleExposures: 0,
          metrics: {
            converted: perVariant({ ...zero, ...cuped }),
            'converted-ever': perVariant(zero),
            revenue: perVariant({ ...zero, ...cuped }),
            'revenue-raw': perVariant(zero),
            'revenue-per-view': perVariant({ ...zero, ...cuped, ...ratio }),
          },
        });
      });

      it('the same event ids count once, sent again in a later call or twice within one call', async () => {
        const exposures = [exposure('x-1', 'u-1', 'control', T0), exposure('x-2', 'u-2', 'treatment', T0)];
        const events = [metricEvent('m-1', 'u-1', 'purchase', 10, T0 + HOUR), metricEvent('m-2', 'u-2', 'purchase', 4, T0 + HOUR)];
        await store.insertExposures(exposures);
        await store.insertMetricEvents(events);
        await store.insertExposures([...exposures, exposures[0]!, exposures[0]!]);
        await store.insertMetricEvents([events[0]!, ...events, events[1]!]);
        await store.insertMetricEvents([metricEvent('m-3', 'u-1', 'purchase', 1, T0 + 2 * HOUR), metricEvent('m-3', 'u-1', 'purchase', 1, T0 + 2 * HOUR)]);

        expect(await store.eventCounts()).toEqual({ exposures: 2, metricEvents: 3 });
        const result = await store.experimentStatistics(query([purchases, converted]));
        expect(result.units).toEqual({ control: 1, treatment: 1 });
        expect(result.metrics['purchases']).toEqual({ control: s(1, 11, 121), treatment: s(1, 4, 16) });
        expect(result.metrics['converted']).toEqual({ control: s(1, 1, 1), treatment: s(1, 1, 1) });
      });

      it('stores ids, units and names holding quotes and backslashes verbatim, and analyses those units like any other', async () => {
        const units = [`o'brien`, 'back\\slash', `quote\\'mix"`, "--'; DROP TABLE exposures; --"];
        await store.insertExposures(units.map((u, i) => exposure(`x'${i}\\`, u, i % 2 === 0 ? 'control' : 'treatment', T0)));
        await store.insertMetricEvents(units.map((u, i) => metricEvent(`m'${i}\\`, u, 'purchase', i + 1, T0 + HOUR)));
        await store.insertMetricEvents([metricEvent(`m-odd`, units[0]!, `purchase' OR 1=1 --`, 100, T0 + HOUR)]);

        expect(await store.eventCounts()).toEqual({ exposures: 4, metricEvents: 5 });
        const result = await store.experimentStatistics(query([purchases]));
        expect(result.units).toEqual({ control: 2, treatment: 2 });
        expect(result.metrics['purchases']).toEqual({ control: s(2, 1 + 3, 1 + 9), treatment: s(2, 2 + 4, 4 + 16) });
      });
    });

    describe('assignment', () => {
      it("counts a unit once however often it is exposed to its variant; its window starts at the first exposure", async () => {
        await store.insertExposures([
          exposure('x-1', 'u-1', 'control', T0 + 5 * HOUR),
          exposure('x-2', 'u-1', 'control', T0),
          exposure('x-3', 'u-1', 'control', T0 + 50 * HOUR),
        ]);
        // Before the first exposure: no; between the first and a later exposure: yes; past 72 h from the first: no.
        await store.insertMetricEvents([
          metricEvent('m-1', 'u-1', 'purchase', 1, T0 - 1),
          metricEvent('m-2', 'u-1', 'purchase', 2, T0 + HOUR),
          metricEvent('m-3', 'u-1', 'purchase', 4, T0 + 71 * HOUR),
          metricEvent('m-4', 'u-1', 'purchase', 8, T0 + 73 * HOUR),
        ]);
        const result = await store.experimentStatistics(query([{ ...purchases, windowHours: 72 }]));
        expect(result.units).toEqual({ control: 1, treatment: 0 });
        expect(result.metrics['purchases']).toEqual({ control: s(1, 6, 36), treatment: s(0, 0, 0) });
      });

      it('excludes and counts units exposed to more than one variant; their events count nowhere', async () => {
        await store.insertExposures([
          exposure('x-1', 'u-1', 'control', T0),
          exposure('x-2', 'u-1', 'treatment', T0 + HOUR),
          exposure('x-3', 'u-2', 'treatment', T0),
          exposure('x-4', 'u-2', 'legacy', T0 + HOUR), // a variant not asked for still makes the unit ambiguous
          exposure('x-5', 'u-3', 'treatment', T0),
          exposure('x-6', 'u-3', 'treatment', T0 + HOUR),
        ]);
        await store.insertMetricEvents([
          metricEvent('m-1', 'u-1', 'purchase', 100, T0 + 2 * HOUR),
          metricEvent('m-2', 'u-2', 'purchase', 100, T0 + 2 * HOUR),
          metricEvent('m-3', 'u-3', 'purchase', 3, T0 + 2 * HOUR),
        ]);
        const result = await store.experimentStatistics(query([purchases]));
        expect(result.multipleExposures).toBe(2);
        expect(result.units).toEqual({ control: 0, treatment: 1 });
        expect(result.metrics['purchases']).toEqual({ control: s(0, 0, 0), treatment: s(1, 3, 9) });
      });

      it('reports only the variants asked for, each even without units, and ignores other experiments', async () => {
        await store.insertExposures([
          exposure('x-1', 'u-1', 'control', T0),
          exposure('x-2', 'u-2', 'legacy', T0),
          exposure('x-3', 'u-3', 'control', T0, 'other-test'),
          exposure('x-4', 'u-4', 'control', T0, ''),
        ]);
        await store.insertMetricEvents([metricEvent('m-1', 'u-2', 'purchase', 5, T0 + HOUR), metricEvent('m-2', 'u-3', 'purchase', 5, T0 + HOUR)]);
        const result = await store.experimentStatistics(query([purchases], { variants: ['control', 'treatment', 'holdout'] }));
        expect(result).toEqual({
          units: { control: 1, treatment: 0, holdout: 0 },
          multipleExposures: 0,
          metrics: { purchases: { control: s(1, 0, 0), treatment: s(0, 0, 0), holdout: s(0, 0, 0) } },
        });
      });

      it("counts only the experiment's environment: another environment's exposures and metric events, and rows without one, count nowhere", async () => {
        await store.insertExposures([
          exposure('x-1', 'u-1', 'control', T0),
          exposure('x-2', 'u-2', 'treatment', T0),
          exposure('x-3', 'u-3', 'treatment', T0, 'checkout-test', 'development'),
          exposure('x-4', 'u-1', 'treatment', T0 + HOUR, 'checkout-test', 'development'), // would make u-1 ambiguous
          exposure('x-5', 'u-4', 'control', T0, 'checkout-test', ''), // stored before rows carried an environment
        ]);
        await store.insertMetricEvents([
          metricEvent('m-1', 'u-1', 'purchase', 5, T0 + 2 * HOUR),
          metricEvent('m-2', 'u-1', 'purchase', 100, T0 + 2 * HOUR, 'development'),
          metricEvent('m-3', 'u-2', 'purchase', 7, T0 + 2 * HOUR, ''),
          metricEvent('m-4', 'u-2', 'purchase', 3, T0 + 2 * HOUR),
        ]);
        const production = await store.experimentStatistics(query([purchases]));
        expect(production).toEqual({ units: { control: 1, treatment: 1 }, multipleExposures: 0, metrics: { purchases: { control: s(1, 5, 25), treatment: s(1, 3, 9) } } });
        // The same experiment key in development is a separate population with its own events.
        const development = await store.experimentStatistics(query([purchases], { environment: 'development' }));
        expect(development).toEqual({ units: { control: 0, treatment: 2 }, multipleExposures: 0, metrics: { purchases: { control: s(0, 0, 0), treatment: s(2, 100, 10_000) } } });
      });

      it('considers only exposures in [from, to): an earlier exposure neither assigns nor starts the window', async () => {
        await store.insertExposures([
          exposure('x-1', 'u-1', 'treatment', T0 - DAY), // before `from`: ignored, so u-1 is not ambiguous
          exposure('x-2', 'u-1', 'control', T0),
          exposure('x-3', 'u-2', 'control', T0 + 10 * HOUR), // at `to`: excluded
          exposure('x-4', 'u-3', 'treatment', T0 + 10 * HOUR - 1),
        ]);
        await store.insertMetricEvents([
          metricEvent('m-1', 'u-1', 'purchase', 7, T0 - HOUR), // after the ignored exposure, before the counted one
          metricEvent('m-2', 'u-1', 'purchase', 2, T0 + 20 * HOUR), // after `to`: metric windows are per unit
          metricEvent('m-3', 'u-3', 'purchase', 3, T0 + 11 * HOUR),
        ]);
        const result = await store.experimentStatistics(query([purchases], { from: new Date(T0), to: new Date(T0 + 10 * HOUR) }));
        expect(result.multipleExposures).toBe(0);
        expect(result.units).toEqual({ control: 1, treatment: 1 });
        expect(result.metrics['purchases']).toEqual({ control: s(1, 2, 4), treatment: s(1, 3, 9) });
      });
    });

    describe('metric windows', () => {
      it('ignores events before the first exposure, counts one at it, and ends a window just before first + window', async () => {
        await store.insertExposures([exposure('x-1', 'u-1', 'control', T0), exposure('x-2', 'u-2', 'treatment', T0)]);
        await store.insertMetricEvents([
          metricEvent('m-1', 'u-1', 'purchase', 1, T0 - 1),
          metricEvent('m-2', 'u-1', 'purchase', 2, T0),
          metricEvent('m-3', 'u-1', 'purchase', 4, T0 + 24 * HOUR - 1),
          metricEvent('m-4', 'u-1', 'purchase', 8, T0 + 24 * HOUR),
          metricEvent('m-5', 'u-2', 'purchase', 16, T0 - HOUR),
          metricEvent('m-6', 'u-2', 'purchase', 32, T0 + 24 * HOUR),
        ]);
        const result = await store.experimentStatistics(
          query([
            { ...purchases, key: 'day', windowHours: 24 },
            { ...purchases, key: 'ever' },
            { ...converted, key: 'converted-day', windowHours: 24 },
            { ...converted, key: 'converted-ever' },
          ]),
        );
        expect(result.metrics).toEqual({
          day: { control: s(1, 6, 36), treatment: s(1, 0, 0) },
          ever: { control: s(1, 14, 196), treatment: s(1, 32, 1024) },
          'converted-day': { control: s(1, 1, 1), treatment: s(1, 0, 0) },
          'converted-ever': { control: s(1, 1, 1), treatment: s(1, 1, 1) },
        });
      });

      it('counts one metric event for every experiment its unit is in', async () => {
        await store.insertExposures([exposure('x-1', 'u-1', 'control', T0), exposure('x-2', 'u-1', 'treatment', T0 + HOUR, 'pricing-test')]);
        await store.insertMetricEvents([metricEvent('m-1', 'u-1', 'purchase', 9, T0 + 2 * HOUR)]);
        const checkout = await store.experimentStatistics(query([purchases]));
        const pricing = await store.experimentStatistics(query([purchases], { experimentKey: 'pricing-test' }));
        expect(checkout.metrics['purchases']).toEqual({ control: s(1, 9, 81), treatment: s(0, 0, 0) });
        expect(pricing.metrics['purchases']).toEqual({ control: s(0, 0, 0), treatment: s(1, 9, 81) });
      });

      it('sums ratio numerators and denominators per unit, zeros for units without events', async () => {
        await store.insertExposures([exposure('x-1', 'u-1', 'control', T0), exposure('x-2', 'u-2', 'control', T0), exposure('x-3', 'u-3', 'treatment', T0)]);
        await store.insertMetricEvents([
          metricEvent('m-1', 'u-1', 'purchase', 3, T0 + HOUR),
          metricEvent('m-2', 'u-1', 'pageview', 1, T0 + HOUR),
          metricEvent('m-3', 'u-1', 'pageview', 1, T0 + 2 * HOUR),
          metricEvent('m-4', 'u-2', 'pageview', 1, T0 + HOUR),
          metricEvent('m-5', 'u-2', 'pageview', 1, T0 - HOUR),
        ]);
        const result = await store.experimentStatistics(query([{ key: 'aov', kind: 'ratio', numerator: 'purchase', denominator: 'pageview', cuped: false }]));
        expect(result.metrics['aov']).toEqual({
          control: s(2, 3, 9, { denominatorSum: 3, denominatorSumSquares: 5, denominatorSumProducts: 6 }),
          treatment: s(1, 0, 0, { denominatorSum: 0, denominatorSumSquares: 0, denominatorSumProducts: 0 }),
        });
      });
    });

    describe('CUPED', () => {
      it("reads the covariate over [first exposure − pre-window, first exposure), the same metric's per-unit value", async () => {
        await store.insertExposures([exposure('x-1', 'u-1', 'control', T0), exposure('x-2', 'u-2', 'control', T0), exposure('x-3', 'u-3', 'treatment', T0)]);
        await store.insertMetricEvents([
          metricEvent('m-1', 'u-1', 'purchase', 1, T0 - 14 * DAY - 1), // too early
          metricEvent('m-2', 'u-1', 'purchase', 2, T0 - 14 * DAY), // first instant of the pre-window
          metricEvent('m-3', 'u-1', 'purchase', 4, T0 - 1),
          metricEvent('m-4', 'u-1', 'purchase', 8, T0), // the post-period
          metricEvent('m-5', 'u-2', 'purchase', 16, T0 - DAY),
          metricEvent('m-6', 'u-3', 'purchase', 32, T0 + DAY),
        ]);
        const result = await store.experimentStatistics(query([{ ...purchases, cuped: true }, { ...converted, cuped: true }]));
        // control: u-1 y 8 x 6; u-2 y 0 x 16. treatment: u-3 y 32 x 0.
        expect(result.metrics['purchases']).toEqual({
          control: s(2, 8, 64, { covariateSum: 22, covariateSumSquares: 36 + 256, covariateSumProducts: 48 }),
          treatment: s(1, 32, 1024, { covariateSum: 0, covariateSumSquares: 0, covariateSumProducts: 0 }),
        });
        expect(result.metrics['converted']).toEqual({
          control: s(2, 1, 1, { covariateSum: 2, covariateSumSquares: 2, covariateSumProducts: 1 }),
          treatment: s(1, 1, 1, { covariateSum: 0, covariateSumSquares: 0, covariateSumProducts: 0 }),
        });
      });
    });

    describe('winsorisation', () => {
      it('caps each unit at the nearest-rank percentile of all units pooled over the variants, zeros included', async () => {
        // Ten units with 1..10 and two without events: twelve values 0, 0, 1, ..., 10.
        const units = Array.from({ length: 12 }, (_, i) => `u-${i}`);
        await store.insertExposures(units.map((u, i) => exposure(`x-${i}`, u, i % 2 === 0 ? 'control' : 'treatment', T0)));
        await store.insertMetricEvents(units.slice(2).map((u, i) => metricEvent(`m-${i}`, u, 'purchase', i + 1, T0 + HOUR)));
        const capped = (p: number): MetricQuery => ({ ...purchases, key: `p${p}`, winsorizePercentile: p });
        const result = await store.experimentStatistics(query([capped(0.5), capped(0.75), capped(0.9), capped(0.99)]));
        // control holds u-0, u-2, ... (values 0, 1, 3, 5, 7, 9), treatment u-1, u-3, ... (0, 2, 4, 6, 8, 10).
        const arms = (cap: number) => {
          const control = [0, 1, 3, 5, 7, 9].map((v) => Math.min(v, cap));
          const treatment = [0, 2, 4, 6, 8, 10].map((v) => Math.min(v, cap));
          const stats = (vs: number[]) => s(6, vs.reduce((a, b) => a + b, 0), vs.reduce((a, b) => a + b * b, 0));
          return { control: stats(control), treatment: stats(treatment) };
        };
        // rank ⌈12·p⌉: p 0.5 → 6th value (4); 0.75 → 9th (7); 0.9 → ⌈10.8⌉ = 11th (9); 0.99 → 12th (10).
        expect(result.metrics).toEqual({ 'p0.5': arms(4), 'p0.75': arms(7), 'p0.9': arms(9), 'p0.99': arms(10) });
      });

      it('caps from above only, negative values (refunds) included, and caps the CUPED covariate at its own percentile', async () => {
        // y: -5, -3, 0 (no event), 0 (no event), 2, 4; x (pre-period): 10, 0, 0, 0, 0, 1.
        const values = [-5, -3, null, null, 2, 4];
        await store.insertExposures(values.map((_, i) => exposure(`x-${i}`, `u-${i}`, i < 3 ? 'control' : 'treatment', T0)));
        await store.insertMetricEvents([
          ...values.flatMap((v, i) => (v === null ? [] : [metricEvent(`m-${i}`, `u-${i}`, 'purchase', v, T0 + HOUR)])),
          metricEvent('pre-0', 'u-0', 'purchase', 10, T0 - DAY),
          metricEvent('pre-5', 'u-5', 'purchase', 1, T0 - DAY),
        ]);
        const result = await store.experimentStatistics(query([{ ...purchases, cuped: true, winsorizePercentile: 0.4 }]));
        // rank ⌈6·0.4⌉ = 3: y cap 0 (sorted -5, -3, 0, 0, 2, 4), x cap 0 (sorted 0, 0, 0, 0, 1, 10).
        expect(result.metrics['purchases']).toEqual({
          control: s(3, -8, 34, { covariateSum: 0, covariateSumSquares: 0, covariateSumProducts: 0 }),
          treatment: s(3, 0, 0, { covariateSum: 0, covariateSumSquares: 0, covariateSumProducts: 0 }),
        });
      });
    });

    describe('generated experiment', () => {
      it('equals the reference computation on 2,000 units for every metric kind, window, CUPED and winsorisation', async () => {
        const data = generateDataset();
        for (let i = 0; i < data.exposures.length; i += 1_000) await store.insertExposures(data.exposures.slice(i, i + 1_000));
        for (let i = 0; i < data.metricEvents.length; i += 1_000) await store.insertMetricEvents(data.metricEvents.slice(i, i + 1_000));
        // A redelivered stretch of both streams changes nothing.
        await store.insertExposures(data.exposures.slice(500, 900));
        await store.insertMetricEvents(data.metricEvents.slice(1_000, 1_700));

        const expected = referenceStatistics(data, DATASET_QUERY);
        expect(expected.multipleExposures).toBeGreaterThan(10);
        expect(expected.units['control']).toBeGreaterThan(800);
        expect(await store.eventCounts()).toEqual({ exposures: data.exposures.length, metricEvents: data.metricEvents.length });
        expect(await store.experimentStatistics(DATASET_QUERY)).toEqual(expected);

        const window = { ...DATASET_QUERY, from: new Date(T0 + 2 * DAY), to: new Date(T0 + 6 * DAY) };
        expect(await store.experimentStatistics(window)).toEqual(referenceStatistics(data, window));
      });
    });

    describe('bad input', () => {
      it('refuses values that could change the SQL, before anything is sent, and changes nothing', async () => {
        await store.insertExposures([exposure('x-1', 'u-1', 'control', T0)]);
        await store.insertMetricEvents([metricEvent('m-1', 'u-1', 'purchase', 5, T0 + HOUR)]);
        const attempts: ExperimentStatisticsQuery[] = [
          query([purchases], { experimentKey: "checkout-test' OR 1=1 --" }),
          query([purchases], { experimentKey: "x'; DROP TABLE exposures; --" }),
          query([purchases], { experimentKey: 'checkout-test\\' }),
          query([purchases], { variants: ['control', "treatment\\' OR 1=1 --"] }),
          query([{ ...purchases, event: "purchase' OR 1=1 --" }]),
          query([{ ...purchases, event: "purchase\\') OR ('1'='1" }]),
          query([{ key: 'r', kind: 'ratio', numerator: 'purchase', denominator: 'x` OR 1=1', cuped: false }]),
          query([{ ...purchases, event: 'purchase\nSELECT 1' }]),
          query([{ ...purchases, windowHours: Number.NaN }]),
          query([{ ...purchases, winsorizePercentile: 1 }]),
          query([purchases], { from: new Date(Number.NaN) }),
          query([purchases], { environment: "production' OR 1=1 --" }),
          query([purchases], { environment: '' }),
        ];
        for (const attempt of attempts) await expect(store.experimentStatistics(attempt)).rejects.toBeInstanceOf(ValidationError);

        expect(await store.eventCounts()).toEqual({ exposures: 1, metricEvents: 1 });
        const result = await store.experimentStatistics(query([purchases]));
        expect(result.metrics['purchases']).toEqual({ control: s(1, 5, 25), treatment: s(0, 0, 0) });
      });
    });
  });
}
