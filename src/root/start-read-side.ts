import type { EventStore } from '../event-store/event-store.ts';
import type { AuthFailureThrottle } from '../http/auth-failure-throttle.ts';
import { RateLimiter } from '../http/rate-limiter.ts';
import { ExposurePublisher } from '../read/exposure-publisher.ts';
import { createReadApi } from '../read/read-api.ts';
import type { ReadModelPersistence } from '../read/read-model-persistence.ts';
import { startReadProjection, type ReadProjection } from '../read/read-projection.ts';
import { SdkKeys } from '../read/sdk-keys.ts';
import { StreamHub } from '../read/stream-hub.ts';
import type { EventBus } from '../shared/event-bus.ts';
import type { OperationsConfig } from './config.ts';
import type { FlagUsagePart } from './start-flag-usage.ts';
import type { Observability } from './start-observability.ts';

export interface ReadModelPart {
  readonly projection: ReadProjection;
  /** The SSE streams; the server ends them when it stops accepting (they would hold its drain open). */
  readonly streams: StreamHub;
  stop(): Promise<void>;
}

/** The read model, kept up to date from the log, and the streams that publish its changes to the SDKs. */
export async function startReadModel(
  deps: { store: EventStore; persistence: ReadModelPersistence; sseHeartbeatMs: number | undefined },
  { readAtScrape }: Observability,
): Promise<ReadModelPart> {
  const { store } = deps;
  // The hub publishes what the projection applies and reads the projection's model: tie the knot. Until the
  // projection has started the hub sees no model, so nothing is published before (see StreamHub).
  // eslint-disable-next-line prefer-const -- read by the hub before it is assigned, by design
  let started: ReadProjection | undefined;
  const streams = new StreamHub(() => started?.model, deps.sseHeartbeatMs);
  const projection = await startReadProjection({ store, persistence: deps.persistence, onChange: (changes) => streams.publish(changes) });
  started = projection;
  readAtScrape({
    projectionLag: async () => {
      const head = await store.headPosition().catch(() => undefined);
      return head === undefined ? undefined : Math.max(0, head - projection.status().position);
    },
    sseConnections: () => streams.size,
  });
  return { projection, streams, stop: () => projection.stop() };
}

export interface ReadApiPart {
  readonly exposures: ExposurePublisher;
  /** Answers the request when it is the read API's (`/api/`, `/ofrep/`); false otherwise. */
  readonly handle: ReturnType<typeof createReadApi>;
  stop(): Promise<void>;
}

/** The read API (evaluations, streams, events in) and the publisher that carries exposures to the bus. */
export function startReadApi(
  deps: { readModel: ReadModelPart; bus: EventBus; authFailures: AuthFailureThrottle; ops: OperationsConfig; usage: Pick<FlagUsagePart, 'recordSdkUsage'> },
  { logger, metrics, tally }: Observability,
): ReadApiPart {
  const { readModel: { projection, streams }, bus, ops } = deps;
  const exposures = new ExposurePublisher(bus, { onError: (error) => logger.warn({ err: (error as Error).message }, 'exposures not published; retrying') });
  const eventsLimiter = new RateLimiter({ perSecond: ops.eventsPerSecond, burst: 2 * ops.eventsPerSecond });
  const evaluationDurations = {
    flag: metrics.evaluationDuration.labels({ route: 'flag' }),
    batch: metrics.evaluationDuration.labels({ route: 'batch' }),
    ofrep: metrics.evaluationDuration.labels({ route: 'ofrep' }),
  };
  const handle = createReadApi({
    log: logger,
    model: () => projection.model,
    keys: new SdkKeys(() => projection.model),
    authFailures: deps.authFailures,
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
      usageReported: (environment, flags) => deps.usage.recordSdkUsage(environment, flags),
      admitEvents: (keyId, count) => eventsLimiter.take(keyId, count, 'events'),
      maxStreamsPerKey: ops.maxStreamsPerKey,
    },
  });
  // Once the server has drained: what was acknowledged reaches the bus before the bus closes.
  return { exposures, handle, stop: () => exposures.close() };
}
