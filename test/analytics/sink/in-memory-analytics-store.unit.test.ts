import { describe, expect, it } from 'vitest';
import type { ExposureRow, MetricEventRow } from '../../../src/analytics/analytics-store.ts';
import { createInMemoryAnalyticsStore } from './in-memory-analytics-store.ts';

const at = (minutes: number): Date => new Date(Date.UTC(2024, 0, 1, 0, minutes));
const exposure = (eventId: string, unitId: string, variant: string, minutes: number): ExposureRow => ({
  eventId,
  experimentKey: 'exp',
  flagKey: 'flag',
  environment: 'production',
  variant,
  unitId,
  revision: 1,
  timestamp: at(minutes),
});
const event = (eventId: string, unitId: string, name: string, value: number, minutes: number, environment = 'production'): MetricEventRow => ({
  eventId,
  name,
  unitId,
  environment,
  value,
  timestamp: at(minutes),
});

describe('in-memory analytics store (the fake the sink tests use)', () => {
  it('stores an event id once, however often it comes', async () => {
    const store = createInMemoryAnalyticsStore();
    await store.insertExposures([exposure('e1', 'u1', 'on', 0), exposure('e1', 'u1', 'off', 1)]);
    await store.insertMetricEvents([event('m1', 'u1', 'buy', 2, 3)]);
    await store.insertMetricEvents([event('m1', 'u1', 'buy', 5, 3)]);
    expect(await store.eventCounts()).toEqual({ exposures: 1, metricEvents: 1 });
    expect(store.duplicates()).toBe(2);
    expect(store.exposures.get('e1')?.variant).toBe('on');
  });

  it('assigns units by first exposure, excludes units seen in two variants, and counts events after exposure only', async () => {
    const store = createInMemoryAnalyticsStore();
    await store.insertExposures([
      exposure('e1', 'u1', 'off', 10),
      exposure('e2', 'u2', 'on', 10),
      exposure('e3', 'u3', 'on', 10),
      exposure('e4', 'u4', 'on', 10),
      exposure('e5', 'u4', 'off', 20), // u4 saw both: excluded
    ]);
    await store.insertMetricEvents([
      event('m1', 'u1', 'buy', 10, 5), // before exposure: ignored
      event('m2', 'u2', 'buy', 3, 15),
      event('m3', 'u2', 'buy', 4, 16),
      event('m4', 'u3', 'buy', 7, 200), // outside a 1-hour window
      event('m5', 'u4', 'buy', 100, 30),
    ]);
    const result = await store.experimentStatistics({
      experimentKey: 'exp',
      environment: 'production',
      variants: ['off', 'on'],
      cupedPreWindowDays: 14,
      metrics: [
        { key: 'conversion', kind: 'binomial', event: 'buy', cuped: false },
        { key: 'revenue-1h', kind: 'mean', event: 'buy', windowHours: 1, cuped: false },
      ],
    });
    expect(result).toEqual({
      units: { off: 1, on: 2 },
      multipleExposures: 1,
      metrics: {
        conversion: { off: { n: 1, sum: 0, sumSquares: 0 }, on: { n: 2, sum: 2, sumSquares: 2 } },
        'revenue-1h': { off: { n: 1, sum: 0, sumSquares: 0 }, on: { n: 2, sum: 7, sumSquares: 49 } },
      },
    });
    await expect(
      store.experimentStatistics({ experimentKey: 'exp', environment: 'production', variants: ['on'], cupedPreWindowDays: 14, metrics: [{ key: 'c', kind: 'binomial', event: 'buy', cuped: true }] }),
    ).rejects.toThrow(/not implemented in the fake/);
  });

  it("counts only the query's environment, as the real stores do (analytics-store-contract.ts)", async () => {
    const store = createInMemoryAnalyticsStore();
    await store.insertExposures([exposure('e1', 'u1', 'on', 10), { ...exposure('e2', 'u2', 'on', 10), environment: 'development' }]);
    await store.insertMetricEvents([event('m1', 'u1', 'buy', 3, 15), event('m2', 'u1', 'buy', 50, 15, 'development'), event('m3', 'u1', 'buy', 9, 15, '')]);
    const query = { experimentKey: 'exp', variants: ['on'], cupedPreWindowDays: 14, metrics: [{ key: 'revenue', kind: 'mean' as const, event: 'buy', cuped: false }] };
    expect(await store.experimentStatistics({ ...query, environment: 'production' })).toEqual({
      units: { on: 1 },
      multipleExposures: 0,
      metrics: { revenue: { on: { n: 1, sum: 3, sumSquares: 9 } } },
    });
    expect((await store.experimentStatistics({ ...query, environment: 'development' })).metrics).toEqual({ revenue: { on: { n: 1, sum: 0, sumSquares: 0 } } });
  });
});
