import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BusMessage, BusSubscription, ConsumedMessage, EventBus, Topic } from '../../../src/shared/event-bus.ts';

export interface BusHarness {
  readonly bus: EventBus;
  /** A consumer-group id owned by this test (the harness removes the groups it handed out). */
  group(name: string): string;
  /** Runs after the bus is closed: deletes the test's topics and groups. */
  cleanup?(): Promise<void>;
}

export interface BusContractOptions {
  /** How long a test waits for deliveries before it fails. */
  readonly deliveryTimeoutMs: number;
  /** How many messages the bulk test pushes through. */
  readonly manyMessages: number;
  /** How long "nothing more arrives" is watched for. */
  readonly quietMs: number;
}

const until = async (predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Recorder {
  readonly subscription: BusSubscription;
  /** Every call of onBatch, failed ones included, in order. */
  readonly calls: (readonly ConsumedMessage[])[];
  /** The messages of the batches whose handler resolved. */
  readonly accepted: ConsumedMessage[];
  readonly errors: unknown[];
}

type Behaviour = (messages: readonly ConsumedMessage[], call: number) => Promise<void>;

async function record(bus: EventBus, groupId: string, topics: readonly Topic[], behaviour?: Behaviour): Promise<Recorder> {
  const calls: (readonly ConsumedMessage[])[] = [];
  const accepted: ConsumedMessage[] = [];
  const errors: unknown[] = [];
  const subscription = await bus.subscribe({
    groupId,
    topics,
    onBatch: async (messages) => {
      calls.push(messages);
      await behaviour?.(messages, calls.length);
      accepted.push(...messages);
    },
    onError: (error) => errors.push(error),
  });
  return { subscription, calls, accepted, errors };
}

/** Test messages carry the run id, a key and a sequence number per key, so order and duplicates are visible. */
const payload = (message: ConsumedMessage | BusMessage): { run: string; key: string; seq: number } =>
  JSON.parse(message.value) as { run: string; key: string; seq: number };

const ids = (messages: readonly (ConsumedMessage | BusMessage)[]): string[] =>
  messages.map((message) => `${payload(message).key}#${payload(message).seq}`);

/** The event-bus contract: every adapter, the in-memory one included, runs exactly this suite. */
export function eventBusContract(name: string, open: () => Promise<BusHarness>, options: BusContractOptions): void {
  describe(`event bus contract: ${name}`, () => {
    let harness: BusHarness;
    let bus: EventBus;
    let run: string;
    const subscriptions: BusSubscription[] = [];

    const messages = (count: number, keys: number, from = 0): BusMessage[] =>
      Array.from({ length: count }, (_, i) => {
        const n = from + i;
        const key = `unit-${n % keys}`;
        return { key, value: JSON.stringify({ run, key, seq: Math.floor(n / keys) }), headers: { n: String(n) } };
      });
    const recordFor = async (groupId: string, topics: readonly Topic[], behaviour?: Behaviour): Promise<Recorder> => {
      const recorder = await record(bus, groupId, topics, behaviour);
      subscriptions.push(recorder.subscription);
      return recorder;
    };
    const waitFor = (recorder: Recorder, count: number): Promise<void> =>
      until(() => recorder.accepted.length >= count, options.deliveryTimeoutMs, () => `${count} messages, got ${recorder.accepted.length}`);

    beforeEach(async () => {
      run = randomUUID();
      harness = await open();
      bus = harness.bus;
    });
    afterEach(async () => {
      for (const subscription of subscriptions.splice(0)) await subscription.stop();
      await bus.close();
      await harness.cleanup?.();
    });

    it('delivers what was published, in order per key, with its topic, offset and headers', async () => {
      const exposures = messages(60, 3);
      for (let i = 0; i < 60; i += 20) await bus.publish('exposures', exposures.slice(i, i + 20));
      const metrics = messages(5, 1, 1_000);
      await bus.publish('metrics', metrics);

      const recorder = await recordFor(harness.group('round-trip'), ['exposures', 'metrics']);
      await waitFor(recorder, 65);

      const received = recorder.accepted;
      expect(received).toHaveLength(65);
      for (const key of ['unit-0', 'unit-1', 'unit-2']) {
        const seqs = received.filter((m) => m.topic === 'exposures' && m.key === key).map((m) => payload(m).seq);
        expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i));
      }
      expect(received.filter((m) => m.topic === 'metrics').map((m) => payload(m).seq)).toEqual([1_000, 1_001, 1_002, 1_003, 1_004]);
      for (const message of received) {
        const original = [...exposures, ...metrics].find((m) => m.headers?.n === message.headers?.n);
        expect({ key: message.key, value: message.value }).toEqual({ key: original?.key, value: original?.value });
      }
      // Offsets are unique and increasing within each partition.
      const byPartition = new Map<string, bigint[]>();
      for (const message of received) {
        const list = byPartition.get(`${message.topic}/${message.partition}`) ?? [];
        list.push(BigInt(message.offset));
        byPartition.set(`${message.topic}/${message.partition}`, list);
      }
      for (const offsets of byPartition.values()) {
        expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : 1)));
        expect(new Set(offsets).size).toBe(offsets.length);
      }
    });

    it('offers a batch whose handler threw again, and loses or skips nothing', async () => {
      const published = messages(30, 3);
      await bus.publish('exposures', published);
      const failure = new Error('the store is down');

      const recorder = await recordFor(harness.group('retry'), ['exposures'], async (_batch, call) => {
        if (call <= 2) throw failure;
      });
      await waitFor(recorder, 30);

      // The same batch, not just the same messages somewhere later: the handler may rely on it.
      expect(recorder.calls.length).toBeGreaterThanOrEqual(3);
      expect(recorder.calls[1]).toEqual(recorder.calls[0]);
      expect(recorder.calls[2]).toEqual(recorder.calls[0]);
      expect(recorder.errors.slice(0, 2)).toEqual([failure, failure]);
      expect(ids(recorder.accepted).sort()).toEqual(ids(published).sort());
    });

    it('commits only after a batch succeeded: the next consumer of the group starts right after it', async () => {
      const first = messages(10, 2);
      await bus.publish('exposures', first);
      const groupId = harness.group('resume');
      const one = await recordFor(groupId, ['exposures']);
      await waitFor(one, 10);
      await one.subscription.stop();

      const second = messages(10, 2, 10);
      await bus.publish('exposures', second);
      const two = await recordFor(groupId, ['exposures']);
      await waitFor(two, 10);
      await pause(options.quietMs);

      expect(ids(one.accepted).sort()).toEqual(ids(first).sort());
      expect(ids(two.accepted).sort()).toEqual(ids(second).sort());
    });

    it('commits nothing of a failed batch: the next consumer of the group starts at it', async () => {
      const published = messages(10, 2);
      await bus.publish('exposures', published);
      const groupId = harness.group('failed');
      const one = await recordFor(groupId, ['exposures'], async () => {
        throw new Error('always failing');
      });
      await until(() => one.calls.length >= 1, options.deliveryTimeoutMs, () => 'a first delivery');
      await one.subscription.stop();

      const two = await recordFor(groupId, ['exposures']);
      await waitFor(two, 10);
      await pause(options.quietMs);

      expect(one.accepted).toEqual([]);
      expect(ids(two.accepted).sort()).toEqual(ids(published).sort());
      // It starts at the first message the failed batch held.
      const firstFailed = one.calls[0]![0]!;
      expect(two.calls.flat().some((m) => m.partition === firstFailed.partition && m.offset === firstFailed.offset)).toBe(true);
    });

    it('lets stop() finish the batch in hand and commit it', async () => {
      await bus.publish('exposures', messages(5, 1));
      const groupId = harness.group('graceful');
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const one = await recordFor(groupId, ['exposures'], () => released);
      await until(() => one.calls.length >= 1, options.deliveryTimeoutMs, () => 'a first delivery');
      const stopping = one.subscription.stop();
      setTimeout(release, 200);
      await stopping;
      const handed = one.calls[0]!.length;
      expect(one.accepted).toHaveLength(handed);

      await bus.publish('exposures', messages(1, 1, 5));
      const two = await recordFor(groupId, ['exposures']);
      await waitFor(two, 5 - handed + 1);
      await pause(options.quietMs);
      expect(ids([...one.accepted, ...two.accepted]).sort()).toEqual(ids(messages(6, 1)).sort());
    });

    it('reports a group\'s lag: what was published and not yet committed', async () => {
      const groupId = harness.group('lag');
      await bus.publish('metrics', messages(30, 3));
      expect(await bus.consumerLag(groupId, ['metrics'])).toBe(30);
      const recorder = await recordFor(groupId, ['metrics']);
      await waitFor(recorder, 30);
      await until(async () => (await bus.consumerLag(groupId, ['metrics'])) === 0, options.deliveryTimeoutMs, () => 'lag to reach 0');
      await bus.publish('metrics', messages(5, 1, 100));
      await waitFor(recorder, 35);
      await until(async () => (await bus.consumerLag(groupId, ['metrics'])) === 0, options.deliveryTimeoutMs, () => 'lag to reach 0 again');
    });

    it('gives every group everything', async () => {
      const published = messages(40, 4);
      await bus.publish('metrics', published);
      const one = await recordFor(harness.group('one'), ['metrics']);
      const two = await recordFor(harness.group('two'), ['metrics']);
      await waitFor(one, 40);
      await waitFor(two, 40);
      await pause(options.quietMs);
      expect(ids(one.accepted).sort()).toEqual(ids(published).sort());
      expect(ids(two.accepted).sort()).toEqual(ids(published).sort());
    });

    it(`delivers ${options.manyMessages} messages exactly once to a healthy consumer`, async () => {
      const recorder = await recordFor(harness.group('bulk'), ['exposures']);
      // Without headers, as the pipeline publishes: the Kafka adapter packs these many to a record.
      const published = messages(options.manyMessages, 97).map(({ key, value }) => ({ key, value }));
      for (let i = 0; i < published.length; i += 1_000) await bus.publish('exposures', published.slice(i, i + 1_000));
      await waitFor(recorder, options.manyMessages);
      await pause(options.quietMs);

      expect(recorder.accepted).toHaveLength(options.manyMessages);
      expect(new Set(ids(recorder.accepted)).size).toBe(options.manyMessages);
      // Every message keeps its key, and each key's messages arrive complete and in order.
      for (const message of recorder.accepted) expect(message.key).toBe(payload(message).key);
      for (let key = 0; key < 97; key++) {
        const seqs = recorder.accepted.filter((m) => m.key === `unit-${key}`).map((m) => payload(m).seq);
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i));
      }
    });
  });
}
