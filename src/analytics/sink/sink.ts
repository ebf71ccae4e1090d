import type { AnalyticsStore, ExposureRow, MetricEventRow } from '../analytics-store.ts';
import type { BusMessage, ConsumedMessage, EventBus } from '../../shared/event-bus.ts';
import { deadLetterOf } from '../bus/dead-letters.ts';
import { recordOutcome } from './record-outcome.ts';

export interface SinkBatchMetrics {
  /**
   * `ok`: written and acknowledged, the offsets will be committed; `retry`: failed, the batch comes again;
   * `dead-letter`: the store kept refusing the batch, so the bus sent all of it to the dead letters (`reason`).
   */
  readonly outcome: 'ok' | 'retry' | 'dead-letter';
  readonly size: number;
  readonly exposures: number;
  readonly metricEvents: number;
  readonly deadLetters: number;
  readonly durationMs: number;
  readonly reason?: string;
}

export interface AnalyticsSinkOptions {
  readonly bus: EventBus;
  readonly store: AnalyticsStore;
  /** Default `flagstaff-analytics-sink`; sinks sharing it share the work (Kafka spreads the partitions). */
  readonly groupId?: string;
  /** Called after every batch attempt, and when the bus gave up on a batch and dead-lettered it. */
  readonly onMetrics?: (metrics: SinkBatchMetrics) => void;
  /** A failed batch attempt (it will be retried, or dead-lettered after too many refusals) or a bus-level failure. */
  readonly onError?: (error: unknown) => void;
}

export interface AnalyticsSink {
  /** Stops after the batch in hand (committed only if it completed). */
  stop(): Promise<void>;
}

/**
 * The analytics sink: exposures and metric events from the bus into the analytics
 * store, at least once, into a store that is idempotent by event id, so that every event counts exactly once.
 *
 * Per batch: each record is parsed and validated on its own; a bad one becomes a dead letter (its original
 * value, the reason, and where it came from) and never holds up the others. The valid rows are written, the dead
 * letters published, and only then does the handler resolve, which is what lets the bus commit the offsets.
 * If the store or the bus fails, the handler throws: nothing is committed and the bus offers the same batch
 * again after its bounded backoff. Re-writing rows that made it the first time is harmless. A store that is
 * down is waited for without bound; a store that keeps refusing the batch (not down, just saying no) gets it
 * the bus's `maxAttempts` times, then the whole batch goes to the dead letters with the reason, reported as a
 * `dead-letter` outcome, and the partition moves on (batch-runner.ts).
 */
export async function startAnalyticsSink(options: AnalyticsSinkOptions): Promise<AnalyticsSink> {
  const { bus, store, onMetrics } = options;

  const onBatch = async (messages: readonly ConsumedMessage[]): Promise<void> => {
    const started = performance.now();
    const exposures: ExposureRow[] = [];
    const metricEvents: MetricEventRow[] = [];
    const deadLetters: BusMessage[] = [];
    for (const message of messages) {
      const result = recordOutcome(message.value);
      if (result.outcome === 'dlq') deadLetters.push(deadLetterOf(message, result.reason));
      else if (result.kind === 'exposure') exposures.push(result.row);
      else metricEvents.push(result.row);
    }
    const report = (outcome: SinkBatchMetrics['outcome']): void =>
      onMetrics?.({
        outcome,
        size: messages.length,
        exposures: exposures.length,
        metricEvents: metricEvents.length,
        deadLetters: deadLetters.length,
        durationMs: performance.now() - started,
      });

    // Every write is awaited, even when another failed, so no write of this attempt is still running when the
    // batch is offered again.
    const results = await Promise.allSettled([
      exposures.length > 0 ? store.insertExposures(exposures) : undefined,
      metricEvents.length > 0 ? store.insertMetricEvents(metricEvents) : undefined,
      deadLetters.length > 0 ? bus.publish('dead-letters', deadLetters) : undefined,
    ]);
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) {
      report('retry');
      throw failure.reason;
    }
    report('ok');
  };

  const subscription = await bus.subscribe({
    groupId: options.groupId ?? 'flagstaff-analytics-sink',
    topics: ['exposures', 'metrics'],
    onBatch,
    ...(options.onError ? { onError: options.onError } : {}),
    onDeadLetter: (messages, reason) =>
      onMetrics?.({ outcome: 'dead-letter', size: messages.length, exposures: 0, metricEvents: 0, deadLetters: messages.length, durationMs: 0, reason }),
  });
  return { stop: () => subscription.stop() };
}

export { recordOutcome, type RecordOutcome } from './record-outcome.ts';
export { DEAD_LETTER_HEADERS, deadLetterOf } from '../bus/dead-letters.ts';
