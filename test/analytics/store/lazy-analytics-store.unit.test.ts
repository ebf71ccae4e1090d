import { describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../../src/analytics/analytics-store.ts';
import { lazyAnalyticsStore } from '../../../src/analytics/store/lazy-analytics-store.ts';

function recordingStore(calls: string[]): AnalyticsStore {
  return {
    insertExposures: async (rows) => void calls.push(`exposures ${rows.length}`),
    insertMetricEvents: async (rows) => void calls.push(`metrics ${rows.length}`),
    experimentStatistics: async () => ({ units: {}, multipleExposures: 0, metrics: {} }),
    eventCounts: async () => ({ exposures: 7, metricEvents: 0 }),
    close: async () => void calls.push('close'),
  };
}

const row = { eventId: 'e1', name: 'purchase', unitId: 'u1', environment: 'production', value: 1, timestamp: new Date() };

describe('lazyAnalyticsStore', () => {
  it('opens nothing until first used, then opens once', async () => {
    const calls: string[] = [];
    let opens = 0;
    const store = lazyAnalyticsStore(async () => (opens++, recordingStore(calls)));
    expect(opens).toBe(0);
    await store.insertMetricEvents([]);
    expect(opens).toBe(0);
    await Promise.all([store.insertMetricEvents([row]), store.eventCounts()]);
    expect(await store.eventCounts()).toEqual({ exposures: 7, metricEvents: 0 });
    expect(opens).toBe(1);
    await store.close();
    expect(calls).toEqual(['metrics 1', 'close']);
  });

  it('tries again after a failed open', async () => {
    let opens = 0;
    const store = lazyAnalyticsStore(async () => {
      if (opens++ === 0) throw new Error('locked');
      return recordingStore([]);
    });
    await expect(store.eventCounts()).rejects.toThrow('locked');
    await expect(store.eventCounts()).resolves.toEqual({ exposures: 7, metricEvents: 0 });
    expect(opens).toBe(2);
  });

  it('closed before use, never opens', async () => {
    let opens = 0;
    const store = lazyAnalyticsStore(async () => (opens++, recordingStore([])));
    await store.close();
    await expect(store.insertMetricEvents([row])).rejects.toThrow('closed');
    expect(opens).toBe(0);
  });
});
