import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS } from '../../../src/analytics/bus/dead-letters.ts';
import { AnalyticsStoreUnavailableError } from '../../../src/analytics/store/errors.ts';
import type { BusSubscription, ConsumedMessage, EventBus } from '../../../src/shared/event-bus.ts';
import { eventually } from '../../support/eventually.ts';
import type { BusHarness } from './event-bus-contract.ts';

/** What a bus under this suite is opened with: the handler gets `MAX_ATTEMPTS` refusals before its batch is dead-lettered. */
export const MAX_ATTEMPTS = 3;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The batch outcomes both buses give a handler (batch-runner.ts): a batch it keeps refusing goes to the dead
 * letters after MAX_ATTEMPTS and the partition moves on; a batch it fails because a store is down is retried
 * without bound. `open` gives a bus with one partition per topic and `redelivery.maxAttempts` = MAX_ATTEMPTS.
 */
export function busOutcomesContract(name: string, open: () => Promise<BusHarness>, options: { quietMs: number }): void {
  describe(`bus batch outcomes: ${name}`, () => {
    let harness: BusHarness;
    let bus: EventBus;
    const subscriptions: BusSubscription[] = [];

    beforeEach(async () => {
      harness = await open();
      bus = harness.bus;
    });
    afterEach(async () => {
      for (const subscription of subscriptions.splice(0)) await subscription.stop();
      await bus.close();
      await harness.cleanup?.();
    });

    const readDeadLetters = async (): Promise<ConsumedMessage[]> => {
      const letters: ConsumedMessage[] = [];
      subscriptions.push(await bus.subscribe({ groupId: harness.group('dead-letter-reader'), topics: ['dead-letters'], onBatch: async (b) => void letters.push(...b) }));
      return letters;
    };

    it('dead-letters a batch the handler keeps refusing, with the reason and the source, after MAX_ATTEMPTS, and goes on', async () => {
      const letters = await readDeadLetters();
      const calls: (readonly ConsumedMessage[])[] = [];
      const accepted: string[] = [];
      const deadLettered: { values: string[]; reason: string }[] = [];
      const errors: unknown[] = [];
      const refusal = new Error('the store refuses this batch');
      subscriptions.push(
        await bus.subscribe({
          groupId: harness.group('refusing'),
          topics: ['metrics'],
          onBatch: async (batch) => {
            calls.push(batch);
            if (batch.some((m) => m.value.startsWith('poison'))) throw refusal;
            accepted.push(...batch.map((m) => m.value));
          },
          onError: (error) => errors.push(error),
          onDeadLetter: (messages, reason) => deadLettered.push({ values: messages.map((m) => m.value), reason }),
        }),
      );

      await bus.publish('metrics', [
        { key: 'u-1', value: 'poison-1', headers: { trace: 'abc' } },
        { key: 'u-1', value: 'poison-2', headers: { trace: 'def' } },
      ]);
      await eventually(async () => expect(deadLettered).toHaveLength(1), 30_000, 20);
      await bus.publish('metrics', [{ key: 'u-1', value: 'after' }]);
      await eventually(async () => expect(accepted).toEqual(['after']), 30_000, 20);
      await eventually(async () => expect(letters).toHaveLength(2), 30_000, 20);
      await pause(options.quietMs);

      const reason = 'handler failed 3 times: Error: the store refuses this batch';
      const poisoned = calls[0]!;
      expect(poisoned.map((m) => m.value)).toEqual(['poison-1', 'poison-2']);
      // The very same batch each time, and no more often than MAX_ATTEMPTS.
      expect(calls.slice(0, MAX_ATTEMPTS)).toEqual([poisoned, poisoned, poisoned]);
      expect(calls.slice(MAX_ATTEMPTS).map((batch) => batch.map((m) => m.value))).toEqual([['after']]);
      expect(errors).toEqual([refusal, refusal, refusal]);
      expect(deadLettered).toEqual([{ values: ['poison-1', 'poison-2'], reason }]);
      expect(
        letters.map((letter) => ({
          key: letter.key,
          value: letter.value,
          trace: letter.headers?.trace,
          reason: letter.headers?.[DEAD_LETTER_HEADERS.reason],
          source: [letter.headers?.[DEAD_LETTER_HEADERS.topic], letter.headers?.[DEAD_LETTER_HEADERS.partition], letter.headers?.[DEAD_LETTER_HEADERS.offset]],
        })),
      ).toEqual(
        poisoned.map((message) => ({
          key: 'u-1',
          value: message.value,
          trace: message.headers?.trace,
          reason,
          source: ['metrics', String(message.partition), message.offset],
        })),
      );
      // Committed: nothing of the group's topic is left behind.
      await eventually(async () => expect(await bus.consumerLag(harness.group('refusing'), ['metrics'])).toBe(0), 30_000, 20);
    });

    it('retries a batch without bound while the store is unavailable, and stores it once the store is back', async () => {
      const letters = await readDeadLetters();
      let calls = 0;
      const accepted: string[] = [];
      const deadLettered: unknown[] = [];
      const outage = 4 * MAX_ATTEMPTS;
      subscriptions.push(
        await bus.subscribe({
          groupId: harness.group('waiting'),
          topics: ['exposures'],
          onBatch: async (batch) => {
            if (++calls <= outage) throw new AnalyticsStoreUnavailableError();
            accepted.push(...batch.map((m) => m.value));
          },
          onDeadLetter: (messages) => deadLettered.push(messages),
        }),
      );
      await bus.publish('exposures', [{ key: 'u-1', value: 'one' }]);
      await eventually(async () => expect(accepted).toEqual(['one']), 30_000, 20);
      await pause(options.quietMs);
      expect(calls).toBe(outage + 1);
      expect(deadLettered).toEqual([]);
      expect(letters).toEqual([]);
    });
  });
}
