import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../../src/analytics/analytics-store.ts';
import { DEAD_LETTER_HEADERS, startAnalyticsSink, type AnalyticsSink } from '../../../src/analytics/sink/sink.ts';
import type { BusMessage, ConsumedMessage } from '../../../src/shared/event-bus.ts';
import { eventually } from '../../support/eventually.ts';
import { openKafkaHarness } from '../bus/kafka-harness.ts';
import { createInMemoryAnalyticsStore, type InMemoryAnalyticsStore } from './in-memory-analytics-store.ts';
import { exposure, metric } from './tracked-event-fixtures.ts';

// The sink on the real Kafka with the fake (idempotent) store: kill the consumer mid-stream,
// and after recovery every event is counted exactly once. The broker outage is in sink-broker-restart.fault.e2e.test.ts.

const asMessage = (event: Record<string, unknown>): BusMessage => ({ key: String(event.unitId), value: JSON.stringify(event) });
const exposures = (count: number, from = 0): BusMessage[] => Array.from({ length: count }, (_, i) => asMessage(exposure(`e-${from + i}`)));
const metrics = (count: number, from = 0): BusMessage[] => Array.from({ length: count }, (_, i) => asMessage(metric(`m-${from + i}`)));
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The store, but its first exposure write stores `partial` rows and then waits for `release` (if ever). */
function stallingStore(inner: InMemoryAnalyticsStore, partial: (rows: number) => number) {
  let stalled = false;
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const store: AnalyticsStore = {
    ...inner,
    insertExposures: async (rows) => {
      if (stalled) return inner.insertExposures(rows);
      stalled = true;
      const now = partial(rows.length);
      await inner.insertExposures(rows.slice(0, now));
      await released;
      await inner.insertExposures(rows.slice(now));
    },
  };
  return { store, isStalled: () => stalled, release: () => release() };
}

describe('analytics sink on Kafka', () => {
  let harness: Awaited<ReturnType<typeof openKafkaHarness>>;
  const sinks: AnalyticsSink[] = [];
  const releases: (() => void)[] = [];

  beforeEach(async () => {
    harness = await openKafkaHarness({ stopTimeoutMs: 1_000 });
  });
  afterEach(async () => {
    for (const release of releases.splice(0)) release();
    for (const sink of sinks.splice(0)) await sink.stop();
    await harness.bus.close();
    await harness.cleanup?.();
  });

  it('counts every event once when the sink is killed mid-write and another sink of the group takes over', async () => {
    const { bus } = harness;
    const groupId = harness.group('sink');
    const store = createInMemoryAnalyticsStore();
    await bus.publish('exposures', exposures(300));
    await bus.publish('metrics', metrics(300));

    // The first sink writes a third of its first batch and then hangs: stop() gives up on it after 1 s, as on a
    // crash, so that batch's offsets are never committed although part of it is in the store.
    const stalling = stallingStore(store, (rows) => Math.ceil(rows / 3));
    releases.push(stalling.release);
    const first = await startAnalyticsSink({ bus, store: stalling.store, groupId });
    await eventually(async () => expect(stalling.isStalled()).toBe(true), 30_000);
    await first.stop();
    const afterCrash = await store.eventCounts();
    expect(afterCrash.exposures).toBeGreaterThan(0);
    expect(afterCrash.exposures).toBeLessThan(300);

    const second = await startAnalyticsSink({ bus, store, groupId });
    sinks.push(second);
    await bus.publish('exposures', exposures(100, 300));
    await eventually(async () => expect(await store.eventCounts()).toEqual({ exposures: 400, metricEvents: 300 }), 60_000);
    await pause(1_000);
    expect(await store.eventCounts()).toEqual({ exposures: 400, metricEvents: 300 });
    // The rows written before the crash came again, and were absorbed.
    expect(store.duplicates()).toBeGreaterThanOrEqual(afterCrash.exposures);
  });

  it('lets a sink stopped during a slow write finish and commit it, so the next sink of the group does not redo it', async () => {
    const { bus } = harness;
    const groupId = harness.group('sink');
    const store = createInMemoryAnalyticsStore();
    await bus.publish('exposures', exposures(200));

    const stalling = stallingStore(store, () => 0);
    releases.push(stalling.release);
    const first = await startAnalyticsSink({ bus, store: stalling.store, groupId });
    await eventually(async () => expect(stalling.isStalled()).toBe(true), 30_000);
    const stopping = first.stop();
    setTimeout(stalling.release, 300); // well within stopTimeoutMs
    await stopping;
    const handled = (await store.eventCounts()).exposures;
    expect(handled).toBeGreaterThan(0);

    const second = await startAnalyticsSink({ bus, store, groupId });
    sinks.push(second);
    await eventually(async () => expect(await store.eventCounts()).toEqual({ exposures: 200, metricEvents: 0 }), 60_000);
    await pause(1_000);
    expect(store.duplicates()).toBe(0);
  });

  it('dead-letters malformed records on the real topic with the original value, the reason and the source', async () => {
    const { bus } = harness;
    const store = createInMemoryAnalyticsStore();
    const letters: ConsumedMessage[] = [];
    sinks.push(
      await bus.subscribe({ groupId: harness.group('dead-letter-reader'), topics: ['dead-letters'], onBatch: async (b) => void letters.push(...b) }),
    );
    sinks.push(await startAnalyticsSink({ bus, store, groupId: harness.group('sink') }));

    const broken = { key: 'user-1', value: '{"type":"metric","eventId":', headers: { trace: 'abc' } };
    await bus.publish('metrics', [...metrics(10), broken, ...metrics(10, 10)]);
    await eventually(async () => expect(await store.eventCounts()).toEqual({ exposures: 0, metricEvents: 20 }), 30_000);
    await eventually(async () => expect(letters).toHaveLength(1), 30_000);

    const [letter] = letters;
    expect(letter?.key).toBe('user-1');
    expect(letter?.value).toBe(broken.value);
    expect(letter?.headers).toMatchObject({
      trace: 'abc',
      [DEAD_LETTER_HEADERS.topic]: 'metrics',
      [DEAD_LETTER_HEADERS.reason]: expect.stringMatching(/^invalid JSON: /),
    });
    expect(Number(letter?.headers?.[DEAD_LETTER_HEADERS.partition])).toBeGreaterThanOrEqual(0);
    expect(Number(letter?.headers?.[DEAD_LETTER_HEADERS.offset])).toBeGreaterThanOrEqual(0);
  });

  it('dead-letters a malformed event that travelled packed with good ones, alone and with its place in the record', async () => {
    const { bus } = harness;
    const store = createInMemoryAnalyticsStore();
    const letters: ConsumedMessage[] = [];
    sinks.push(
      await bus.subscribe({ groupId: harness.group('dead-letter-reader'), topics: ['dead-letters'], onBatch: async (b) => void letters.push(...b) }),
    );
    sinks.push(await startAnalyticsSink({ bus, store, groupId: harness.group('sink') }));

    // No headers: packed into records of many events. Same key as its neighbours, so in the same record.
    const good = metrics(20).map(({ value }) => ({ key: 'user-1', value }));
    const broken = { key: 'user-1', value: '{"type":"metric","eventId":"x","name":"buy","unitId":"user-1","timestamp":"yesterday"}' };
    await bus.publish('metrics', [...good.slice(0, 7), broken, ...good.slice(7)]);
    await eventually(async () => expect(await store.eventCounts()).toEqual({ exposures: 0, metricEvents: 20 }), 30_000);
    await eventually(async () => expect(letters).toHaveLength(1), 30_000);

    const [letter] = letters;
    expect(letter).toMatchObject({ key: 'user-1', value: broken.value });
    expect(letter?.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.topic]: 'metrics',
      [DEAD_LETTER_HEADERS.index]: '7',
      [DEAD_LETTER_HEADERS.reason]: expect.stringMatching(/^invalid event: .*timestamp/),
    });
  });
});
