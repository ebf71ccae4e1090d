import fs from 'node:fs/promises';
import path from 'node:path';
import type { AnalyticsStore } from '../analytics/analytics-store.ts';
import type { Config } from './config.ts';
import { deferredEventStore } from '../event-store/deferred-event-store.ts';
import type { EventStore } from '../event-store/event-store.ts';
import type { EventBus } from '../shared/event-bus.ts';

/**
 * Opens the configured adapters. Each is imported only when chosen, so a process carries the client libraries
 * it uses and no others (PGlite alone is ~45 MB of resident code, the KurrentDB client ~24 MB).
 */
export async function openEventStore(config: Config['eventStore'], onRetry: (error: Error) => void = (error) => console.warn(`event store: ${error.message}; retrying`)): Promise<EventStore> {
  const { createSqlEventStore } = await import('../event-store/sql-event-store.ts');
  switch (config.kind) {
    case 'pglite': {
      // The embedded store opens at once or fails loudly.
      const { createPgliteDriver } = await import('../event-store/pglite-driver.ts');
      await fs.mkdir(config.dataDir, { recursive: true });
      return createSqlEventStore(await createPgliteDriver(config.dataDir));
    }
    case 'postgres': {
      // A server is waited for in the background: Flagstaff starts, and serves its persisted read model, meanwhile.
      const { createPostgresDriver } = await import('../event-store/postgres-driver.ts');
      return deferredEventStore(
        async () => {
          const driver = await createPostgresDriver(config.url);
          try {
            return await createSqlEventStore(driver, { schema: config.schema });
          } catch (error) {
            await driver.close().catch(() => {});
            throw error;
          }
        },
        { onError: (error) => onRetry(error as Error) },
      );
    }
    case 'eventstoredb': {
      const { createKurrentDbEventStore } = await import('../event-store/kurrentdb-event-store.ts');
      return deferredEventStore(() => createKurrentDbEventStore(config.url));
    }
  }
}

export async function openBus(config: Config['bus']): Promise<EventBus> {
  switch (config.kind) {
    case 'memory': {
      const { createInMemoryBus } = await import('../analytics/bus/in-memory-bus.ts');
      return createInMemoryBus();
    }
    case 'kafka': {
      const { createKafkaBus } = await import('../analytics/bus/kafka-bus.ts');
      // Not started here: publish and subscribe connect on demand, so Flagstaff starts while Kafka is down.
      return createKafkaBus({ brokers: config.brokers, topicPrefix: config.topicPrefix });
    }
  }
}

export async function openAnalyticsStore(config: Config['analytics']): Promise<AnalyticsStore> {
  switch (config.kind) {
    case 'duckdb': {
      const { lazyAnalyticsStore } = await import('../analytics/store/lazy-analytics-store.ts');
      return lazyAnalyticsStore(async () => {
        const { createDuckDbAnalyticsStore } = await import('../analytics/store/duckdb-analytics-store.ts');
        await fs.mkdir(path.dirname(config.path), { recursive: true });
        return createDuckDbAnalyticsStore({ path: config.path });
      });
    }
    case 'clickhouse': {
      const { createClickHouseAnalyticsStore } = await import('../analytics/store/clickhouse-analytics-store.ts');
      return createClickHouseAnalyticsStore({ url: config.url, database: config.database });
    }
  }
}
