import { describe, expect, it } from 'vitest';
import { checkExpectedVersion, expectedVersionAt, isExpectedVersionMet, type EventStore, type ExpectedVersion, type StoredEvent } from '../../src/event-store/event-store.ts';
import { createInMemoryEventStore } from '../../src/event-store/in-memory-event-store.ts';
import { executeCommand, type CommandContext } from '../../src/shared/command-handler.ts';
import type { DomainEvent } from '../../src/shared/domain-event.ts';
import { LogModel, noOpRecordStream } from '../../src/shared/log-model.ts';
import { foldVersioned, type Versioned } from '../../src/shared/versioned.ts';

// The expectation the command handler appends with: one spelling per stream state, never a 0.

class Counters extends LogModel {
  readonly counts = new Map<string, Versioned<number>>();
  protected fold(event: StoredEvent): void {
    foldVersioned(this.counts, event.streamId, event, (count) => (count ?? 0) + Number(event.data['by']));
  }
}

/** The store, recording the expected version of every append. */
function recording(): { store: EventStore; expected: [string, ExpectedVersion][] } {
  const inner = createInMemoryEventStore();
  const expected: [string, ExpectedVersion][] = [];
  return {
    expected,
    store: {
      ...inner,
      append: (streamId, events, options) => {
        expected.push([streamId, options.expectedVersion]);
        return inner.append(streamId, events, options);
      },
    },
  };
}

const context = (extra: Partial<CommandContext> = {}): CommandContext => ({ actor: 'tester', correlationId: 'c', now: new Date(0), ...extra });
const add = (model: Counters, by: number) => ({
  streamId: 'counter-a',
  current: () => model.counts.get('counter-a'),
  decide: (): DomainEvent[] => (by === 0 ? [] : [{ type: 'Added', data: { by } } as unknown as DomainEvent]),
});

describe('the expected version the command handler appends with', () => {
  it('is no_stream for an aggregate that does not exist yet, then the exact version read', async () => {
    const { store, expected } = recording();
    const model = new Counters(store);
    expect((await executeCommand({ store, model }, add(model, 1), context())).version).toBe(1);
    expect((await executeCommand({ store, model }, add(model, 2), context())).version).toBe(2);
    expect(expected).toEqual([
      ['counter-a', 'no_stream'],
      ['counter-a', 1],
    ]);
  });

  it('is the version the key\'s record stream is at when a no-op record loses a race there', async () => {
    const { store: inner, expected } = recording();
    const model = new Counters(inner);
    await executeCommand({ store: inner, model }, add(model, 1), context());
    // Another request's record is already in the key's stream (written long ago, say): the first try conflicts.
    const stream = noOpRecordStream('k');
    await inner.append(stream, [{ type: 'Elsewhere', data: {} }], { expectedVersion: 'no_stream' });
    expected.length = 0;
    await executeCommand({ store: inner, model }, add(model, 0), context({ idempotencyKey: 'k', requestHash: 'h' }));
    expect(expected).toEqual([
      [stream, 'no_stream'],
      [stream, 1],
    ]);
  });
});

describe('expected versions', () => {
  it('expectedVersionAt spells version 0 no_stream and keeps any other version', () => {
    expect([0, 1, 42].map(expectedVersionAt)).toEqual(['no_stream', 1, 42]);
  });

  it('stream_exists is met by any existing version and not by a missing stream', () => {
    expect([0, 1, 7].map((actual) => isExpectedVersionMet('stream_exists', actual))).toEqual([false, true, true]);
    expect([0, 1].map((actual) => isExpectedVersionMet('no_stream', actual))).toEqual([true, false]);
    expect([0, 3].map((actual) => isExpectedVersionMet('any', actual))).toEqual([true, true]);
    expect([2, 3, 4].map((actual) => isExpectedVersionMet(3, actual))).toEqual([false, true, false]);
  });

  it('checkExpectedVersion lets through the three words and whole versions from 1, and explains what it refuses', () => {
    for (const ok of ['any', 'no_stream', 'stream_exists', 1, 2, Number.MAX_SAFE_INTEGER] as const) expect(() => checkExpectedVersion(ok)).not.toThrow();
    expect(() => checkExpectedVersion(0)).toThrow(new RangeError("Invalid expected version 0: a stream that must not exist yet is expected as 'no_stream'"));
    expect(() => checkExpectedVersion(-3)).toThrow(new RangeError("Invalid expected version -3: 'any', 'no_stream', 'stream_exists' or an exact version, an integer ≥ 1"));
    for (const bad of [1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1, 'exists' as 'any', '1' as unknown as number]) {
      expect(() => checkExpectedVersion(bad), String(bad)).toThrow(RangeError);
    }
  });
});
