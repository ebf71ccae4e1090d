import { describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../../src/analytics/analytics-store.ts';
import { AnalyticsStoreUnavailableError } from '../../../src/analytics/store/errors.ts';
import { lazyAnalyticsStore } from '../../../src/analytics/store/lazy-analytics-store.ts';
import { isUnavailable } from '../../../src/shared/errors.ts';

const opened: AnalyticsStore = {
  insertExposures: async () => {},
  insertMetricEvents: async () => {},
  experimentStatistics: async () => ({ units: {}, multipleExposures: 0, metrics: {} }),
  eventCounts: async () => ({ exposures: 0, metricEvents: 0 }),
  close: async () => {},
};
const exposure = { eventId: 'e1', experimentKey: 'x', flagKey: 'f', environment: 'production', variant: 'on', unitId: 'u1', revision: null, timestamp: new Date(0) };
const metric = { eventId: 'm1', name: 'purchase', unitId: 'u1', environment: 'production', value: 1, timestamp: new Date(0) };

// The sink retries an unavailable store without bound and dead-letters a batch a store keeps refusing: a store
// that cannot open must read as the first, or a locked DuckDB file would cost the events.
describe('lazyAnalyticsStore writes while the store cannot open', () => {
  it('reject with AnalyticsStoreUnavailableError, keeping the cause, and succeed once it opens', async () => {
    const locked = new Error('IO Error: Could not set lock on file');
    let opens = 0;
    const store = lazyAnalyticsStore(async () => {
      if (opens++ < 2) throw locked;
      return opened;
    });
    const exposures = await store.insertExposures([exposure]).catch((e: unknown) => e);
    const metrics = await store.insertMetricEvents([metric]).catch((e: unknown) => e);
    for (const error of [exposures, metrics]) {
      expect(error).toBeInstanceOf(AnalyticsStoreUnavailableError);
      expect((error as Error).message).toBe('The analytics store could not be opened: IO Error: Could not set lock on file');
      expect((error as Error).cause).toBe(locked);
      expect(isUnavailable(error)).toBe(true);
    }
    await expect(store.insertExposures([exposure])).resolves.toBeUndefined();
    expect(opens).toBe(3);
  });

  it('leave reads failing with the open error itself, as before', async () => {
    const store = lazyAnalyticsStore(async () => {
      throw new Error('locked');
    });
    const error = await store.eventCounts().catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(AnalyticsStoreUnavailableError);
    expect((error as Error).message).toBe('locked');
  });

  it('pass on a write refused by the opened store as it is', async () => {
    const refusal = new Error('Conversion Error');
    const store = lazyAnalyticsStore(async () => ({ ...opened, insertMetricEvents: async () => Promise.reject(refusal) }));
    await expect(store.insertMetricEvents([metric])).rejects.toBe(refusal);
  });
});
