import type { AnalyticsStore } from '../analytics-store.ts';

/**
 * Opens the real store on first use. DuckDB costs a process ~30 MiB resident from the moment it opens; a process
 * that never ingests nor analyses (a read replica, an admin-only process) never pays it. A failed open is not
 * remembered: the next call tries again, as the sink's retries expect.
 */
export function lazyAnalyticsStore(open: () => Promise<AnalyticsStore>): AnalyticsStore {
  let opening: Promise<AnalyticsStore> | undefined;
  let closed = false;
  const store = (): Promise<AnalyticsStore> => {
    if (closed) return Promise.reject(new Error('analytics store closed'));
    opening ??= open().catch((error: unknown) => {
      opening = undefined;
      throw error;
    });
    return opening;
  };
  return {
    insertExposures: async (rows) => (rows.length === 0 ? undefined : (await store()).insertExposures(rows)),
    insertMetricEvents: async (rows) => (rows.length === 0 ? undefined : (await store()).insertMetricEvents(rows)),
    experimentStatistics: async (query) => (await store()).experimentStatistics(query),
    eventCounts: async () => (await store()).eventCounts(),
    async close() {
      closed = true;
      const opened = await opening?.catch(() => undefined);
      await opened?.close();
    },
  };
}
