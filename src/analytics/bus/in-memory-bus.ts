import type { BusMessage, BusSubscription, ConsumedMessage, EventBus, Topic } from '../../shared/event-bus.ts';
import { BusUnavailableError } from './bus-errors.ts';
import { sleep } from '../../shared/sleep.ts';
import type { RedeliveryOptions } from './redelivery.ts';
import { abandonable, runBatch, type BatchConsumer } from './batch-runner.ts';

/**
 * The embedded bus, so that `npm start` needs no broker: durable enough for one process (the sink is fed directly,
 * no loss on clean shutdown). It keeps Kafka's semantics so that code tested against it behaves the same on Kafka: one
 * append-only log per topic (a single partition, so everything stays in order), consumer groups whose offsets
 * are committed only after the handler resolved, a failed batch run by the same runner as Kafka's (offered again
 * after a backoff, dead-lettered if the handler keeps refusing it: batch-runner.ts), and a new group starting at
 * the oldest message kept. What it cannot give is durability across a crash: the log lives in
 * memory, so `close()` waits for every group to consume what was published before it stops.
 */
export interface InMemoryBusOptions {
  /** Most messages handed to one `onBatch` call; default 1000. */
  readonly maxBatchSize?: number;
  readonly redelivery?: RedeliveryOptions;
  /** How long `close()` waits for the groups to consume everything; default 10 s. */
  readonly closeTimeoutMs?: number;
  /**
   * How long `stop()` waits for the batch in hand; default 10 s. Past it the batch is abandoned: its offsets
   * are not committed, so the group's next consumer gets it again, as after a crash.
   */
  readonly stopTimeoutMs?: number;
  /** Messages kept on a topic no group has ever read (the dead letters, typically); default 100,000. */
  readonly unreadRetention?: number;
}

interface TopicLog {
  readonly topic: Topic;
  /** Offset of `messages[0]`: messages every group has committed are dropped, as Kafka's retention would. */
  base: number;
  messages: ConsumedMessage[];
  /** Groups that ever subscribed: their committed offsets decide what may be dropped. */
  readonly readers: Set<Group>;
}

interface Group {
  readonly id: string;
  readonly committed: Map<Topic, number>;
  /** Like one partition in Kafka, a group has one active member; the others wait for it to leave. */
  readonly members: Member[];
}

interface Member extends BatchConsumer {
  readonly group: Group;
  readonly topics: readonly Topic[];
  readonly stopping: AbortController;
  /** Set while the member waits for work or for its turn; calling it wakes the loop. */
  wake: (() => void) | undefined;
  /** Set while a batch is in hand; calling it gives up on the batch without committing. */
  abandonBatch: (() => void) | undefined;
  done: Promise<void>;
}

interface Batch {
  readonly topic: Topic;
  readonly messages: readonly ConsumedMessage[];
}

const TOPICS: readonly Topic[] = ['exposures', 'metrics', 'dead-letters'];

export function createInMemoryBus(options: InMemoryBusOptions = {}): EventBus {
  const maxBatchSize = options.maxBatchSize ?? 1_000;
  const closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  const unreadRetention = options.unreadRetention ?? 100_000;

  const logs = new Map<Topic, TopicLog>(TOPICS.map((topic) => [topic, { topic, base: 0, messages: [], readers: new Set() }]));
  const groups = new Map<string, Group>();
  /** Set once close() has drained the groups: until then publishing goes on (the sink's dead letters need it). */
  let closed = false;
  let closing = false;

  const logOf = (topic: Topic): TopicLog => {
    const log = logs.get(topic);
    if (!log) throw new Error(`unknown topic ${String(topic)}`);
    return log;
  };
  const end = (log: TopicLog): number => log.base + log.messages.length;
  const committedOf = (group: Group, topic: Topic): number => group.committed.get(topic) ?? logOf(topic).base;

  const wakeActiveMembers = (): void => {
    for (const group of groups.values()) group.members[0]?.wake?.();
  };

  /** Drops what every reader has committed; keeps a bounded tail of topics nobody reads. */
  const trim = (log: TopicLog): void => {
    let keepFrom: number;
    if (log.readers.size === 0) {
      keepFrom = Math.max(log.base, end(log) - unreadRetention);
    } else {
      keepFrom = Math.min(...[...log.readers].map((group) => group.committed.get(log.topic) ?? log.base));
    }
    const drop = keepFrom - log.base;
    // Splicing is linear in what remains, so drop either everything (the usual case: readers keep up) or big chunks.
    if (drop > 0 && (drop === log.messages.length || drop >= 4_096)) {
      log.messages = log.messages.slice(drop);
      log.base = keepFrom;
    }
  };

  const publish = async (topic: Topic, messages: readonly BusMessage[]): Promise<void> => {
    if (closed) throw new BusUnavailableError('The event bus is closed');
    const log = logOf(topic);
    for (const message of messages) {
      log.messages.push({
        topic,
        partition: 0,
        offset: String(end(log)),
        key: message.key,
        value: message.value,
        ...(message.headers ? { headers: { ...message.headers } } : {}),
      });
    }
    if (log.readers.size === 0) trim(log);
    wakeActiveMembers();
  };

  const nextBatch = (member: Member, cursor: number): { batch: Batch; index: number } | undefined => {
    for (let i = 0; i < member.topics.length; i++) {
      const index = (cursor + i) % member.topics.length;
      const topic = member.topics[index]!;
      const log = logOf(topic);
      const from = committedOf(member.group, topic) - log.base;
      if (from < log.messages.length) {
        return { batch: { topic, messages: log.messages.slice(from, from + maxBatchSize) }, index };
      }
    }
    return undefined;
  };

  const waitForWake = (member: Member): Promise<void> =>
    new Promise<void>((resolve) => {
      member.wake = resolve;
    }).finally(() => {
      member.wake = undefined;
    });

  const consume = async (member: Member): Promise<void> => {
    const { group, stopping } = member;
    while (group.members[0] !== member) {
      if (stopping.signal.aborted) return;
      await waitForWake(member);
    }
    let cursor = 0;
    while (!stopping.signal.aborted) {
      const next = nextBatch(member, cursor);
      if (!next) {
        await waitForWake(member);
        continue;
      }
      const result = await runBatch(next.batch.messages, member, {
        redelivery: options.redelivery,
        publish,
        attempt: (work) =>
          abandonable(work, (abandon) => {
            member.abandonBatch = abandon;
          }),
        wait: (delayMs) => sleep(delayMs, stopping.signal),
        active: () => !stopping.signal.aborted,
      });
      if (result === 'leave') return;
      const last = next.batch.messages.at(-1)!;
      group.committed.set(next.batch.topic, Number(last.offset) + 1);
      trim(logOf(next.batch.topic));
      cursor = (next.index + 1) % member.topics.length;
    }
  };

  const stopMember = async (member: Member): Promise<void> => {
    if (!member.stopping.signal.aborted) {
      member.stopping.abort();
      member.wake?.();
    }
    const timer = setTimeout(() => member.abandonBatch?.(), stopTimeoutMs);
    try {
      await member.done;
    } finally {
      clearTimeout(timer);
    }
    const members = member.group.members;
    const index = members.indexOf(member);
    if (index >= 0) {
      members.splice(index, 1);
      if (index === 0) members[0]?.wake?.();
    }
  };

  const drained = (): boolean => {
    for (const group of groups.values()) {
      const member = group.members[0];
      if (!member || member.stopping.signal.aborted) continue;
      if (member.topics.some((topic) => committedOf(group, topic) < end(logOf(topic)))) return false;
    }
    return true;
  };

  return {
    publish,

    async subscribe({ groupId, topics, onBatch, onError, onDeadLetter }): Promise<BusSubscription> {
      if (closing) throw new BusUnavailableError('The event bus is closed');
      if (topics.length === 0) throw new Error('subscribe needs at least one topic');
      let group = groups.get(groupId);
      if (!group) {
        group = { id: groupId, committed: new Map(), members: [] };
        groups.set(groupId, group);
      }
      const member: Member = {
        group,
        topics: [...new Set(topics)],
        onBatch,
        onError,
        onDeadLetter,
        stopping: new AbortController(),
        wake: undefined,
        abandonBatch: undefined,
        done: Promise.resolve(),
      };
      for (const topic of member.topics) logOf(topic).readers.add(group);
      group.members.push(member);
      member.done = consume(member);
      return { stop: () => stopMember(member) };
    },

    async consumerLag(groupId: string, topics: readonly Topic[]): Promise<number> {
      const group = groups.get(groupId);
      return topics.reduce((sum, topic) => sum + end(logOf(topic)) - (group ? committedOf(group, topic) : logOf(topic).base), 0);
    },

    async close(): Promise<void> {
      closing = true;
      const deadline = Date.now() + closeTimeoutMs;
      while (!drained() && Date.now() < deadline) await sleep(5);
      const members = [...groups.values()].flatMap((group) => group.members);
      for (const member of members) {
        const behind = member.topics.reduce((sum, topic) => sum + end(logOf(topic)) - committedOf(member.group, topic), 0);
        if (behind > 0 && member === member.group.members[0]) {
          member.onError?.(new Error(`in-memory bus closed with ${behind} message(s) not consumed by group ${member.group.id}`));
        }
      }
      closed = true;
      await Promise.all(members.map((member) => stopMember(member)));
    },
  };
}
