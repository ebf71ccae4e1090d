import type { AnalyticsStore } from '../analytics/analytics-store.ts';
import { startAnalyticsSink, type SinkBatchMetrics } from '../analytics/sink/sink.ts';
import { readInBackground } from '../observability/background-reading.ts';
import type { EventBus } from '../shared/event-bus.ts';
import { startWithRetry } from '../shared/start-with-retry.ts';
import { busGroupId, openAnalyticsStore, openBus, sinkMayRunOnItsOwnThread } from './adapters.ts';
import type { Config, OperationsConfig } from './config.ts';
import { startSinkThread } from './sink-thread.ts';
import type { Observability } from './start-observability.ts';

export interface AnalyticsPart {
  readonly bus: EventBus;
  readonly analytics: AnalyticsStore;
  /** Where the analytics sink runs: on a thread of its own or on the main thread. */
  readonly sinkMode: 'thread' | 'inline';
  stop(): Promise<void>;
}

/**
 * The bus, the analytics store and the sink between them. Exposures and metric events flow from the bus into the
 * analytics store, idempotently, in every process: on a thread of its own when both adapters declare another
 * thread can reach them (Kafka, ClickHouse), inline otherwise (DuckDB's file and the in-process bus belong to this
 * thread, as do a bus or store handed in). Started in the background: with Kafka down, Flagstaff still starts and
 * the sink joins when it can.
 */
export async function startAnalytics(
  config: Pick<Config, 'bus' | 'analytics'>,
  ops: Pick<OperationsConfig, 'consumerLagIntervalMs'>,
  given: { bus?: EventBus; analytics?: AnalyticsStore; sinkGroupId?: string },
  { logger, metrics, readAtScrape }: Observability,
): Promise<AnalyticsPart> {
  const bus = given.bus ?? (await openBus(config.bus));
  const analytics = given.analytics ?? (await openAnalyticsStore(config.analytics));
  // By default one group per Kafka topic prefix, so two deployments on one broker stay apart.
  const groupId = given.sinkGroupId ?? busGroupId(config.bus, 'analytics-sink');
  // Read in the background, never at scrape time: on Kafka each reading is a round of admin requests.
  const consumerLag = readInBackground(() => bus.consumerLag(groupId, ['exposures', 'metrics']), {
    everyMs: ops.consumerLagIntervalMs,
    onError: (error) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'consumer lag not read; /metrics reports the last reading until it is'),
    onRecovered: () => logger.info('consumer lag read again'),
  });
  readAtScrape({ consumerLag: consumerLag.latest });
  const warnSink = (error: unknown): void => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'analytics sink failed; retrying');
  const recordSinkBatch = (batch: SinkBatchMetrics): void => {
    metrics.recordSinkBatch(batch);
    // The one outcome where events leave the road to the store: said loudly, with the store's reason.
    if (batch.outcome === 'dead-letter') logger.error({ records: batch.size, reason: batch.reason }, 'analytics sink gave up on a batch the store kept refusing; it is on the dead-letter topic');
  };
  const sinkMode = !given.bus && !given.analytics && sinkMayRunOnItsOwnThread(config.bus, config.analytics) ? 'thread' : 'inline';
  const sink: { stop(): Promise<void> } =
    sinkMode === 'thread'
      ? startSinkThread({ bus: config.bus, analytics: config.analytics, groupId }, warnSink, recordSinkBatch)
      : inlineSink(startWithRetry(() => startAnalyticsSink({ bus, store: analytics, groupId, onError: warnSink, onMetrics: recordSinkBatch }), warnSink));
  return {
    bus,
    analytics,
    sinkMode,
    async stop() {
      consumerLag.stop();
      // Order matters for "nothing acknowledged is lost": the bus drains into the sink, the sink into the store.
      // What was handed in belongs to whoever opened it.
      if (!given.bus) await bus.close();
      await sink.stop();
      if (!given.analytics) await analytics.close();
    },
  };
}

function inlineSink(started: { cancel(): Promise<{ stop(): Promise<void> } | undefined> }): { stop(): Promise<void> } {
  return { stop: async () => (await started.cancel())?.stop() };
}
