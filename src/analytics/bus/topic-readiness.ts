import { sleep } from '../../shared/sleep.ts';

/** Errors a broker gives while a new topic's metadata and leadership are still spreading through it. */
const NOT_YET_SERVED = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * Runs an admin request on fresh topics again, with growing waits, while the broker answers that it does not
 * serve them yet. Right after CreateTopics the broker's own metadata can lag its controller: createTopics'
 * waitForLeaders may read "does not host this topic-partition", and the first ListOffsets, produce or DeleteTopics
 * "not the leader"; kafkajs' admin retries only some of these. Any other error, or one still there when the time
 * is spent, is thrown, so a broken broker still fails the start.
 */
export async function retryUntilServed<T>(attempt: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 50; ; wait = Math.min(wait * 2, 1_000)) {
    try {
      return await attempt();
    } catch (error) {
      if (!NOT_YET_SERVED.has(protocolErrorType(error)) || Date.now() + wait > deadline) throw error;
      await sleep(wait);
    }
  }
}

/** The Kafka error code name of a protocol error, through kafkajs' retry wrappers (which keep it as the cause). */
function protocolErrorType(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    const type = (current as { type?: unknown }).type;
    if (typeof type === 'string') return type;
    current = current.cause;
  }
  return '';
}
