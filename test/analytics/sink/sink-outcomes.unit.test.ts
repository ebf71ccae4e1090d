import { describe, expect, it } from 'vitest';
import { createInMemoryBus } from '../../../src/analytics/bus/in-memory-bus.ts';
import { DEAD_LETTER_HEADERS, startAnalyticsSink, type SinkBatchMetrics } from '../../../src/analytics/sink/sink.ts';
import { AnalyticsStoreUnavailableError } from '../../../src/analytics/store/errors.ts';
import { Metrics } from '../../../src/observability/metrics.ts';
import type { BusMessage, ConsumedMessage } from '../../../src/shared/event-bus.ts';
import { createInMemoryAnalyticsStore } from './in-memory-analytics-store.ts';
import { exposure } from './tracked-event-fixtures.ts';

// The sink's side of the bus outcomes (batch-runner.ts): a store that keeps refusing one batch costs that batch
// (dead-lettered, reported), not the partition; a store that is down costs time, never events.

const asMessage = (event: Record<string, unknown>): BusMessage => ({ key: String(event.unitId), value: JSON.stringify(event) });
const exposures = (ids: readonly string[]): BusMessage[] => ids.map((id) => asMessage(exposure(id)));

describe('analytics sink outcomes', () => {
  it('dead-letters a batch the store keeps refusing after maxAttempts, reports it, and stores the batches after it', async () => {
    const bus = createInMemoryBus({ maxBatchSize: 2, redelivery: { initialMs: 1, maxMs: 2, maxAttempts: 4 } });
    const letters: ConsumedMessage[] = [];
    await bus.subscribe({ groupId: 'dead-letter-reader', topics: ['dead-letters'], onBatch: async (b) => void letters.push(...b) });
    const inner = createInMemoryAnalyticsStore();
    // The store says no (a rejection, not an outage) to any write holding e-2: ClickHouse refusing a row it cannot parse.
    const store = {
      ...inner,
      insertExposures: async (rows: Parameters<typeof inner.insertExposures>[0]) => {
        if (rows.some((row) => row.eventId === 'e-2')) throw new Error('Code: 27. Cannot parse input');
        await inner.insertExposures(rows);
      },
    };
    const batches: SinkBatchMetrics[] = [];
    await startAnalyticsSink({ bus, store, onMetrics: (m) => batches.push(m) });
    await bus.publish('exposures', exposures(['e-0', 'e-1', 'e-2', 'e-3', 'e-4', 'e-5']));
    await bus.close();

    expect([...inner.exposures.keys()].sort()).toEqual(['e-0', 'e-1', 'e-4', 'e-5']);
    const reason = 'handler failed 4 times: Error: Code: 27. Cannot parse input';
    expect(letters.map((l) => [JSON.parse(l.value).eventId, l.headers?.[DEAD_LETTER_HEADERS.reason], l.headers?.[DEAD_LETTER_HEADERS.offset]])).toEqual([
      ['e-2', reason, '2'],
      ['e-3', reason, '3'],
    ]);
    expect(batches.map((b) => b.outcome)).toEqual(['ok', 'retry', 'retry', 'retry', 'retry', 'dead-letter', 'ok']);
    expect(batches[5]).toEqual({ outcome: 'dead-letter', size: 2, exposures: 0, metricEvents: 0, deadLetters: 2, durationMs: 0, reason });
  });

  it('retries a batch without bound while the store is unavailable, and dead-letters nothing', async () => {
    const bus = createInMemoryBus({ redelivery: { initialMs: 1, maxMs: 2, maxAttempts: 2 } });
    const letters: ConsumedMessage[] = [];
    await bus.subscribe({ groupId: 'dead-letter-reader', topics: ['dead-letters'], onBatch: async (b) => void letters.push(...b) });
    const inner = createInMemoryAnalyticsStore();
    let down = 10;
    const store = {
      ...inner,
      insertExposures: async (rows: Parameters<typeof inner.insertExposures>[0]) => {
        if (down-- > 0) throw new AnalyticsStoreUnavailableError('The analytics store (ClickHouse) is unavailable: connect ECONNREFUSED');
        await inner.insertExposures(rows);
      },
    };
    const outcomes: string[] = [];
    await startAnalyticsSink({ bus, store, onMetrics: (m) => outcomes.push(m.outcome) });
    await bus.publish('exposures', exposures(['e-0', 'e-1']));
    await bus.close();

    expect([...inner.exposures.keys()].sort()).toEqual(['e-0', 'e-1']);
    expect(outcomes).toEqual([...Array.from({ length: 10 }, () => 'retry'), 'ok']);
    expect(letters).toEqual([]);
  });
});

describe('sink batch metrics', () => {
  const metrics = (): Metrics => new Metrics({ beforeScrape: () => {}, projectionLag: async () => 0, sseConnections: () => 0, maxFlagSeries: 10 });
  const batch = (outcome: SinkBatchMetrics['outcome'], deadLetters: number): SinkBatchMetrics => ({ outcome, size: 5, exposures: 2, metricEvents: 1, deadLetters, durationMs: 250 });

  it('counts a dead-lettered batch under its own outcome, and its records as dead letters', async () => {
    const m = metrics();
    m.recordSinkBatch(batch('ok', 2));
    m.recordSinkBatch(batch('retry', 0));
    m.recordSinkBatch({ ...batch('dead-letter', 5), exposures: 0, metricEvents: 0, durationMs: 0 });
    const records = (await m.sinkRecords.get()).values.map((v) => [v.labels.kind, v.value]);
    expect(records.sort()).toEqual([
      ['dead-letter', 7],
      ['exposure', 2],
      ['metric', 1],
    ]);
    const sizes = (await m.sinkBatchSize.get()).values.filter((v) => v.metricName === 'flagstaff_pipeline_batch_size_count').map((v) => [v.labels.outcome, v.value]);
    expect(sizes.sort()).toEqual([
      ['dead-letter', 1],
      ['ok', 1],
      ['retry', 1],
    ]);
    // A dead-lettering is no attempt: it has no duration to observe.
    const durations = (await m.sinkBatchDuration.get()).values.filter((v) => v.metricName === 'flagstaff_pipeline_batch_duration_seconds_count').map((v) => [v.labels.outcome, v.value]);
    expect(durations.sort()).toEqual([
      ['ok', 1],
      ['retry', 1],
    ]);
  });
});
