import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { openAnalyticsStore, openBus, openEventStore } from './adapters.ts';
import type { AnalyticsStore } from './analytics/analytics-store.ts';
import { resultsRoutes } from './analytics/results-routes.ts';
import { startAnalyticsSink } from './analytics/sink/sink.ts';
import { startSinkThread } from './analytics/sink/sink-thread.ts';
import { startWithRetry } from './shared/start-with-retry.ts';
import type { Config } from './config.ts';
import type { EventStore } from './event-store/event-store.ts';
import { experimentRoutes } from './experiments/experiment-routes.ts';
import { ExperimentModel } from './experiments/experiment-model.ts';
import { createAdminApp } from './http/admin-app.ts';
import { webAppRoutes } from './http/web-app.ts';
import { ExposurePublisher } from './read/exposure-publisher.ts';
import type { EventBus } from './shared/event-bus.ts';
import { createReadApi } from './read/read-api.ts';
import { readAdminRoutes } from './read/read-admin-routes.ts';
import { timeTravelRoutes } from './read/time-travel/time-travel-routes.ts';
import { fileReadModelPersistence, type ReadModelPersistence } from './read/read-model-persistence.ts';
import { startReadProjection, type ReadProjection } from './read/read-projection.ts';
import { SdkKeys } from './read/sdk-keys.ts';
import { StreamHub } from './read/stream-hub.ts';
import { sleep } from './event-store/catch-up-subscription.ts';
import { sha256 } from './shared/tokens.ts';
import { bootstrap } from './write/bootstrap.ts';
import { WriteModel } from './write/write-model.ts';

export interface Flagstaff {
  readonly url: string;
  readonly store: EventStore;
  readonly bus: EventBus;
  readonly analytics: AnalyticsStore;
  readonly exposures: ExposurePublisher;
  readonly projection: ReadProjection;
  /** Where the analytics sink runs: on a thread of its own (Kafka and ClickHouse) or on the main thread. */
  readonly sinkMode: 'thread' | 'inline';
  /** Resolves once the first-start bootstrap ran; its token is set only on the first start without a configured one. */
  readonly bootstrapped: Promise<{ newAdminToken?: string }>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** An already open store (tests); otherwise the configured adapter is opened. */
  store?: EventStore;
  /** An already open bus (tests); otherwise the configured one. */
  bus?: EventBus;
  /** An already open analytics store (tests); otherwise the configured one. */
  analytics?: AnalyticsStore;
  /** The sink's consumer group; by default one per Kafka topic prefix, so two deployments on one broker stay apart. */
  sinkGroupId?: string;
  /** Where the read model is kept; defaults to `<data dir>/read-model`. */
  readModelPersistence?: ReadModelPersistence;
  sseHeartbeatMs?: number;
}

/** The composition root: the only place that picks concrete adapters and wires them together. */
export async function startFlagstaff(config: Config, options: StartOptions = {}): Promise<Flagstaff> {
  const store = options.store ?? (await openEventStore(config.eventStore));
  const writeModel = new WriteModel(store);

  // The stream hub publishes what the projection applies, and reads the projection's model: tie the knot.
  const started: { projection?: ReadProjection } = {};
  const streams = new StreamHub(() => started.projection?.model, options.sseHeartbeatMs);
  const projection = await startReadProjection({
    store,
    persistence: options.readModelPersistence ?? fileReadModelPersistence(path.join(config.dataDir, 'read-model')),
    onChange: (changes) => streams.publish(changes),
  });
  started.projection = projection;
  const bus = options.bus ?? (await openBus(config.bus));
  const analytics = options.analytics ?? (await openAnalyticsStore(config.analytics));
  // Exposures and metric events flow from the bus into the analytics store, idempotently, in every process:
  // on a thread of its own when both are servers (Kafka, ClickHouse), inline otherwise (DuckDB's file and the
  // in-process bus belong to this thread). Started in the background: with Kafka down, Flagstaff still starts
  // and the sink joins when it can.
  const groupId = options.sinkGroupId ?? (config.bus.kind === 'kafka' ? `${config.bus.topicPrefix}analytics-sink` : 'flagstaff-analytics-sink');
  const warnSink = (error: unknown): void => console.warn(`analytics sink: ${error instanceof Error ? error.message : String(error)}; retrying`);
  const sinkMode = !options.bus && !options.analytics && config.bus.kind === 'kafka' && config.analytics.kind === 'clickhouse' ? 'thread' : 'inline';
  const sink: { stop(): Promise<void> } =
    sinkMode === 'thread'
      ? startSinkThread({ bus: config.bus, analytics: config.analytics, groupId }, warnSink)
      : inlineSink(startWithRetry(() => startAnalyticsSink({ bus, store: analytics, groupId, onError: warnSink }), warnSink));
  const exposures = new ExposurePublisher(bus, { onError: (error) => console.warn(`exposures: ${(error as Error).message}; retrying`) });
  const readApi = createReadApi({ model: () => projection.model, keys: new SdkKeys(() => projection.model), streams, bodyLimit: 1024 * 1024, bus, exposures });
  const experimentModel = new ExperimentModel(store, writeModel);

  const health = async (): Promise<{ ok: boolean; body: Record<string, unknown> }> => {
    const storeUp = await Promise.race([store.headPosition().then(() => true, () => false), sleep(1_000).then(() => false)]);
    const status = projection.status();
    const ok = storeUp && status.live;
    return {
      ok,
      body: {
        status: ok ? 'ok' : 'degraded',
        eventStore: storeUp ? 'ok' : 'unreachable',
        readModel: { position: status.position, live: status.live, ...(status.lastError ? { lastError: status.lastError } : {}) },
      },
    };
  };

  const admin = createAdminApp({
    store,
    model: writeModel,
    bootstrapTokenHash: config.adminToken === undefined ? undefined : sha256(config.adminToken),
    bodyLimit: config.bodyLimit,
    health,
    routers: [
      readAdminRoutes({ store, projection }),
      resultsRoutes({ experiments: experimentModel, analytics }),
      experimentRoutes({ store, model: experimentModel }),
      timeTravelRoutes({ store }),
      // Last: the admin web app and its client routes, after every API route.
      webAppRoutes(),
    ],
  });
  const server = http.createServer((req, res) => {
    if (!readApi(req, res)) admin(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });

  let closed = false;
  // First start: default environments and an admin token. Waits for the store if it is not reachable yet.
  const bootstrapped = (async () => {
    for (;;) {
      try {
        return await bootstrap(store, { adminTokenConfigured: config.adminToken !== undefined });
      } catch (error) {
        if (closed) return {};
        console.warn(`bootstrap: ${(error as Error).message}; retrying`);
        await sleep(1_000);
      }
    }
  })();

  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  return {
    url: `http://${host}:${port}`,
    store,
    bus,
    analytics,
    exposures,
    projection,
    sinkMode,
    bootstrapped,
    async close() {
      closed = true;
      streams.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      // Order matters for "nothing acknowledged is lost": exposures reach the bus, the bus drains into the sink.
      await exposures.close();
      await projection.stop();
      if (!options.bus) await bus.close();
      await sink.stop();
      if (!options.analytics) await analytics.close();
      await store.close();
    },
  };
}

function inlineSink(started: { cancel(): Promise<{ stop(): Promise<void> } | undefined> }): { stop(): Promise<void> } {
  return { stop: async () => (await started.cancel())?.stop() };
}
