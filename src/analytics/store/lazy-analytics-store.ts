import type { AnalyticsStore } from '../analytics-store.ts';
import { AnalyticsStoreUnavailableError } from './errors.ts';

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
  /**
   * The store for a write: one that cannot open (DuckDB's file still locked by the process before this one) is
   * unavailable, not refusing the rows, so the sink waits for it instead of dead-lettering them (batch-runner.ts).
   */
  const forWriting = (): Promise<AnalyticsStore> =>
    store().catch((error: unknown) => {
      throw new AnalyticsStoreUnavailableError(`The analytics store could not be opened: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
  return {
    insertExposures: async (rows) => (rows.length === 0 ? undefined : (await forWriting()).insertExposures(rows)),
    insertMetricEvents: async (rows) => (rows.length === 0 ? undefined : (await forWriting()).insertMetricEvents(rows)),
    experimentStatistics: async (query) => (await store()).experimentStatistics(query),
    eventCounts: async () => (await store()).eventCounts(),
    async close() {
      closed = true;
      const opened = await opening?.catch(() => undefined);
      await opened?.close();
    },
  };
}
