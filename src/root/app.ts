import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { openAnalyticsStore, openBus, openEventStore } from './adapters.ts';
import type { AnalyticsStore } from '../analytics/analytics-store.ts';
import { resultsRoutes } from '../analytics/results-routes.ts';
import { startAnalyticsSink, type SinkBatchMetrics } from '../analytics/sink/sink.ts';
import { startSinkThread } from './sink-thread.ts';
import { startWithRetry } from '../shared/start-with-retry.ts';
import type { Config } from './config.ts';
import type { EventStore } from '../event-store/event-store.ts';
import { experimentRoutes } from '../experiments/experiment-routes.ts';
import { ExperimentModel } from '../experiments/experiment-model.ts';
import { createAdminApp } from '../http/admin-app.ts';
import { openApiRoutes } from '../http/openapi/openapi-routes.ts';
import { statsRoutes } from '../analytics/stats/stats-routes.ts';
import { API } from './api.ts';
import { accessRoutes } from '../write/access/access-routes.ts';
import { auditRoutes } from '../write/audit/audit-routes.ts';
import { environmentRollbackRoutes } from '../write/environments/environment-rollback-routes.ts';
import { environmentRoutes } from '../write/environments/environment-routes.ts';
import { flagRoutes } from '../write/flags/flag-routes.ts';
import { segmentRoutes } from '../write/segments/segment-routes.ts';
import { webAppRoutes } from '../http/web-app.ts';
import { ExposurePublisher } from '../read/exposure-publisher.ts';
import type { EventBus } from '../shared/event-bus.ts';
import { createReadApi } from '../read/read-api.ts';
import { readAdminRoutes } from '../read/read-admin-routes.ts';
import { timeTravelRoutes } from '../read/time-travel/time-travel-routes.ts';
import { fileReadModelPersistence, type ReadModelPersistence } from '../read/read-model-persistence.ts';
import { startReadProjection, type ReadProjection } from '../read/read-projection.ts';
import { SdkKeys } from '../read/sdk-keys.ts';
import { StreamHub } from '../read/stream-hub.ts';
import { sleep } from '../shared/sleep.ts';
import { sha256 } from '../shared/tokens.ts';
import { OPERATIONS_DEFAULTS } from './config.ts';
import { rateLimitAdmin } from '../http/admin-auth.ts';
import { answerClientError } from '../http/client-errors.ts';
import { RateLimiter } from '../http/rate-limiter.ts';
import { AuthFailureThrottle } from '../http/auth-failure-throttle.ts';
import { EvaluationTally } from '../observability/evaluation-tally.ts';
import { readRouteOf, RequestObserver } from '../observability/http-observer.ts';
import { instrumentedEventStore } from '../observability/instrumented-event-store.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import { Metrics } from '../observability/metrics.ts';
import { metricsRoutes } from '../observability/metrics-routes.ts';
import { startTracing } from '../observability/tracing.ts';
import { FlagUsageRecorder } from '../write/flags/flag-usage.ts';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { bootstrap } from '../write/bootstrap.ts';
import { WriteModel } from '../write/write-model.ts';
import { flagReservations } from '../write/flags/flag-reservations.ts';

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
  /** Where logs go (tests); otherwise JSON lines on stdout at the configured level. */
  logger?: Logger;
  /** Spans go here (tests) instead of the configured OTLP endpoint; turns tracing on. */
  traceExporter?: SpanExporter;
}

/** The composition root: the only place that picks concrete adapters and wires them together. */
export async function startFlagstaff(config: Config, options: StartOptions = {}): Promise<Flagstaff> {
  const ops = { ...OPERATIONS_DEFAULTS, ...config.operations };
  const logger = options.logger ?? createLogger(ops.logLevel);
  const tracing = await startTracing({ mode: ops.tracing, ...(options.traceExporter ? { exporter: options.traceExporter } : {}) });
  const tally = new EvaluationTally();
  // Every evaluation is counted in `tally` on the hot path; draining it feeds both the metric and flag usage.
  const drainEvaluations = (): void => {
    const counts = tally.drain();
    metrics.countEvaluations(counts);
    usage.absorb(counts);
  };
  const started: { projection?: ReadProjection } = {};
  let streamsOpen = (): number => 0;
  const lagOf: { bus?: EventBus } = {};
  const metrics: Metrics = new Metrics({
    beforeScrape: drainEvaluations,
    projectionLag: async () => {
      const projection = started.projection;
      if (!projection) return undefined;
      const head = await store.headPosition().catch(() => undefined);
      return head === undefined ? undefined : Math.max(0, head - projection.status().position);
    },
    sseConnections: () => streamsOpen(),
    consumerLag: async () => lagOf.bus?.consumerLag(groupId, ['exposures', 'metrics']),
  });
  const opened = options.store ?? (await openEventStore(config.eventStore, (error) => logger.warn({ err: error.message }, 'event store not reachable; retrying')));
  /** Settles once a store opened in the background (PostgreSQL, KurrentDB) is reachable; that store logs its own retries. */
  const reachable: Promise<unknown> = 'ready' in opened ? (opened as { ready: Promise<unknown> }).ready : Promise.resolve();
  const store = instrumentedEventStore(opened, metrics, tracing.tracer);
  const usage = new FlagUsageRecorder(store);
  const writeModel = new WriteModel(store);

  // The stream hub publishes what the projection applies, and reads the projection's model: tie the knot.
  const streams = new StreamHub(() => started.projection?.model, options.sseHeartbeatMs);
  streamsOpen = () => streams.size;
  const projection = await startReadProjection({
    store,
    persistence: options.readModelPersistence ?? fileReadModelPersistence(path.join(config.dataDir, 'read-model')),
    onChange: (changes) => streams.publish(changes),
  });
  started.projection = projection;
  const bus = options.bus ?? (await openBus(config.bus));
  lagOf.bus = bus;
  const analytics = options.analytics ?? (await openAnalyticsStore(config.analytics));
  // Exposures and metric events flow from the bus into the analytics store, idempotently, in every process:
  // on a thread of its own when both are servers (Kafka, ClickHouse), inline otherwise (DuckDB's file and the
  // in-process bus belong to this thread). Started in the background: with Kafka down, Flagstaff still starts
  // and the sink joins when it can.
  const groupId = options.sinkGroupId ?? (config.bus.kind === 'kafka' ? `${config.bus.topicPrefix}analytics-sink` : 'flagstaff-analytics-sink');
  const warnSink = (error: unknown): void => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'analytics sink failed; retrying');
  const recordSinkBatch = (batch: SinkBatchMetrics): void => {
    metrics.recordSinkBatch(batch);
    // The one outcome where events leave the road to the store: said loudly, with the store's reason.
    if (batch.outcome === 'dead-letter') logger.error({ records: batch.size, reason: batch.reason }, 'analytics sink gave up on a batch the store kept refusing; it is on the dead-letter topic');
  };
  const sinkMode = !options.bus && !options.analytics && config.bus.kind === 'kafka' && config.analytics.kind === 'clickhouse' ? 'thread' : 'inline';
  const sink: { stop(): Promise<void> } =
    sinkMode === 'thread'
      ? startSinkThread({ bus: config.bus, analytics: config.analytics, groupId }, warnSink, recordSinkBatch)
      : inlineSink(startWithRetry(() => startAnalyticsSink({ bus, store: analytics, groupId, onError: warnSink, onMetrics: recordSinkBatch }), warnSink));
  const exposures = new ExposurePublisher(bus, { onError: (error) => logger.warn({ err: (error as Error).message }, 'exposures not published; retrying') });
  const eventsLimiter = new RateLimiter({ perSecond: ops.eventsPerSecond, burst: 2 * ops.eventsPerSecond });
  const adminLimiter = new RateLimiter({ perSecond: ops.adminRequestsPerSecond, burst: 5 * ops.adminRequestsPerSecond });
  const authFailures = new AuthFailureThrottle(ops.authFailuresPerSecond, ops.trustedProxies);
  const evaluationDurations = {
    flag: metrics.evaluationDuration.labels({ route: 'flag' }),
    batch: metrics.evaluationDuration.labels({ route: 'batch' }),
    ofrep: metrics.evaluationDuration.labels({ route: 'ofrep' }),
  };
  const readApi = createReadApi({
    log: logger,
    model: () => projection.model,
    keys: new SdkKeys(() => projection.model),
    authFailures,
    streams,
    bodyLimit: 1024 * 1024,
    bus,
    exposures,
    eventsMaxFutureSkewMs: ops.eventsMaxFutureSkewMs,
    observe: {
      evaluated: (environment, result) => tally.record(environment, result),
      // A child per route, looked up once: observing through labels hashes them on every request.
      evaluationSeconds: (route, seconds) => evaluationDurations[route].observe(seconds),
      ingested: (outcome, count) => metrics.ingested.inc({ outcome }, count),
      admitEvents: (keyId, count) => eventsLimiter.take(keyId, count, 'events'),
      maxStreamsPerKey: ops.maxStreamsPerKey,
    },
  });
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

  const writeDeps = { store, model: writeModel };
  const admin = createAdminApp({
    tokens: writeModel,
    bootstrapTokenHash: config.adminToken === undefined ? undefined : sha256(config.adminToken),
    bodyLimit: config.bodyLimit,
    health,
    publicRouters: [metricsRoutes(metrics), openApiRoutes(API)],
    log: logger,
    authFailures,
    afterAuthentication: [rateLimitAdmin((key) => adminLimiter.take(key))],
    operations: [
      ...flagRoutes(writeDeps),
      ...segmentRoutes(writeDeps),
      ...environmentRoutes(writeDeps),
      ...environmentRollbackRoutes(writeDeps),
      ...accessRoutes(writeDeps),
      ...auditRoutes(writeDeps),
      ...statsRoutes(),
      ...readAdminRoutes({ store, projection }),
      ...resultsRoutes({ experiments: experimentModel, analytics }),
      ...experimentRoutes({ store, model: experimentModel, reservations: flagReservations(writeDeps) }),
      ...timeTravelRoutes({ store }),
    ],
    // After every API route: the admin web app and its client routes.
    routers: [webAppRoutes()],
  });
  const observer = new RequestObserver({ metrics, logger, tracer: tracing.tracer, tracing: tracing.enabled, timeoutMs: ops.requestTimeoutMs });
  // Slow clients may not hold a request open forever (slowloris): headers and body must arrive within the request
  // timeout (responses have their own, above). Node only checks every connectionsCheckingInterval (30 s by default,
  // which cut slow headers after up to 60 s): check a tenth as often as the timeout, at most once a second.
  const server = http.createServer({
    requestTimeout: ops.requestTimeoutMs,
    headersTimeout: ops.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1_000, Math.max(10, Math.floor(ops.requestTimeoutMs / 10))),
  }, (req, res) => {
    const url = req.url ?? '/';
    const read = url.startsWith('/api/') || url.startsWith('/ofrep/');
    const observed = read
      ? { api: 'read' as const, route: () => readRouteOf(url.split('?')[0] ?? url), stream: url.split('?')[0] === '/api/v1/stream' }
      : {
          api: 'admin' as const,
          // Set by express once it has routed the request.
          route: () => (req as { route?: { path?: string } }).route?.path ?? 'unmatched',
          actor: () => ((res as { locals?: { principal?: { actor?: string } } }).locals?.principal?.actor),
        };
    observer.observe(req, res, observed, () => {
      if (!readApi(req, res)) admin(req, res);
    });
  });
  server.on('clientError', answerClientError);
  const usageTimer = setInterval(() => {
    drainEvaluations();
    usage.flush().catch((error: unknown) => logger.warn({ err: (error as Error).message }, 'flag usage not saved; kept for the next flush'));
  }, ops.usageFlushMs);
  usageTimer.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });

  let closed = false;
  // First start: default environments and an admin token. Waits for the store if it is not reachable yet.
  const bootstrapped = (async () => {
    await reachable.catch(() => {});
    for (;;) {
      try {
        return await bootstrap(store, { adminTokenConfigured: config.adminToken !== undefined });
      } catch (error) {
        if (closed) return {};
        logger.warn({ err: (error as Error).message }, 'bootstrap: event store not reachable yet; retrying');
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
      clearInterval(usageTimer);
      observer.stop();
      // Stop accepting, end the streams (clients reconnect elsewhere), let in-flight requests finish: a command
      // or a batch of events being acknowledged is completed, not cut. Past the timeout, what is left is closed.
      streams.close();
      await new Promise<void>((resolve) => {
        const drained = setInterval(() => server.closeIdleConnections(), 50);
        const deadline = setTimeout(() => {
          logger.warn({ timeoutMs: ops.shutdownTimeoutMs }, 'shutdown: requests still running after the timeout; closing their connections');
          server.closeAllConnections();
        }, ops.shutdownTimeoutMs);
        server.close(() => {
          clearInterval(drained);
          clearTimeout(deadline);
          resolve();
        });
        server.closeIdleConnections();
      });
      // Order matters for "nothing acknowledged is lost": exposures reach the bus, the bus drains into the sink.
      await exposures.close();
      drainEvaluations();
      await usage.flush().catch((error: unknown) => logger.warn({ err: (error as Error).message }, 'flag usage not saved at shutdown'));
      await projection.stop();
      if (!options.bus) await bus.close();
      await sink.stop();
      if (!options.analytics) await analytics.close();
      await store.close();
      await tracing.shutdown();
    },
  };
}

function inlineSink(started: { cancel(): Promise<{ stop(): Promise<void> } | undefined> }): { stop(): Promise<void> } {
  return { stop: async () => (await started.cancel())?.stop() };
}
