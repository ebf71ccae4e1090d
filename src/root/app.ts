import path from 'node:path';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { AnalyticsStore } from '../analytics/analytics-store.ts';
import type { EventStore } from '../event-store/event-store.ts';
import { AuthFailureThrottle } from '../http/auth-failure-throttle.ts';
import type { Logger } from '../observability/logger.ts';
import type { ExposurePublisher } from '../read/exposure-publisher.ts';
import { fileReadModelPersistence, type ReadModelPersistence } from '../read/read-model-persistence.ts';
import type { ReadProjection } from '../read/read-projection.ts';
import type { EventBus } from '../shared/event-bus.ts';
import { OPERATIONS_DEFAULTS, type Config } from './config.ts';
import { ShutdownSequence } from './shutdown.ts';
import { startAdmin, startBootstrap } from './start-admin.ts';
import { startAnalytics } from './start-analytics.ts';
import { startEventStore } from './start-event-store.ts';
import { startFlagUsage } from './start-flag-usage.ts';
import { startHttp } from './start-http.ts';
import { startObservability } from './start-observability.ts';
import { startReadApi, startReadModel } from './start-read-side.ts';

export interface Flagstaff {
  /** Where a client on this machine reaches the server. */
  readonly url: string;
  /** The address the server is bound to, as `host:port`. */
  readonly address: string;
  readonly store: EventStore;
  readonly bus: EventBus;
  readonly analytics: AnalyticsStore;
  readonly exposures: ExposurePublisher;
  readonly projection: ReadProjection;
  /** Where the analytics sink runs: on a thread of its own (adapters another thread can reach: Kafka and ClickHouse) or on the main thread. */
  readonly sinkMode: 'thread' | 'inline';
  /** Resolves once the first-start bootstrap ran; its token is set only on the first start without a configured one. */
  readonly bootstrapped: Promise<{ newAdminToken?: string }>;
  /** Runs the shutdown sequence, logging each part as it stops (`part stopped`, with its name and milliseconds). */
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
  /** Where logs go (tests); otherwise JSON lines on stdout at the configured level. */
  logger?: Logger;
  /** Spans go here (tests) instead of the configured OTLP endpoint; turns tracing on. */
  traceExporter?: SpanExporter;
  /** The clock the scheduler applies scheduled changes by (tests: a process starting after a schedule's time). */
  schedulerClock?: () => Date;
}

/**
 * The composition root: the only place that picks concrete adapters and wires them together. Each part is
 * started by a starter of its own, after the parts it uses, and adds its stop to one shutdown sequence, which
 * stops them in reverse: the server stops accepting and drains, exposures reach the bus, evaluations are counted
 * and written as flag usage, the projection stops, the bus drains into the sink and the sink into the analytics
 * store, then the event store closes and the traces are flushed. Each part is logged as it stops.
 */
export async function startFlagstaff(config: Config, options: StartOptions = {}): Promise<Flagstaff> {
  const ops = { ...OPERATIONS_DEFAULTS, ...config.operations };
  const shutdown = new ShutdownSequence();
  const observability = await startObservability(ops, options);
  shutdown.add('observability', observability.stop);
  const { store, reachable, stop: closeStore } = await startEventStore(config.eventStore, options.store, observability);
  shutdown.add('event-store', closeStore);
  const pipeline = await startAnalytics(config, ops, options, observability);
  shutdown.add('analytics', pipeline.stop);
  const persistence = options.readModelPersistence ?? fileReadModelPersistence(path.join(config.dataDir, 'read-model'));
  const readModel = await startReadModel({ store, persistence, sseHeartbeatMs: options.sseHeartbeatMs }, observability);
  shutdown.add('read-model', readModel.stop);
  const usage = startFlagUsage(store, observability);
  shutdown.add('flag-usage', usage.stop);
  // One throttle for both APIs: a client failing to authenticate on one is slowed on the other too.
  const authFailures = new AuthFailureThrottle(ops.authFailuresPerSecond, ops.trustedProxies);
  const readApi = startReadApi({ readModel, bus: pipeline.bus, authFailures, ops, usage }, observability);
  shutdown.add('exposures', readApi.stop);
  const { app: admin, scheduler } = startAdmin({ config, ops, store, projection: readModel.projection, analytics: pipeline.analytics, authFailures, schedulerClock: options.schedulerClock }, observability);
  shutdown.add('scheduler', scheduler.stop);
  const server = await startHttp({ config, ops, readApi: readApi.handle, admin, endStreams: () => readModel.streams.close() }, observability);
  shutdown.add('http', server.stop);
  shutdown.add('flag-usage-timer', usage.flushEvery(ops.usageFlushMs));
  const { bootstrapped, stop: stopBootstrap } = startBootstrap({ store, reachable, adminTokenConfigured: config.adminToken !== undefined }, observability);
  shutdown.add('bootstrap', stopBootstrap);

  return {
    url: server.url,
    address: server.address,
    store,
    bus: pipeline.bus,
    analytics: pipeline.analytics,
    exposures: readApi.exposures,
    projection: readModel.projection,
    sinkMode: pipeline.sinkMode,
    bootstrapped,
    close: () => shutdown.run((part, ms) => observability.logger.info({ part, ms }, 'part stopped')),
  };
}
