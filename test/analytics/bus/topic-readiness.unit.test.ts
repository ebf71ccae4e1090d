import { KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { retryUntilServed } from '../../../src/analytics/bus/topic-readiness.ts';

// kafkajs's typings lag its runtime (protocol error fields), so those are attached by hand.
const protocolError = (type: string): KafkaJSProtocolError =>
  new KafkaJSProtocolError(Object.assign(new Error(type), { type, code: 0, retriable: true }));
// What kafkajs' admin rejects with when its retrier bails out on an error it does not retry.
const bailed = (error: Error): Error => Object.assign(new KafkaJSNonRetriableError(error), { cause: error });

/** A request that fails with the given errors, one attempt each, then answers with the number of attempts. */
function request(failures: Error[]): { attempt: () => Promise<number>; attempts: () => number } {
  let attempts = 0;
  return {
    attempts: () => attempts,
    attempt: async () => {
      attempts++;
      const failure = failures.shift();
      if (failure) throw failure;
      return attempts;
    },
  };
}

describe('retryUntilServed: admin requests on topics the broker does not serve yet', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each([
    ['not the leader (bailed out by the admin retrier)', bailed(protocolError('NOT_LEADER_FOR_PARTITION'))],
    ['does not host this topic-partition (retries exhausted)', new KafkaJSNumberOfRetriesExceeded(protocolError('UNKNOWN_TOPIC_OR_PARTITION'), { retryCount: 5, retryTime: 100 })],
    ['no leader yet', protocolError('LEADER_NOT_AVAILABLE')],
  ])('tries again while the broker answers %s, and returns the answer', async (_what, error) => {
    const r = request([error, error]);
    await expect(retryUntilServed(r.attempt)).resolves.toBe(3);
  });

  it('throws any other error at once', async () => {
    const denied = bailed(protocolError('TOPIC_AUTHORIZATION_FAILED'));
    const r = request([denied]);
    await expect(retryUntilServed(r.attempt)).rejects.toBe(denied);
    expect(r.attempts()).toBe(1);
  });

  it('gives up with the last error once the time is spent, so a broken broker still fails the start', async () => {
    const notLeader = bailed(protocolError('NOT_LEADER_FOR_PARTITION'));
    const r = request(Array.from({ length: 100 }, () => notLeader));
    vi.useFakeTimers(); // the clock the deadline reads and the waits move together, however busy the machine
    const gaveUp = expect(retryUntilServed(r.attempt, 200)).rejects.toBe(notLeader);
    await vi.runAllTimersAsync();
    await gaveUp;
    // 50 + 100 ms of waits fit in 200 ms, the next 200 ms would not: three attempts.
    expect(r.attempts()).toBe(3);
  });
});
