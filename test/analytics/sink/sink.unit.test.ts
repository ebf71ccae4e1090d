import { describe, expect, it } from 'vitest';
import { createInMemoryBus } from '../../../src/analytics/bus/in-memory-bus.ts';
import { DEAD_LETTER_HEADERS, startAnalyticsSink, type SinkBatchMetrics } from '../../../src/analytics/sink/sink.ts';
import type { BusMessage, ConsumedMessage, EventBus } from '../../../src/shared/event-bus.ts';
import { createInMemoryAnalyticsStore } from './in-memory-analytics-store.ts';
import { exposure, metric } from './tracked-event-fixtures.ts';

const asMessage = (event: Record<string, unknown>): BusMessage => ({ key: String(event.unitId), value: JSON.stringify(event) });
const exposures = (count: number, from = 0): BusMessage[] => Array.from({ length: count }, (_, i) => asMessage(exposure(`e-${from + i}`)));
const metrics = (count: number, from = 0): BusMessage[] => Array.from({ length: count }, (_, i) => asMessage(metric(`m-${from + i}`, { value: i })));

async function readDeadLetters(bus: EventBus): Promise<ConsumedMessage[]> {
  const letters: ConsumedMessage[] = [];
  await bus.subscribe({ groupId: 'dead-letter-reader', topics: ['dead-letters'], onBatch: async (batch) => void letters.push(...batch) });
  return letters;
}

describe('analytics sink on the in-memory bus', () => {
  it('stores the valid events, dead-letters the malformed ones with the reason and where they came from, and goes on', async () => {
    // Batches of 3, so bad records share batches with good ones.
    const bus = createInMemoryBus({ maxBatchSize: 3 });
    const store = createInMemoryAnalyticsStore();
    const deadLetters = await readDeadLetters(bus);
    const batches: SinkBatchMetrics[] = [];
    await startAnalyticsSink({ bus, store, onMetrics: (m) => batches.push(m) });

    const notJson = { key: 'user-x', value: '{"type":"exposure",', headers: { 'content-type': 'application/json' } };
    const invalid = asMessage(exposure('e-bad', { timestamp: 'yesterday' }));
    await bus.publish('exposures', [...exposures(2), notJson, ...exposures(2, 2), invalid, ...exposures(2, 4)]);
    const wrongType = { key: 'user-y', value: JSON.stringify({ type: 'click', eventId: 'c-1' }) };
    await bus.publish('metrics', [wrongType, ...metrics(3)]);
    await bus.close();

    expect(await store.eventCounts()).toEqual({ exposures: 6, metricEvents: 3 });
    expect([...store.exposures.keys()].sort()).toEqual(['e-0', 'e-1', 'e-2', 'e-3', 'e-4', 'e-5']);
    // Round robin between the topics interleaves them: compare in source order.
    const source = (letter: ConsumedMessage): string =>
      `${letter.headers?.[DEAD_LETTER_HEADERS.topic]}/${letter.headers?.[DEAD_LETTER_HEADERS.offset]?.padStart(6, '0')}`;
    deadLetters.sort((a, b) => source(a).localeCompare(source(b)));
    expect(
      deadLetters.map((letter) => ({
        key: letter.key,
        value: letter.value,
        source: [letter.headers?.[DEAD_LETTER_HEADERS.topic], letter.headers?.[DEAD_LETTER_HEADERS.partition], letter.headers?.[DEAD_LETTER_HEADERS.offset]],
        contentType: letter.headers?.['content-type'],
      })),
    ).toEqual([
      { key: 'user-x', value: notJson.value, source: ['exposures', '0', '2'], contentType: 'application/json' },
      { key: 'user-e-bad', value: invalid.value, source: ['exposures', '0', '5'], contentType: undefined },
      { key: 'user-y', value: wrongType.value, source: ['metrics', '0', '0'], contentType: undefined },
    ]);
    expect(deadLetters.map((letter) => letter.headers?.[DEAD_LETTER_HEADERS.reason])).toEqual([
      expect.stringMatching(/^invalid JSON: /),
      expect.stringMatching(/^invalid event: #\/timestamp Invalid ISO datetime/),
      expect.stringMatching(/^invalid event: #\/type /),
    ]);
    // Metrics per batch: sizes add up, and every batch with a bad record reports it.
    expect(batches.every((b) => b.outcome === 'ok' && b.durationMs >= 0)).toBe(true);
    expect(batches.reduce((sum, b) => sum + b.size, 0)).toBe(12);
    expect(batches.reduce((sum, b) => sum + b.deadLetters, 0)).toBe(3);
    expect(batches.reduce((sum, b) => sum + b.exposures + b.metricEvents, 0)).toBe(9);
  });

  it('retries through a store that fails twice, once half-way through a write, and counts every event once', async () => {
    const bus = createInMemoryBus({ maxBatchSize: 100, redelivery: { initialMs: 5, maxMs: 20 } });
    const inner = createInMemoryAnalyticsStore();
    let calls = 0;
    const store = {
      ...inner,
      insertExposures: async (rows: Parameters<typeof inner.insertExposures>[0]) => {
        calls++;
        if (calls === 1) {
          await inner.insertExposures(rows.slice(0, rows.length / 2));
          throw new Error('connection reset by the store');
        }
        if (calls === 2) throw new Error('the store is down');
        await inner.insertExposures(rows);
      },
    };
    const errors: string[] = [];
    const outcomes: string[] = [];
    await startAnalyticsSink({ bus, store, onError: (e) => errors.push((e as Error).message), onMetrics: (m) => outcomes.push(m.outcome) });
    await bus.publish('exposures', exposures(50));
    await bus.publish('metrics', metrics(50));
    await bus.close();

    expect(await inner.eventCounts()).toEqual({ exposures: 50, metricEvents: 50 });
    expect(inner.duplicates()).toBe(25); // the half written before the first failure came again
    expect(errors).toEqual(['connection reset by the store', 'the store is down']);
    expect(outcomes.filter((o) => o === 'retry')).toHaveLength(2);
  });

  it('counts an event published twice once, whether the copies share a batch or not', async () => {
    const bus = createInMemoryBus({ maxBatchSize: 10 });
    const store = createInMemoryAnalyticsStore();
    await startAnalyticsSink({ bus, store });
    await bus.publish('exposures', [...exposures(5), ...exposures(5)]);
    await bus.publish('exposures', exposures(5));
    await bus.publish('metrics', [...metrics(3), ...metrics(3)]);
    await bus.close();

    expect(await store.eventCounts()).toEqual({ exposures: 5, metricEvents: 3 });
    expect(store.duplicates()).toBe(13);
  });

  it('hands a batch abandoned mid-write (a crash) to the next sink of the group, and counts every event once', async () => {
    const bus = createInMemoryBus({ maxBatchSize: 40, stopTimeoutMs: 50 });
    const store = createInMemoryAnalyticsStore();
    let hung = false;
    const crashing = {
      ...store,
      insertExposures: async (rows: Parameters<typeof store.insertExposures>[0]) => {
        await store.insertExposures(rows.slice(0, 10));
        hung = true;
        await new Promise(() => {}); // the process "dies" here
      },
    };
    await bus.publish('exposures', exposures(100));
    const first = await startAnalyticsSink({ bus, store: crashing, groupId: 'sink' });
    while (!hung) await new Promise((resolve) => setTimeout(resolve, 1));
    await first.stop();
    expect((await store.eventCounts()).exposures).toBe(10);

    await startAnalyticsSink({ bus, store, groupId: 'sink' });
    await bus.close();
    expect(await store.eventCounts()).toEqual({ exposures: 100, metricEvents: 0 });
    expect(store.duplicates()).toBe(10);
  });
});
