import { describe, expect, it, vi } from 'vitest';
import { EventStoreUnavailableError, type EventStore, type StoredEvent } from '../../src/event-store/event-store.ts';
import { createInMemoryEventStore } from '../../src/event-store/in-memory-event-store.ts';
import { executeCommand, type CommandContext } from '../../src/shared/command-handler.ts';
import type { DomainEvent } from '../../src/shared/domain-event.ts';
import { ConflictError, IdempotencyKeyReusedError, NotFoundError, PreconditionFailedError } from '../../src/shared/errors.ts';
import { LogModel, NO_OP_RECORDED, noOpRecordStream } from '../../src/shared/log-model.ts';
import { foldVersioned, type Versioned } from '../../src/shared/versioned.ts';

/** A counter per stream: the smallest aggregate that shows what the handler appends, and at which version. */
class Counters extends LogModel {
  readonly counts = new Map<string, Versioned<number>>();
  protected fold(event: StoredEvent): void {
    foldVersioned(this.counts, event.streamId, event, (count) => (count ?? 0) + Number(event.data['by']));
  }
}

/**
 * A store on which another writer appends to the stream once, between the handler's read and its append: what the
 * event store's own version check exists for (an If-Match check before the append cannot see it).
 */
function storeWithOneInterloper(): { store: EventStore; inner: EventStore; appends: number[] } {
  const inner = createInMemoryEventStore();
  const appends: number[] = [];
  let interloped = false;
  const store: EventStore = {
    ...inner,
    async append(streamId, events, options) {
      if (!interloped) {
        interloped = true;
        await inner.append(streamId, [{ type: 'Added', data: { by: 100 }, metadata: { actor: 'someone-else' } }], { expectedVersion: 'any' });
      }
      appends.push(events.length);
      return inner.append(streamId, events, options);
    },
  };
  return { store, inner, appends };
}

const context = (extra: Partial<CommandContext> = {}): CommandContext => ({ actor: 'tester', correlationId: 'c', now: new Date(0), ...extra });
const addOne = (model: Counters) => ({
  streamId: 'counter-a',
  current: () => model.counts.get('counter-a'),
  decide: (): DomainEvent[] => [{ type: 'Added', data: { by: 1 } } as unknown as DomainEvent],
});
/** Adds `by` to a counter that must exist (a 404 otherwise, as deciders say); adding 0 changes nothing. */
const add = (model: Counters, by: number) => ({
  streamId: 'counter-a',
  current: () => model.counts.get('counter-a'),
  decide: (state: number | undefined): DomainEvent[] => {
    if (state === undefined) throw new NotFoundError('Counter not found');
    return by === 0 ? [] : [{ type: 'Added', data: { by } } as unknown as DomainEvent];
  },
});

/** A counter at version 1, and a model that has not read it yet. */
async function oneCounter(store: EventStore = createInMemoryEventStore()): Promise<{ store: EventStore; model: Counters }> {
  await store.append('counter-a', [{ type: 'Added', data: { by: 1 } }], { expectedVersion: 'no_stream' });
  return { store, model: new Counters(store) };
}
const rejection = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => 'resolved', (error: unknown) => error);

describe('executeCommand: the append states the version the decision was made on', () => {
  it('with If-Match, a write that slipped in between the read and the append is a 412, and nothing of ours is appended', async () => {
    const { store, inner } = storeWithOneInterloper();
    await inner.append('counter-a', [{ type: 'Added', data: { by: 1 } }], { expectedVersion: 'no_stream' });
    const model = new Counters(store);
    const error = await rejection(executeCommand({ store, model }, addOne(model), context({ expectedVersion: 1 })));
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect((error as Error).message).toBe('The resource was changed by someone else meanwhile: reload it and retry');
    const events = await store.readStream('counter-a');
    expect(events.map((e) => e.data['by'])).toEqual([1, 100]);
  });

  it('without If-Match, the lost race is decided again on the fresh state and appended after the other write', async () => {
    const { store, appends } = storeWithOneInterloper();
    const model = new Counters(store);
    const outcome = await executeCommand({ store, model }, addOne(model), context());
    expect(appends).toHaveLength(2); // the first append lost to the interloper, the second won
    expect(outcome.version).toBe(2);
    const events = await store.readStream('counter-a');
    expect(events.map((e) => e.data['by'])).toEqual([100, 1]);
    expect(model.counts.get('counter-a')).toMatchObject({ version: 2, state: 101 });
  });

  it('without If-Match, gives up with a 409 once ten seconds of retries have all lost, having appended nothing of its own', async () => {
    // The budget is time, on performance.now: a clock that only moves when the test says so.
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    try {
      const inner = createInMemoryEventStore();
      let attempts = 0;
      const alwaysBeaten: EventStore = {
        ...inner,
        async append(streamId, events, options) {
          attempts++;
          await inner.append(streamId, [{ type: 'Added', data: { by: 100 }, metadata: { actor: 'someone-else' } }], { expectedVersion: 'any' });
          return inner.append(streamId, events, options);
        },
      };
      const model = new Counters(alwaysBeaten);
      let settled: unknown = 'pending';
      void executeCommand({ store: alwaysBeaten, model }, addOne(model), context()).then(
        () => (settled = 'appended'),
        (error: unknown) => (settled = error),
      );
      await vi.advanceTimersByTimeAsync(9_900);
      expect(settled).toBe('pending');
      const attemptsWithinBudget = attempts;
      expect(attemptsWithinBudget).toBeGreaterThan(10);
      await vi.advanceTimersByTimeAsync(200);
      expect(settled).toBeInstanceOf(ConflictError);
      expect((settled as ConflictError).message).toBe('Too much contention on this resource: retry later');
      const events = await inner.readStream('counter-a');
      expect(events.every((e) => e.data['by'] === 100)).toBe(true);
      expect(events).toHaveLength(attempts);
    } finally {
      vi.useRealTimers();
    }
  });

  it('without If-Match, waits between attempts a jittered delay that doubles up to 50 ms', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    vi.spyOn(Math, 'random').mockReturnValue(0.5); // the jitter: half of each bound
    try {
      const inner = createInMemoryEventStore();
      const attemptedAt: number[] = [];
      const beatenEightTimes: EventStore = {
        ...inner,
        async append(streamId, events, options) {
          attemptedAt.push(performance.now());
          if (attemptedAt.length <= 8) {
            await inner.append(streamId, [{ type: 'Added', data: { by: 100 } }], { expectedVersion: 'any' });
          }
          return inner.append(streamId, events, options);
        },
      };
      const model = new Counters(beatenEightTimes);
      const outcome = executeCommand({ store: beatenEightTimes, model }, addOne(model), context());
      await vi.advanceTimersByTimeAsync(1_000);
      await expect(outcome).resolves.toMatchObject({ version: 9 });
      const waits = attemptedAt.slice(1).map((at, i) => at - attemptedAt[i]!);
      expect(waits).toEqual([1, 2, 4, 8, 16, 25, 25, 25]);
    } finally {
      vi.restoreAllMocks();
      vi.useRealTimers();
    }
  });

  it('without If-Match, gives up on the lost race that ends exactly at the ten-second budget', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    try {
      const inner = createInMemoryEventStore();
      let attempts = 0;
      const slowAndBeaten: EventStore = {
        ...inner,
        async append(streamId, events, options) {
          attempts++;
          await new Promise((resolve) => setTimeout(resolve, 10_000));
          await inner.append(streamId, [{ type: 'Added', data: { by: 100 } }], { expectedVersion: 'any' });
          return inner.append(streamId, events, options);
        },
      };
      const model = new Counters(slowAndBeaten);
      let settled: unknown = 'pending';
      void rejection(executeCommand({ store: slowAndBeaten, model }, addOne(model), context())).then((error) => (settled = error));
      await vi.advanceTimersByTimeAsync(10_000);
      expect(settled).toBeInstanceOf(ConflictError);
      expect(attempts).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not retry a failure other than a lost race', async () => {
    const inner = createInMemoryEventStore();
    let attempts = 0;
    const failingOnce: EventStore = {
      ...inner,
      async append(streamId, events, options) {
        if (++attempts === 1) throw new EventStoreUnavailableError('connection refused');
        return inner.append(streamId, events, options);
      },
    };
    const model = new Counters(failingOnce);
    const error = await rejection(executeCommand({ store: failingOnce, model }, addOne(model), context()));
    expect(error).toBeInstanceOf(EventStoreUnavailableError);
    expect(attempts).toBe(1);
  });
});

describe('executeCommand: If-Match', () => {
  const cases: { name: string; exists: boolean; by: 'create' | number; ifMatch: number; error?: [abstract new (...args: never[]) => Error, string] }[] = [
    { name: 'on a resource that does not exist is the decider\'s 404', exists: false, by: 1, ifMatch: 1, error: [NotFoundError, 'Counter not found'] },
    {
      name: 'on a create is a 412 when it names a version',
      exists: false,
      by: 'create',
      ifMatch: 3,
      error: [PreconditionFailedError, 'The resource is at version 0, not 3: reload it and retry'],
    },
    {
      name: 'naming another version of an existing resource is a 412, not a 404',
      exists: true,
      by: 1,
      ifMatch: 2,
      error: [PreconditionFailedError, 'The resource is at version 1, not 2: reload it and retry'],
    },
    { name: 'naming the current version of an existing resource decides on its state', exists: true, by: 1, ifMatch: 1 },
  ];
  for (const { name, exists, by, ifMatch, error } of cases) {
    it(name, async () => {
      const store = createInMemoryEventStore();
      if (exists) await store.append('counter-a', [{ type: 'Added', data: { by: 1 } }], { expectedVersion: 'no_stream' });
      const model = new Counters(store);
      const target = by === 'create' ? addOne(model) : add(model, by);
      const run = executeCommand({ store, model }, target, context({ expectedVersion: ifMatch }));
      if (error) {
        const caught = await rejection(run);
        expect(caught).toBeInstanceOf(error[0]);
        expect((caught as Error).message).toBe(error[1]);
        expect(await store.readStream('counter-a')).toHaveLength(exists ? 1 : 0);
      } else {
        expect(await run).toEqual({ streamId: 'counter-a', version: 2, events: [{ type: 'Added', data: { by } }], replayed: false });
        expect(model.counts.get('counter-a')).toMatchObject({ version: 2, state: 2 });
      }
    });
  }
});

describe('executeCommand: metadata and outcomes', () => {
  it('stamps every event with who, why, which request and when, and nothing that was not given', async () => {
    const base = { actor: 'tester', correlationId: 'c', timestamp: '1970-01-01T00:00:00.000Z', schemaVersion: 1 };
    const cases: [Partial<CommandContext>, Record<string, unknown>][] = [
      [{}, base],
      [{ reason: 'because' }, { ...base, reason: 'because' }],
      [{ idempotencyKey: 'k', requestHash: 'h' }, { ...base, idempotencyKey: 'k', requestHash: 'h' }],
    ];
    for (const [extra, metadata] of cases) {
      const { store, model } = await oneCounter();
      await executeCommand({ store, model }, add(model, 2), context(extra));
      const [, appended] = await store.readStream('counter-a');
      expect(appended!.metadata, JSON.stringify(extra)).toStrictEqual(metadata);
    }
  });

  it('appends nothing when the decision is empty, and records nothing without an Idempotency-Key', async () => {
    const { store, model } = await oneCounter();
    expect(await executeCommand({ store, model }, add(model, 0), context())).toEqual({ streamId: 'counter-a', version: 1, events: [], replayed: false });
    expect(await store.readAll()).toHaveLength(1);
  });
});

describe('executeCommand: Idempotency-Key', () => {
  const keyed = (requestHash: string) => context({ idempotencyKey: 'k', requestHash });
  const reusedKey = 'This Idempotency-Key was already used for a different request';

  it('a repeat of a request that appended replays its outcome, from the events alone; the key on another request is a 422', async () => {
    const { store, model } = await oneCounter();
    expect(await executeCommand({ store, model }, add(model, 5), keyed('h'))).toMatchObject({ version: 2, replayed: false });
    const elsewhere = new Counters(store); // another process: all it has is the log
    expect(await executeCommand({ store, model: elsewhere }, add(elsewhere, 5), keyed('h'))).toEqual({
      streamId: 'counter-a',
      version: 2,
      events: [],
      replayed: true,
    });
    const error = await rejection(executeCommand({ store, model: elsewhere }, add(elsewhere, 5), keyed('other')));
    expect(error).toBeInstanceOf(IdempotencyKeyReusedError);
    expect((error as Error).message).toBe(reusedKey);
    expect(await store.readStream('counter-a')).toHaveLength(2);
  });

  it('a request that changed nothing is recorded under its key: a repeat replays it, another request with the key is a 422', async () => {
    const { store, model } = await oneCounter();
    expect(await executeCommand({ store, model }, add(model, 0), keyed('h'))).toEqual({ streamId: 'counter-a', version: 1, events: [], replayed: false });
    const records = await store.readStream(noOpRecordStream('k'));
    expect(records.map(({ type, data, metadata }) => ({ type, data, metadata }))).toStrictEqual([
      {
        type: NO_OP_RECORDED,
        data: { streamId: 'counter-a', version: 1 },
        metadata: { actor: 'tester', correlationId: 'c', timestamp: '1970-01-01T00:00:00.000Z', schemaVersion: 1, idempotencyKey: 'k', requestHash: 'h' },
      },
    ]);
    const elsewhere = new Counters(store);
    expect(await executeCommand({ store, model: elsewhere }, add(elsewhere, 0), keyed('h'))).toEqual({
      streamId: 'counter-a',
      version: 1,
      events: [],
      replayed: true,
    });
    const error = await rejection(executeCommand({ store, model: elsewhere }, add(elsewhere, 5), keyed('other')));
    expect(error).toBeInstanceOf(IdempotencyKeyReusedError);
    expect((error as Error).message).toBe(reusedKey);
    expect(await store.readAll()).toHaveLength(2);
  });

  it('a request that changed nothing, racing one with the same key that recorded first, replays the winner', async () => {
    const inner = createInMemoryEventStore();
    const { model } = await oneCounter(inner);
    let raced = false;
    const store: EventStore = {
      ...inner,
      async append(streamId, events, options) {
        if (streamId === noOpRecordStream('k') && !raced) {
          raced = true;
          const winner = { ...events[0]!, metadata: { ...events[0]!.metadata, actor: 'the-same-request-retried' } };
          await inner.append(streamId, [winner], { expectedVersion: 'no_stream' });
        }
        return inner.append(streamId, events, options);
      },
    };
    expect(await executeCommand({ store, model }, add(model, 0), keyed('h'))).toEqual({ streamId: 'counter-a', version: 1, events: [], replayed: true });
    expect((await inner.readStream(noOpRecordStream('k'))).map((e) => e.metadata['actor'])).toEqual(['the-same-request-retried']);
  });

  it('a key last used more than a day ago is free again: its record stream is appended to', async () => {
    let now = Date.now() - 25 * 60 * 60 * 1000;
    const { store, model } = await oneCounter(createInMemoryEventStore({ now: () => new Date(now) }));
    await executeCommand({ store, model }, add(model, 0), keyed('h'));
    now = Date.now();
    const later = new Counters(store);
    const outcome = await executeCommand({ store, model: later }, add(later, 0), keyed('other'));
    expect(outcome).toEqual({ streamId: 'counter-a', version: 1, events: [], replayed: false });
    expect((await store.readStream(noOpRecordStream('k'))).map((e) => [e.version, e.metadata['requestHash']])).toEqual([
      [1, 'h'],
      [2, 'other'],
    ]);
  });

  it('gives up with a 409 after three lost races on the key\'s record stream', async () => {
    const inner = createInMemoryEventStore();
    const { model } = await oneCounter(inner);
    let attempts = 0;
    // The stream keeps moving without a record the model honours: what matters here is the bound, not the cause.
    const store: EventStore = {
      ...inner,
      async append(streamId, events, options) {
        if (streamId === noOpRecordStream('k')) {
          attempts++;
          await inner.append(streamId, [{ type: 'Unrelated', data: {} }], { expectedVersion: 'any' });
        }
        return inner.append(streamId, events, options);
      },
    };
    const error = await rejection(executeCommand({ store, model }, add(model, 0), keyed('h')));
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toBe('Too much contention on this Idempotency-Key: retry later');
    expect(attempts).toBe(3);
  });
});
