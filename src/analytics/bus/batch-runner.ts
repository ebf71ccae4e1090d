import type { BusMessage, ConsumedMessage, Topic } from '../../shared/event-bus.ts';
import { isUnavailable } from '../../shared/errors.ts';
import { boundedReason, deadLetterOf } from './dead-letters.ts';
import { DEFAULT_MAX_ATTEMPTS, redeliveryDelay, type RedeliveryOptions } from './redelivery.ts';

/** How one attempt at a batch ended: the work resolved, threw, or was given up on (a stop that timed out). */
export type AttemptOutcome = { readonly kind: 'ok' } | { readonly kind: 'failed'; readonly error: unknown } | { readonly kind: 'abandoned' };

/** What a subscriber gave the bus (EventBus.subscribe). */
export interface BatchConsumer {
  readonly onBatch: (messages: readonly ConsumedMessage[]) => Promise<void>;
  readonly onError?: ((error: unknown) => void) | undefined;
  readonly onDeadLetter?: ((messages: readonly ConsumedMessage[], reason: string) => void) | undefined;
}

/** What differs between the adapters: how an attempt runs, how the wait between two goes, when to stop trying. */
export interface BatchRunnerHooks {
  readonly redelivery?: RedeliveryOptions | undefined;
  /** The bus's own publish: the dead letters go through it. */
  readonly publish: (topic: Topic, messages: readonly BusMessage[]) => Promise<void>;
  /** Runs one attempt (Kafka heartbeats meanwhile); `abandoned` when a stop gave up on it. */
  readonly attempt: (work: () => Promise<void>) => Promise<AttemptOutcome>;
  /** Waits before the next attempt; false when the consumer stops meanwhile. */
  readonly wait: (delayMs: number) => Promise<boolean>;
  /** Asked before every attempt; false (stopping, Kafka: the partition moved) leaves the batch uncommitted. */
  readonly active: () => boolean;
  /** Failures of this adapter that also mean "unavailable", besides isUnavailable's (Kafka's raw broker errors). */
  readonly isUnavailable?: ((error: unknown) => boolean) | undefined;
}

/** `commit`: the batch was handled or dead-lettered, its offsets may be committed; `leave`: it stays for the next consumer. */
export type BatchEnd = 'commit' | 'leave';

/**
 * One batch through its handler, the same way on both buses (PostHog ingestion's outcomes, at the batch level):
 *
 * - the handler resolves: `commit`;
 * - it throws because a store or the broker is unavailable (ServiceUnavailableError, a connection failure):
 *   nothing is wrong with the batch, so it is offered again after the doubling backoff, without bound; giving up
 *   would lose events that a restarted ClickHouse or Kafka takes a minute later;
 * - it throws anything else: offered again the same way, but after `maxAttempts` such refusals in a row the
 *   batch is published to the dead letters, every message with the reason and its source (the sink's shape),
 *   `onDeadLetter` is told, and the partition moves on instead of stalling behind one batch forever. A batch read
 *   from the dead letters is never dead-lettered again: there is nowhere further to put it.
 *
 * Every failure goes to `onError` first. The very same messages are offered each time, even if more arrived.
 */
export async function runBatch(messages: readonly ConsumedMessage[], consumer: BatchConsumer, hooks: BatchRunnerHooks): Promise<BatchEnd> {
  const maxAttempts = hooks.redelivery?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const mayDeadLetter = messages[0]?.topic !== 'dead-letters';
  const unavailable = (error: unknown): boolean => isUnavailable(error) || (hooks.isUnavailable?.(error) ?? false);
  let refusals = 0;
  for (let attempt = 0; ; attempt++) {
    if (!hooks.active()) return 'leave';
    const outcome = await hooks.attempt(() => consumer.onBatch(messages));
    if (outcome.kind === 'abandoned') return 'leave';
    if (outcome.kind === 'ok') return 'commit';
    consumer.onError?.(outcome.error);
    // Only refusals in a row count: an outage in between says the store was not itself, not that it refused.
    refusals = unavailable(outcome.error) ? 0 : refusals + 1;
    if (mayDeadLetter && refusals >= maxAttempts) {
      const reason = boundedReason(`handler failed ${refusals} times: ${describe(outcome.error)}`);
      return deadLetter(messages, reason, attempt + 1, consumer, hooks);
    }
    if (!(await hooks.wait(redeliveryDelay(attempt, hooks.redelivery)))) return 'leave';
  }
}

/** Publishes the batch as dead letters, retrying (the bus may be down) until it is accepted or the consumer stops. */
async function deadLetter(messages: readonly ConsumedMessage[], reason: string, attempt: number, consumer: BatchConsumer, hooks: BatchRunnerHooks): Promise<BatchEnd> {
  const letters = messages.map((message) => deadLetterOf(message, reason));
  for (; ; attempt++) {
    if (!hooks.active()) return 'leave';
    const outcome = await hooks.attempt(() => hooks.publish('dead-letters', letters));
    if (outcome.kind === 'abandoned') return 'leave';
    if (outcome.kind === 'ok') {
      consumer.onDeadLetter?.(messages, reason);
      return 'commit';
    }
    consumer.onError?.(outcome.error);
    if (!(await hooks.wait(redeliveryDelay(attempt, hooks.redelivery)))) return 'leave';
  }
}

const describe = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/**
 * Runs `work` as one attempt that a stop may give up on: `hold` receives the function that abandons it while it
 * runs, and `undefined` once it is over. An abandoned attempt keeps running, unobserved, as after a crash.
 */
export function abandonable(work: () => Promise<void>, hold: (abandon: (() => void) | undefined) => void): Promise<AttemptOutcome> {
  return new Promise<AttemptOutcome>((resolve) => {
    hold(() => resolve({ kind: 'abandoned' }));
    Promise.resolve()
      .then(work)
      .then(
        () => resolve({ kind: 'ok' }),
        (error: unknown) => resolve({ kind: 'failed', error }),
      );
  }).finally(() => hold(undefined));
}
