import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/sdk/backoff.ts';
import { EventBatcher, type SendOutcome } from '../../src/sdk/event-batcher.ts';
import type { TrackedEvent } from '../../src/shared/tracked-events.ts';

const event = (i: number): TrackedEvent => ({ type: 'metric', eventId: `e-${i}`, name: 'purchase', unitId: `u-${i}`, timestamp: '2025-01-01T00:00:00Z' });
const options = { flushIntervalMs: 5, maxBuffer: 1_000, maxBatch: 10, retry: { initialDelayMs: 5, maxDelayMs: 20 } };

/** A fake server answering each send with the next scripted outcome (accepted when the script runs out). */
function scripted(outcomes: SendOutcome[]): { send: (events: readonly TrackedEvent[]) => Promise<SendOutcome>; received: string[][] } {
  const received: string[][] = [];
  return {
    received,
    send: async (events) => {
      received.push(events.map((e) => e.eventId));
      return outcomes.shift() ?? { kind: 'accepted' };
    },
  };
}

describe('EventBatcher', () => {
  it('sends in batches of maxBatch and retries a failed batch, the same events again', async () => {
    const server = scripted([{ kind: 'retry', error: new Error('503') }, { kind: 'retry', error: new Error('network') }]);
    const batcher = new EventBatcher(server.send, options);
    for (let i = 0; i < 25; i++) batcher.push(event(i));
    await batcher.close(5_000);
    expect(server.received.map((b) => b.length)).toEqual([10, 10, 10, 10, 5]);
    expect(server.received[0]).toEqual(server.received[2]); // the retried batch is the very same events (same ids)
    expect(batcher.stats).toEqual({ sent: 25, dropped: 0, pending: 0 });
  });

  it('drops a batch the server refuses (4xx), and only the events a 400 names', async () => {
    const server = scripted([{ kind: 'rejected', error: new Error('403') }, { kind: 'partly-invalid', invalid: new Set([1, 4]), error: new Error('400') }]);
    const errors: Error[] = [];
    const batcher = new EventBatcher(server.send, options, (e) => errors.push(e));
    for (let i = 0; i < 20; i++) batcher.push(event(i));
    await batcher.close(5_000);
    expect(server.received[1]).toEqual(['e-10', 'e-11', 'e-12', 'e-13', 'e-14', 'e-15', 'e-16', 'e-17', 'e-18', 'e-19']);
    expect(server.received[2]).toEqual(['e-10', 'e-12', 'e-13', 'e-15', 'e-16', 'e-17', 'e-18', 'e-19']);
    expect(batcher.stats).toEqual({ sent: 8, dropped: 12, pending: 0 });
    expect(errors.map((e) => e.message)).toEqual(['403', '400']);
  });

  it('bounds its buffer: past maxBuffer new events are refused and counted', async () => {
    const batcher = new EventBatcher(async () => ({ kind: 'retry', error: new Error('down') }), { ...options, maxBuffer: 30 });
    const pushed = Array.from({ length: 45 }, (_, i) => batcher.push(event(i)));
    expect(pushed.filter((ok) => !ok)).toHaveLength(15);
    expect(batcher.stats).toMatchObject({ dropped: 15, pending: 30 });
    await batcher.close(50); // still down: what is left is dropped, and said so
    expect(batcher.stats).toEqual({ sent: 0, dropped: 45, pending: 0 });
  });

  it('abandoned (the key was refused) from inside a send, sends nothing more and counts the rest as dropped', async () => {
    const server = scripted([{ kind: 'rejected', error: new Error('401') }]);
    const batcher: EventBatcher = new EventBatcher(server.send, options, () => batcher.abandon());
    for (let i = 0; i < 25; i++) batcher.push(event(i));
    await batcher.flush();
    expect(batcher.push(event(99))).toBe(false);
    await batcher.close(5_000);
    expect(server.received.map((b) => b.length)).toEqual([10]);
    expect(batcher.stats).toEqual({ sent: 0, dropped: 26, pending: 0 });
  });
});

describe('backoffDelay', () => {
  it('grows exponentially up to the ceiling, jittered below it', () => {
    const o = { initialDelayMs: 100, maxDelayMs: 5_000 };
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, o, () => 0.999))).toEqual([99, 199, 399, 799, 4_995]);
    expect(backoffDelay(3, o, () => 0)).toBe(10);
    const samples = new Set(Array.from({ length: 50 }, () => backoffDelay(4, o)));
    expect(samples.size).toBeGreaterThan(10);
  });
});
