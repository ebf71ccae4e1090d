import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { openAnalyticsStore, openBus, openEventStore } from './adapters.ts';
import type { AnalyticsStore } from './analytics/analytics-store.ts';
import { resultsRoutes } from './analytics/results-routes.ts';
import { startAnalyticsSink } from './analytics/sink/sink.ts';
import type { Config } from './config.ts';
import type { EventStore } from './event-store/event-store.ts';
import { experimentRoutes } from './experiments/experiment-routes.ts';
import { ExperimentModel } from './experiments/experiment-model.ts';
import { createAdminApp } from './http/admin-app.ts';
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
  // Exposures and metric events flow from the bus into the analytics store, idempotently, in every process.
  // Started in the background: with Kafka down, Flagstaff still starts and the sink joins when it can.
  const sinkStarted = startWithRetry(
    () =>
      startAnalyticsSink({
        bus,
        store: analytics,
        groupId: options.sinkGroupId ?? (config.bus.kind === 'kafka' ? `${config.bus.topicPrefix}analytics-sink` : 'flagstaff-analytics-sink'),
        onError: (error) => console.warn(`analytics sink: ${(error as Error).message}; retrying`),
      }),
    (error) => console.warn(`analytics sink: ${(error as Error).message}; retrying`),
  );
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
      await (await sinkStarted.cancel())?.stop();
      if (!options.analytics) await analytics.close();
      await store.close();
    },
  };
}

/** Starts something that depends on a service that may be down, retrying with backoff until it starts or is cancelled. */
function startWithRetry<T extends { stop(): Promise<void> }>(start: () => Promise<T>, onError: (error: unknown) => void): { cancel(): Promise<T | undefined> } {
  let cancelled = false;
  const started = (async (): Promise<T | undefined> => {
    for (let attempt = 0; !cancelled; attempt++) {
      try {
        return await start();
      } catch (error) {
        onError(error);
        await sleep(Math.min(5_000, 250 * 2 ** Math.min(attempt, 5)));
      }
    }
    return undefined;
  })();
  return {
    async cancel() {
      cancelled = true;
      return started;
    },
  };
}
