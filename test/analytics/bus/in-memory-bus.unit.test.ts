import { describe, expect, it } from 'vitest';
import { BusUnavailableError } from '../../../src/analytics/bus/bus-errors.ts';
import { createInMemoryBus } from '../../../src/analytics/bus/in-memory-bus.ts';
import { ServiceUnavailableError } from '../../../src/shared/errors.ts';
import type { ConsumedMessage } from '../../../src/shared/event-bus.ts';
import { eventBusContract } from './event-bus-contract.ts';

eventBusContract(
  'in-memory',
  async () => ({ bus: createInMemoryBus({ maxBatchSize: 100, redelivery: { initialMs: 5, maxMs: 20 } }), group: (name) => name }),
  { deliveryTimeoutMs: 5_000, manyMessages: 20_000, quietMs: 20 },
);

const message = (n: number) => ({ key: `k${n % 3}`, value: String(n) });

describe('in-memory bus', () => {
  it('hands out batches of at most maxBatchSize messages', async () => {
    const bus = createInMemoryBus({ maxBatchSize: 7 });
    await bus.publish('exposures', Array.from({ length: 20 }, (_, n) => message(n)));
    const sizes: number[] = [];
    await bus.subscribe({ groupId: 'g', topics: ['exposures'], onBatch: async (batch) => void sizes.push(batch.length) });
    await bus.close();
    expect(sizes).toEqual([7, 7, 6]);
  });

  it('close() waits until every group has consumed and committed what was published, even through failures', async () => {
    const bus = createInMemoryBus({ redelivery: { initialMs: 5, maxMs: 5 } });
    const seen: string[] = [];
    let failures = 2;
    await bus.subscribe({
      groupId: 'sink',
      topics: ['exposures', 'metrics'],
      onBatch: async (batch) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (failures-- > 0) throw new Error('transient');
        seen.push(...batch.map((m) => m.value));
      },
    });
    await bus.publish('exposures', [message(1), message(2)]);
    await bus.publish('metrics', [message(3)]);
    await bus.close();
    expect(seen.sort()).toEqual(['1', '2', '3']);
    await expect(bus.publish('exposures', [message(4)])).rejects.toBeInstanceOf(BusUnavailableError);
  });

  // A close() that ignored closeTimeoutMs would wait its 10 s default, past this test's 5 s timeout. The store is
  // down (unavailable), so the batch is retried without bound rather than dead-lettered.
  it('close() gives up after its timeout on a group that keeps failing, and says so', async () => {
    const bus = createInMemoryBus({ closeTimeoutMs: 100, redelivery: { initialMs: 5, maxMs: 5 } });
    const errors: string[] = [];
    await bus.subscribe({
      groupId: 'broken',
      topics: ['metrics'],
      onBatch: async () => {
        throw new ServiceUnavailableError('broken');
      },
      onError: (error) => errors.push((error as Error).message),
    });
    await bus.publish('metrics', [message(1)]);
    await bus.close();
    expect(errors).toContain('in-memory bus closed with 1 message(s) not consumed by group broken');
  });

  it('stop() abandons a batch that outlasts stopTimeoutMs without committing it', async () => {
    const bus = createInMemoryBus({ stopTimeoutMs: 50 });
    await bus.publish('exposures', [message(1)]);
    let calls = 0;
    const hung = await bus.subscribe({ groupId: 'g', topics: ['exposures'], onBatch: () => (calls++, new Promise<void>(() => {})) });
    while (calls === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    await hung.stop();
    const received: ConsumedMessage[] = [];
    await bus.subscribe({ groupId: 'g', topics: ['exposures'], onBatch: async (batch) => void received.push(...batch) });
    await bus.close();
    expect(received.map((m) => m.value)).toEqual(['1']);
  });

  it('a second member of a group waits until the first leaves, then resumes at its committed offset', async () => {
    const bus = createInMemoryBus();
    const first: string[] = [];
    const second: string[] = [];
    const one = await bus.subscribe({ groupId: 'g', topics: ['metrics'], onBatch: async (b) => void first.push(...b.map((m) => m.value)) });
    await bus.subscribe({ groupId: 'g', topics: ['metrics'], onBatch: async (b) => void second.push(...b.map((m) => m.value)) });
    await bus.publish('metrics', [message(1)]);
    while (first.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    await one.stop();
    await bus.publish('metrics', [message(2)]);
    await bus.close();
    expect({ first, second }).toEqual({ first: ['1'], second: ['2'] });
  });

  it('drops what every group has committed, and keeps only a bounded tail of topics nobody reads', async () => {
    const bus = createInMemoryBus({ unreadRetention: 10 });
    await bus.publish('dead-letters', Array.from({ length: 5_000 }, (_, n) => message(n)));
    const late: string[] = [];
    await bus.subscribe({ groupId: 'late', topics: ['dead-letters'], onBatch: async (b) => void late.push(...b.map((m) => m.value)) });
    await bus.close();
    // The first 4,990 went (in one chunk, as chunks of 4,096 or more are dropped); the offsets stay Kafka-like.
    expect(late).toEqual(Array.from({ length: 10 }, (_, i) => String(4_990 + i)));
  });
});
