import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  VersionConflictError,
  expectedVersionAt,
  type EventStore,
  type NewEvent,
  type StoredEvent,
} from '../../src/event-store/event-store.ts';

export interface ContractHarness {
  store: EventStore;
  /** A second, independent connection to the same store (another process, in effect), when the adapter has one. */
  connectAgain?: () => Promise<EventStore>;
  cleanup?: () => Promise<void>;
}

export interface ContractOptions {
  /** Global positions are consecutive integers (true for the SQL stores, not for EventStoreDB's commit positions). */
  gapFree: boolean;
  /** The harness can open a second connection, so cross-connection wake-ups are tested. */
  multiConnection: boolean;
}

const event = (type: string, n: number, extra: Record<string, unknown> = {}): NewEvent => ({
  type,
  data: { n, ...extra } as NewEvent['data'],
  metadata: { actor: 'tester', correlationId: `c-${n}` },
});

/** A fallback poll no test lives to see: a subscription that delivers in time was woken by the store. */
const NEVER_POLL_MS = 3_600_000;

const until = async (predicate: () => boolean, timeoutMs = 60_000): Promise<void> => {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

/** The event-store contract. Every adapter, the fake included, runs exactly this suite. */
export function eventStoreContract(name: string, open: () => Promise<ContractHarness>, options: ContractOptions): void {
  describe(`event store contract: ${name}`, () => {
    let harness: ContractHarness;
    let store: EventStore;
    const extraStores: EventStore[] = [];
    const stream = (id: string): string => `test-${id}-${Math.random().toString(36).slice(2, 10)}`;

    beforeEach(async () => {
      harness = await open();
      store = harness.store;
    });
    afterEach(async () => {
      for (const extra of extraStores.splice(0)) await extra.close();
      await store.close();
      await harness.cleanup?.();
    });

    describe('append', () => {
      it('creates a stream with no_stream and numbers its events from 1', async () => {
        const s = stream('flag');
        const result = await store.append(s, [event('A', 1), event('B', 2)], { expectedVersion: 'no_stream' });
        expect(result.nextExpectedVersion).toBe(2);
        const events = await store.readStream(s);
        expect(events.map((e) => [e.type, e.version])).toEqual([['A', 1], ['B', 2]]);
        expect(result.position).toBe(events[1]!.position);
      });

      it('rejects no_stream when the stream exists, reporting the actual version', async () => {
        const s = stream('flag');
        await store.append(s, [event('A', 1)], { expectedVersion: 'no_stream' });
        const error = await store.append(s, [event('B', 2)], { expectedVersion: 'no_stream' }).catch((e) => e);
        expect(error).toBeInstanceOf(VersionConflictError);
        expect((error as VersionConflictError).actual).toBe(1);
        expect(await store.readStream(s)).toHaveLength(1);
      });

      it('appends at the exact expected version and rejects a stale one', async () => {
        const s = stream('flag');
        await store.append(s, [event('A', 1)], { expectedVersion: 'no_stream' });
        await store.append(s, [event('B', 2)], { expectedVersion: 1 });
        const error = await store.append(s, [event('C', 3)], { expectedVersion: 1 }).catch((e) => e);
        expect(error).toBeInstanceOf(VersionConflictError);
        expect((error as VersionConflictError).actual).toBe(2);
        const tooFar = await store.append(s, [event('C', 3)], { expectedVersion: 5 }).catch((e) => e);
        expect(tooFar).toBeInstanceOf(VersionConflictError);
        expect((await store.readStream(s)).map((e) => e.type)).toEqual(['A', 'B']);
      });

      it('refuses an expected version of 0, which is spelled no_stream, and appends nothing', async () => {
        const s = stream('flag');
        const missing = await store.append(s, [event('A', 1)], { expectedVersion: 0 }).catch((e) => e);
        expect(missing).toBeInstanceOf(RangeError);
        expect((missing as Error).message).toBe("Invalid expected version 0: a stream that must not exist yet is expected as 'no_stream'");
        await store.append(s, [event('A', 1)], { expectedVersion: 'no_stream' });
        const existing = await store.append(s, [event('B', 2)], { expectedVersion: 0 }).catch((e) => e);
        expect(existing).toBeInstanceOf(RangeError);
        expect(existing).not.toBeInstanceOf(VersionConflictError);
        expect((await store.readStream(s)).map((e) => e.type)).toEqual(['A']);
      });

      it('refuses an expected version that is no version: negative, fractional, not a number', async () => {
        const s = stream('flag');
        for (const expectedVersion of [-1, -2, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 'stream_exist' as 'any']) {
          const error = await store.append(s, [event('A', 1)], { expectedVersion }).catch((e) => e);
          expect(error, String(expectedVersion)).toBeInstanceOf(RangeError);
        }
        expect(await store.readStream(s)).toEqual([]);
      });

      it('rejects stream_exists on a missing stream, reporting version 0, and creates nothing', async () => {
        const s = stream('flag');
        const error = await store.append(s, [event('A', 1)], { expectedVersion: 'stream_exists' }).catch((e) => e);
        expect(error).toBeInstanceOf(VersionConflictError);
        expect((error as VersionConflictError).actual).toBe(0);
        expect((error as VersionConflictError).expected).toBe('stream_exists');
        expect(await store.readStream(s)).toEqual([]);
      });

      it('appends with stream_exists to an existing stream whatever its version', async () => {
        const s = stream('flag');
        await store.append(s, [event('A', 1), event('B', 2)], { expectedVersion: 'no_stream' });
        const result = await store.append(s, [event('C', 3)], { expectedVersion: 'stream_exists' });
        expect(result.nextExpectedVersion).toBe(3);
        await store.append(s, [event('D', 4)], { expectedVersion: 'stream_exists' });
        expect((await store.readStream(s)).map((e) => [e.type, e.version])).toEqual([['A', 1], ['B', 2], ['C', 3], ['D', 4]]);
      });

      it('appends with any whatever the version', async () => {
        const s = stream('flag');
        await store.append(s, [event('A', 1)], { expectedVersion: 'any' });
        const result = await store.append(s, [event('B', 2)], { expectedVersion: 'any' });
        expect(result.nextExpectedVersion).toBe(2);
      });

      it('lets exactly one of many concurrent appends at the same expected version win', async () => {
        const s = stream('flag');
        await store.append(s, [event('Created', 0)], { expectedVersion: 'no_stream' });
        const outcomes = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) => store.append(s, [event('Changed', i)], { expectedVersion: 1 })),
        );
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o) => o.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(19);
        for (const o of lost) expect((o as PromiseRejectedResult).reason).toBeInstanceOf(VersionConflictError);
        expect(await store.readStream(s)).toHaveLength(2);
      });

      it('round-trips data and metadata exactly, unicode and nesting included', async () => {
        const s = stream('flag');
        const data = { key: 'intl-flag', label: '用户 ünïcødé 🚩', nested: { list: [1, 2.5, null, true, 'x'], empty: {} } };
        const metadata = { actor: 'alice@example.com', reason: 'why "not"', schemaVersion: 1 };
        await store.append(s, [{ type: 'FlagCreated', data, metadata }], { expectedVersion: 'no_stream' });
        const [stored] = await store.readStream(s);
        expect(stored!.data).toEqual(data);
        expect(stored!.metadata).toEqual(metadata);
        // Key order too: payloads such as a flag's variants are declared in order.
        const ordered = { zebra: 1, apple: 2, mango: { z: 1, a: 2 } };
        await store.append(s, [{ type: 'Ordered', data: ordered }], { expectedVersion: 1 });
        expect(JSON.stringify((await store.readStream(s, { fromVersion: 2 }))[0]!.data)).toBe(JSON.stringify(ordered));
        expect(stored!.streamId).toBe(s);
        expect(stored!.recordedAt).toBeInstanceOf(Date);
      });

      it('refuses an empty append', async () => {
        await expect(store.append(stream('flag'), [], { expectedVersion: 'any' })).rejects.toThrow();
      });
    });

    describe('readStream', () => {
      it('returns nothing for a stream whose id no stream can have (NUL, an unpaired surrogate)', async () => {
        // Path parameters reach readStream as they came (history routes); PostgreSQL refuses such text outright.
        expect(await store.readStream('experiment-\u0000')).toEqual([]);
        expect(await store.readStream('segment-a\ud800b')).toEqual([]);
      });

      it('returns nothing for a stream that does not exist', async () => {
        expect(await store.readStream(stream('none'))).toEqual([]);
      });

      it('reads a range of versions', async () => {
        const s = stream('flag');
        await store.append(s, [1, 2, 3, 4, 5].map((n) => event('E', n)), { expectedVersion: 'no_stream' });
        const events = await store.readStream(s, { fromVersion: 2, toVersion: 4 });
        expect(events.map((e) => e.version)).toEqual([2, 3, 4]);
        expect(events.map((e) => e.data['n'])).toEqual([2, 3, 4]);
      });

      it('reads up to a time, inclusive', async () => {
        const s = stream('flag');
        await store.append(s, [event('E', 1)], { expectedVersion: 'no_stream' });
        const [first] = await store.readStream(s);
        await new Promise((r) => setTimeout(r, 15));
        await store.append(s, [event('E', 2)], { expectedVersion: 1 });
        const asOfFirst = await store.readStream(s, { toTime: first!.recordedAt });
        expect(asOfFirst.map((e) => e.version)).toEqual([1]);
        expect(await store.readStream(s, { toTime: new Date(first!.recordedAt.getTime() - 1) })).toEqual([]);
        expect(await store.readStream(s, { toTime: new Date(Date.now() + 60_000) })).toHaveLength(2);
      });
    });

    describe('readAll', () => {
      it('reads the global log in position order, after an exclusive position, in pages', async () => {
        const head = await store.headPosition();
        const a = stream('a');
        const b = stream('b');
        await store.append(a, [event('A', 1)], { expectedVersion: 'no_stream' });
        await store.append(b, [event('B', 1), event('B', 2)], { expectedVersion: 'no_stream' });
        await store.append(a, [event('A', 2)], { expectedVersion: 1 });
        const all = (await store.readAll({ after: head })).filter((e) => e.streamId === a || e.streamId === b);
        expect(all.map((e) => `${e.type}${e.data['n']}`)).toEqual(['A1', 'B1', 'B2', 'A2']);
        for (let i = 1; i < all.length; i++) expect(all[i]!.position).toBeGreaterThan(all[i - 1]!.position);
        if (options.gapFree) expect(all.map((e) => e.position)).toEqual([head + 1, head + 2, head + 3, head + 4]);
        expect(await store.headPosition()).toBe(all[3]!.position);

        const page1 = await store.readAll({ after: head, limit: 2 });
        const page2 = await store.readAll({ after: page1[1]!.position, limit: 2 });
        expect([...page1, ...page2].map((e) => e.position)).toEqual(all.map((e) => e.position));
      });

      it('reads the global log backwards, before an exclusive position', async () => {
        const s = stream('back');
        await store.append(s, [1, 2, 3].map((n) => event('E', n)), { expectedVersion: 'no_stream' });
        const newest = await store.readAllBackward({ limit: 2 });
        expect(newest.map((e) => e.data['n'])).toEqual([3, 2]);
        const older = await store.readAllBackward({ before: newest[1]!.position, limit: 1 });
        expect(older.map((e) => e.data['n'])).toEqual([1]);
      });

      it('keeps recorded times non-decreasing along the log', async () => {
        for (let i = 0; i < 5; i++) await store.append(stream('t'), [event('E', i)], { expectedVersion: 'no_stream' });
        const all = await store.readAll({ after: 0, limit: 10_000 });
        for (let i = 1; i < all.length; i++) {
          expect(all[i]!.recordedAt.getTime()).toBeGreaterThanOrEqual(all[i - 1]!.recordedAt.getTime());
        }
      });

      it('never shows a reader a later position before an earlier one under concurrent appends', async () => {
        const head = await store.headPosition();
        const seen: number[] = [];
        let reading = true;
        const reader = (async () => {
          let after = head;
          while (reading) {
            const batch = await store.readAll({ after, limit: 1_000 });
            for (const e of batch) seen.push(e.position);
            if (batch.length) after = batch[batch.length - 1]!.position;
            else await new Promise((r) => setTimeout(r, 1));
          }
          for (const e of await store.readAll({ after, limit: 1_000 })) seen.push(e.position);
        })();
        await Promise.all(
          Array.from({ length: 40 }, (_, i) => store.append(stream(`c${i}`), [event('E', i)], { expectedVersion: 'no_stream' })),
        );
        reading = false;
        await reader;
        const all = (await store.readAll({ after: head, limit: 1_000 })).map((e) => e.position);
        expect(all).toHaveLength(40);
        // The reader saw every event exactly once, in order: nothing was skipped because it committed late.
        expect(seen).toEqual(all);
      });
    });

    describe('subscribe', () => {
      it('catches up on existing events, then receives new ones live', async () => {
        const s = stream('sub');
        await store.append(s, [event('E', 1), event('E', 2)], { expectedVersion: 'no_stream' });
        const received: StoredEvent[] = [];
        const subscription = store.subscribe({ onBatch: (batch) => void received.push(...batch), fallbackPollMs: NEVER_POLL_MS });
        await subscription.caughtUp();
        expect(received.filter((e) => e.streamId === s).map((e) => e.data['n'])).toEqual([1, 2]);

        await store.append(s, [event('E', 3)], { expectedVersion: 2 });
        // With the fallback poll out of reach, only the append's wake-up can deliver this in time.
        await until(() => received.some((e) => e.streamId === s && e.data['n'] === 3));
        await subscription.stop();
      });

      // Only adapters that can open a second connection (another process, in effect) can show this.
      if (options.multiConnection) {
        it('is woken by appends made through another connection', async () => {
          const other = await harness.connectAgain!();
          extraStores.push(other);
          const s = stream('remote');
          const received: StoredEvent[] = [];
          const subscription = store.subscribe({ onBatch: (batch) => void received.push(...batch), fallbackPollMs: NEVER_POLL_MS });
          await subscription.caughtUp();
          // Each append is delivered before the next is made, so each needs its own wake-up from the other connection.
          for (let i = 1; i <= 5; i++) {
            await other.append(s, [event('E', i)], { expectedVersion: expectedVersionAt(i - 1) });
            await until(() => received.some((e) => e.streamId === s && e.data['n'] === i));
          }
          await subscription.stop();
        });
      }

      it('resumes from its checkpoint after a restart instead of re-reading everything', async () => {
        const s = stream('cp');
        const checkpoint = store.checkpointStore(`contract-${s}`);
        expect(await checkpoint.load()).toBeUndefined();
        await store.append(s, [event('E', 1), event('E', 2)], { expectedVersion: 'no_stream' });
        const first: StoredEvent[] = [];
        const sub1 = store.subscribe({ checkpoint, onBatch: (b) => void first.push(...b) });
        await sub1.caughtUp();
        await sub1.stop();
        const saved = await checkpoint.load();
        expect(saved).toBe(first[first.length - 1]!.position);

        await store.append(s, [event('E', 3)], { expectedVersion: 2 });
        const second: StoredEvent[] = [];
        const sub2 = store.subscribe({ checkpoint, onBatch: (b) => void second.push(...b) });
        await sub2.caughtUp();
        await sub2.stop();
        expect(second.map((e) => e.data['n'])).toEqual([3]);
      });

      it('retries a failing handler and does not stop or skip', async () => {
        const s = stream('retry');
        await store.append(s, [event('E', 1)], { expectedVersion: 'no_stream' });
        let failuresLeft = 2;
        const errors: unknown[] = [];
        const handled: number[] = [];
        const subscription = store.subscribe({
          after: (await store.headPosition()) - 1,
          onBatch: (batch) => {
            if (failuresLeft-- > 0) throw new Error('projection hiccup');
            for (const e of batch) handled.push(e.data['n'] as number);
          },
          onError: (error) => errors.push(error),
        });
        await until(() => handled.length > 0);
        await subscription.stop();
        expect(errors).toHaveLength(2);
        expect(handled).toEqual([1]);
      });

      it('starts after a given position when there is no checkpoint', async () => {
        const s = stream('after');
        await store.append(s, [event('E', 1), event('E', 2), event('E', 3)], { expectedVersion: 'no_stream' });
        const events = await store.readStream(s);
        const received: StoredEvent[] = [];
        const subscription = store.subscribe({ after: events[1]!.position, onBatch: (b) => void received.push(...b) });
        await subscription.caughtUp();
        await subscription.stop();
        expect(received.filter((e) => e.streamId === s).map((e) => e.data['n'])).toEqual([3]);
      });
    });
  });
}
