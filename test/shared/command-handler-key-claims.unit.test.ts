import { describe, expect, it } from 'vitest';
import type { EventStore, NewEvent, StoredEvent } from '../../src/event-store/event-store.ts';
import { createInMemoryEventStore } from '../../src/event-store/in-memory-event-store.ts';
import { executeCommand, type CommandContext } from '../../src/shared/command-handler.ts';
import type { DomainEvent } from '../../src/shared/domain-event.ts';
import { ConflictError, IdempotencyKeyReusedError } from '../../src/shared/errors.ts';
import { KEY_CLAIMED, LogModel, noOpRecordStream } from '../../src/shared/log-model.ts';
import { foldVersioned, type Versioned } from '../../src/shared/versioned.ts';

/**
 * An Idempotency-Key is claimed in its own stream before its command appends (issue 14). Two requests with one key
 * that write different streams would otherwise both find the key unused and both apply: the command's own stream
 * cannot see the other. The key's stream can.
 */
class Counters extends LogModel {
  readonly counts = new Map<string, Versioned<number>>();
  protected fold(event: StoredEvent): void {
    if (event.streamId.startsWith('counter-')) foldVersioned(this.counts, event.streamId, event, (count) => (count ?? 0) + Number(event.data['by']));
  }
}

const keyed = (requestHash: string, actor = 'tester'): CommandContext => ({ actor, correlationId: 'c', now: new Date(0), idempotencyKey: 'k', requestHash });
/** Creates (or adds to) a counter of its own: requests with one key may name different counters, different streams. */
const addTo = (model: Counters, counter: string) => ({
  streamId: `counter-${counter}`,
  current: () => model.counts.get(`counter-${counter}`),
  decide: (): DomainEvent[] => [{ type: 'Added', data: { by: 1 } } as unknown as DomainEvent],
});
const claimBy = (requestHash: string, streamId: string): NewEvent => ({
  type: KEY_CLAIMED,
  data: { streamId },
  metadata: { actor: 'elsewhere', correlationId: 'c2', timestamp: new Date(0).toISOString(), schemaVersion: 1, idempotencyKey: 'k', requestHash },
});
/** A store on which another request claims the key just before this one does: the race, made certain. */
function claimedFirstBy(inner: EventStore, claim: NewEvent): { store: EventStore; claimAppends: () => number } {
  let appends = 0;
  const store: EventStore = {
    ...inner,
    async append(streamId, events, options) {
      if (streamId === noOpRecordStream('k') && appends++ === 0) await inner.append(streamId, [claim], { expectedVersion: 'no_stream' });
      return inner.append(streamId, events, options);
    },
  };
  return { store, claimAppends: () => appends };
}
const rejection = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => 'resolved', (error: unknown) => error);
const summary = (events: StoredEvent[]) => events.map((e) => [e.streamId, e.type, e.metadata['requestHash'] ?? null]);

describe('executeCommand: an Idempotency-Key is claimed before its command appends', () => {
  it('appends the claim to the key’s stream, naming the command’s stream, then the command with the key', async () => {
    const store = createInMemoryEventStore();
    const model = new Counters(store);
    expect(await executeCommand({ store, model }, addTo(model, 'a'), keyed('h'))).toMatchObject({ streamId: 'counter-a', version: 1, replayed: false });
    expect(summary(await store.readAll())).toEqual([
      [noOpRecordStream('k'), KEY_CLAIMED, 'h'],
      ['counter-a', 'Added', 'h'],
    ]);
    const [claim] = await store.readStream(noOpRecordStream('k'));
    expect(claim!.data).toEqual({ streamId: 'counter-a' });
    expect(claim!.metadata).toEqual({ actor: 'tester', correlationId: 'c', timestamp: '1970-01-01T00:00:00.000Z', schemaVersion: 1, idempotencyKey: 'k', requestHash: 'h' });
  });

  it('claims nothing without a key, whatever else the context carries', async () => {
    const store = createInMemoryEventStore();
    const model = new Counters(store);
    const { idempotencyKey: _none, ...unkeyed } = keyed('h');
    expect(await executeCommand({ store, model }, addTo(model, 'a'), unkeyed)).toMatchObject({ streamId: 'counter-a', version: 1, replayed: false });
    expect(summary(await store.readAll())).toEqual([['counter-a', 'Added', null]]);
  });

  it('a different request that claimed the key first wins: this one is a 422 and its command is not appended', async () => {
    const inner = createInMemoryEventStore();
    const { store } = claimedFirstBy(inner, claimBy('other', 'counter-b'));
    const model = new Counters(store);
    const error = await rejection(executeCommand({ store, model }, addTo(model, 'a'), keyed('h')));
    expect(error).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(error).toMatchObject({
      message: 'This Idempotency-Key was already used for a different request',
      issues: [{ pointer: '#', detail: 'differs from the request first sent with this Idempotency-Key' }],
    });
    expect(summary(await inner.readAll())).toEqual([[noOpRecordStream('k'), KEY_CLAIMED, 'other']]);
  });

  it('an identical request that claimed first lets this one go on: the command’s own stream decides between them', async () => {
    const inner = createInMemoryEventStore();
    const { store } = claimedFirstBy(inner, claimBy('h', 'counter-a'));
    const model = new Counters(store);
    expect(await executeCommand({ store, model }, addTo(model, 'a'), keyed('h'))).toMatchObject({ version: 1, replayed: false });
    expect(summary(await inner.readAll())).toEqual([
      [noOpRecordStream('k'), KEY_CLAIMED, 'h'],
      ['counter-a', 'Added', 'h'],
    ]);
  });

  it('a claim whose command never landed (a crash between the two) holds the key: the same request completes, another is a 422', async () => {
    const store = createInMemoryEventStore();
    await store.append(noOpRecordStream('k'), [claimBy('h', 'counter-a')], { expectedVersion: 'no_stream' });
    const keyAppends: string[] = [];
    const counting: EventStore = {
      ...store,
      append(streamId, events, options) {
        if (streamId === noOpRecordStream('k')) keyAppends.push(streamId);
        return store.append(streamId, events, options);
      },
    };
    const model = new Counters(counting);
    const refused = await rejection(executeCommand({ store: counting, model }, addTo(model, 'b'), keyed('other')));
    expect(refused).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(await executeCommand({ store: counting, model }, addTo(model, 'a'), keyed('h'))).toMatchObject({ version: 1, replayed: false });
    // Its own claim found in the model: the key's stream is not even tried again.
    expect(keyAppends).toEqual([]);
    // Claimed once: the retry did not claim again.
    expect(summary(await store.readAll())).toEqual([
      [noOpRecordStream('k'), KEY_CLAIMED, 'h'],
      ['counter-a', 'Added', 'h'],
    ]);
    expect(await executeCommand({ store: counting, model }, addTo(model, 'a'), keyed('h'))).toMatchObject({ version: 1, replayed: true });
  });

  it('an identical request that completed while this one claimed is replayed, not applied again', async () => {
    const inner = createInMemoryEventStore();
    let raced = false;
    const store: EventStore = {
      ...inner,
      async append(streamId, events, options) {
        if (streamId === noOpRecordStream('k') && !raced) {
          raced = true;
          await inner.append(streamId, [claimBy('h', 'counter-a')], { expectedVersion: 'no_stream' });
          await inner.append('counter-a', [{ type: 'Added', data: { by: 1 }, metadata: { actor: 'elsewhere', idempotencyKey: 'k', requestHash: 'h' } }], { expectedVersion: 'no_stream' });
        }
        return inner.append(streamId, events, options);
      },
    };
    const model = new Counters(store);
    expect(await executeCommand({ store, model }, addTo(model, 'a'), keyed('h'))).toEqual({ streamId: 'counter-a', version: 1, events: [], replayed: true });
    expect((await inner.readStream('counter-a')).map((e) => e.metadata['actor'])).toEqual(['elsewhere']);
  });

  it('a no-op record of another request in the key’s stream also wins over a claim', async () => {
    const inner = createInMemoryEventStore();
    const noOp: NewEvent = { type: 'IdempotentNoOpRecorded', data: { streamId: 'counter-b', version: 0 }, metadata: { actor: 'elsewhere', idempotencyKey: 'k', requestHash: 'other' } };
    const { store } = claimedFirstBy(inner, noOp);
    const model = new Counters(store);
    expect(await rejection(executeCommand({ store, model }, addTo(model, 'a'), keyed('h')))).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(await inner.readStream('counter-a')).toEqual([]);
  });

  it('a key claimed more than a day ago is free again: the new claim is appended after the old one', async () => {
    let now = Date.now() - 25 * 60 * 60 * 1000;
    const store = createInMemoryEventStore({ now: () => new Date(now) });
    await store.append(noOpRecordStream('k'), [claimBy('h', 'counter-a')], { expectedVersion: 'no_stream' });
    now = Date.now();
    const model = new Counters(store);
    expect(await executeCommand({ store, model }, addTo(model, 'b'), keyed('other'))).toMatchObject({ streamId: 'counter-b', version: 1, replayed: false });
    expect((await store.readStream(noOpRecordStream('k'))).map((e) => [e.version, e.metadata['requestHash']])).toEqual([
      [1, 'h'],
      [2, 'other'],
    ]);
  });

  it('gives up with a 409 after three lost races on the key’s stream, having appended nothing of its own', async () => {
    const inner = createInMemoryEventStore();
    let attempts = 0;
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
    const model = new Counters(store);
    const error = await rejection(executeCommand({ store, model }, addTo(model, 'a'), keyed('h')));
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toBe('Too much contention on this Idempotency-Key: retry later');
    expect(attempts).toBe(3);
    expect(await inner.readStream('counter-a')).toEqual([]);
  });
});
