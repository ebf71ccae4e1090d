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

/**
 * What the root must know of an adapter besides how to open it: declared here, next to the opening, so the
 * root asks the adapters and never tests their names. One entry per configured kind: a new kind in Config fails
 * to compile until it is declared.
 */
interface Adapter<C, T> {
  /**
   * A server that another thread can open a client of its own to (Kafka, ClickHouse). A file one instance owns
   * (DuckDB) or the memory of this thread (the in-process bus) is not: only this thread may use it.
   */
  readonly reachableFromAnotherThread: boolean;
  open(config: C): Promise<T>;
}

interface BusAdapter<C> extends Adapter<C, EventBus> {
  /** The name of a consumer group on this bus. */
  groupId(config: C, name: string): string;
}

type OfKind<C, K> = Extract<C, { kind: K }>;

const BUSES: { readonly [K in Config['bus']['kind']]: BusAdapter<OfKind<Config['bus'], K>> } = {
  memory: {
    reachableFromAnotherThread: false,
    async open() {
      const { createInMemoryBus } = await import('../analytics/bus/in-memory-bus.ts');
      return createInMemoryBus();
    },
    groupId: (_config, name) => `flagstaff-${name}`,
  },
  kafka: {
    reachableFromAnotherThread: true,
    async open(config) {
      const { createKafkaBus } = await import('../analytics/bus/kafka-bus.ts');
      // Not started here: publish and subscribe connect on demand, so Flagstaff starts while Kafka is down.
      return createKafkaBus({ brokers: config.brokers, topicPrefix: config.topicPrefix });
    },
    // Prefixed like the topics, so two deployments on one broker stay apart.
    groupId: (config, name) => `${config.topicPrefix}${name}`,
  },
};

const ANALYTICS_STORES: { readonly [K in Config['analytics']['kind']]: Adapter<OfKind<Config['analytics'], K>, AnalyticsStore> } = {
  duckdb: {
    reachableFromAnotherThread: false,
    async open(config) {
      const { lazyAnalyticsStore } = await import('../analytics/store/lazy-analytics-store.ts');
      return lazyAnalyticsStore(async () => {
        const { createDuckDbAnalyticsStore } = await import('../analytics/store/duckdb-analytics-store.ts');
        await fs.mkdir(path.dirname(config.path), { recursive: true });
        return createDuckDbAnalyticsStore({ path: config.path });
      });
    },
  },
  clickhouse: {
    reachableFromAnotherThread: true,
    async open(config) {
      const { createClickHouseAnalyticsStore } = await import('../analytics/store/clickhouse-analytics-store.ts');
      return createClickHouseAnalyticsStore({ url: config.url, database: config.database });
    },
  },
};

// The entry of a configuration's kind takes that configuration: TypeScript cannot tie the two by itself.
const busAdapter = (config: Config['bus']): BusAdapter<Config['bus']> => BUSES[config.kind] as BusAdapter<Config['bus']>;
const analyticsAdapter = (config: Config['analytics']): Adapter<Config['analytics'], AnalyticsStore> =>
  ANALYTICS_STORES[config.kind] as Adapter<Config['analytics'], AnalyticsStore>;

export async function openBus(config: Config['bus']): Promise<EventBus> {
  return busAdapter(config).open(config);
}

export async function openAnalyticsStore(config: Config['analytics']): Promise<AnalyticsStore> {
  return analyticsAdapter(config).open(config);
}

/** The consumer group of a part of the process (the analytics sink, say) on the configured bus. */
export function busGroupId(config: Config['bus'], name: string): string {
  return busAdapter(config).groupId(config, name);
}

/**
 * Whether the analytics sink may run on a thread of its own, which opens its own bus consumer and analytics
 * client from these configurations (sink-thread.ts): only when both adapters declare that another thread can
 * reach them.
 */
export function sinkMayRunOnItsOwnThread(bus: Config['bus'], analytics: Config['analytics']): boolean {
  return busAdapter(bus).reachableFromAnotherThread && analyticsAdapter(analytics).reachableFromAnotherThread;
}
