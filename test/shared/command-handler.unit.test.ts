import { describe, expect, it, vi } from 'vitest';
import type { EventStore, StoredEvent } from '../../src/event-store/event-store.ts';
import { createInMemoryEventStore } from '../../src/event-store/in-memory-event-store.ts';
import { executeCommand, type CommandContext } from '../../src/shared/command-handler.ts';
import type { DomainEvent } from '../../src/shared/domain-event.ts';
import { ConflictError, PreconditionFailedError } from '../../src/shared/errors.ts';
import { LogModel } from '../../src/shared/log-model.ts';
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

describe('executeCommand: the append states the version the decision was made on', () => {
  it('with If-Match, a write that slipped in between the read and the append is a 412, and nothing of ours is appended', async () => {
    const { store, inner } = storeWithOneInterloper();
    await inner.append('counter-a', [{ type: 'Added', data: { by: 1 } }], { expectedVersion: 'no_stream' });
    const model = new Counters(store);
    await expect(executeCommand({ store, model }, addOne(model), context({ expectedVersion: 1 }))).rejects.toBeInstanceOf(PreconditionFailedError);
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
});
