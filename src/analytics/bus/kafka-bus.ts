import { Buffer } from 'node:buffer';
// kafkajs is CommonJS and Node cannot see all its names as ESM named exports (KafkaJSError among them):
// import the module object, then take what is needed from it.
import kafkajs from 'kafkajs';
import type { Batch, Consumer, EachBatchPayload, IHeaders, KafkaMessage, LogEntry, logLevel as KafkaJsLogLevel, Message, Producer } from 'kafkajs';
import type { BusMessage, BusSubscription, ConsumedMessage, EventBus, Topic } from '../../shared/event-bus.ts';
import { BusUnavailableError } from './bus-errors.ts';
import { sleep } from '../../shared/sleep.ts';
import { retryUntilServed } from './topic-readiness.ts';
import { redeliveryDelay, type RedeliveryOptions } from './redelivery.ts';
import { abandonable, runBatch, type AttemptOutcome } from './batch-runner.ts';

const { Kafka, KafkaJSError, Partitioners, logLevel: kafkaLogLevel } = kafkajs;

/** How much of kafkajs' own logging to pass on (see `KafkaBusOptions.logLevel`). */
export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

export interface KafkaLogEntry {
  readonly level: Exclude<KafkaLogLevel, 'nothing'>;
  readonly namespace: string;
  readonly message: string;
  readonly extra: Readonly<Record<string, unknown>>;
}

export interface KafkaBusOptions {
  readonly brokers: string[];
  /** Default `flagstaff`. */
  readonly clientId?: string;
  /** Default `flagstaff.`. */
  readonly topicPrefix?: string;
  /** Partitions of the topics this bus creates (existing topics are left alone); default 3. */
  readonly partitions?: number;
  /** Replication factor of the topics this bus creates; default: the broker's `default.replication.factor`. */
  readonly replicationFactor?: number;
  /**
   * kafkajs logging, default `error`. kafkajs is chatty: it logs retried, harmless answers (a coordinator
   * still loading) at ERROR, so tests pass `nothing`; real failures reach callers as rejections or `onError`.
   */
  readonly logLevel?: KafkaLogLevel;
  /** Where kafkajs log entries go; default one line each on stderr. */
  readonly log?: (entry: KafkaLogEntry) => void;
  /** Backoff before a batch whose handler threw is offered again, and how many refusals dead-letter it. */
  readonly redelivery?: RedeliveryOptions;
  /** `publish` gives up (BusUnavailableError) when the broker has not acknowledged by then; default 10 s. */
  readonly publishTimeoutMs?: number;
  /** How long `stop()` waits for the batch in hand before abandoning it uncommitted; default 10 s. */
  readonly stopTimeoutMs?: number;
  /** Consumer session timeout; default 30 s (the broker allows 6 s to 300 s). */
  readonly sessionTimeoutMs?: number;
  /** Default 3 s; also how often a long-running batch heartbeats. */
  readonly heartbeatIntervalMs?: number;
  /** Longest a fetch waits for data; bounds how quickly an idle consumer stops. Default 500 ms. */
  readonly maxWaitTimeMs?: number;
}

export interface KafkaBus extends EventBus {
  /**
   * Creates the missing topics and connects the producer. `publish` and `subscribe` do this themselves, so
   * a server that starts while Kafka is down still starts (and answers 503 until Kafka is back); call it to
   * fail fast instead.
   */
  start(): Promise<void>;
  readonly topicNames: Readonly<Record<Topic, string>>;
}

const TOPICS: readonly Topic[] = ['exposures', 'metrics', 'dead-letters'];


/** Errors that mean "the broker could not be reached or did not answer", as opposed to "it refused the data". */
const UNAVAILABLE = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSTimeout',
  'KafkaJSLockTimeout',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSGroupCoordinatorNotFound',
]);

export function isBrokerUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    if (UNAVAILABLE.has(current.name)) return true;
    // Retriable protocol errors (leader not available, not enough replicas...) are the broker recovering.
    if (current instanceof KafkaJSError && current.name === 'KafkaJSProtocolError' && current.retriable) return true;
    current = current.cause;
  }
  return false;
}

/** What publish rejects with: BusUnavailableError for an unreachable broker, the error itself for anything else. */
export function toBusError(error: unknown): unknown {
  if (error instanceof BusUnavailableError) return error;
  if (isBrokerUnavailable(error)) {
    return new BusUnavailableError(`The event bus is unavailable: ${(error as Error).message}`, { cause: error });
  }
  return error;
}

const LEVELS: Record<KafkaLogLevel, KafkaJsLogLevel> = {
  nothing: kafkaLogLevel.NOTHING,
  error: kafkaLogLevel.ERROR,
  warn: kafkaLogLevel.WARN,
  info: kafkaLogLevel.INFO,
  debug: kafkaLogLevel.DEBUG,
};

const levelName = (level: KafkaJsLogLevel): KafkaLogEntry['level'] =>
  level === kafkaLogLevel.ERROR ? 'error' : level === kafkaLogLevel.WARN ? 'warn' : level === kafkaLogLevel.INFO ? 'info' : 'debug';

const logToStderr = (entry: KafkaLogEntry): void => {
  const error = typeof entry.extra.error === 'string' ? `: ${entry.extra.error}` : '';
  process.stderr.write(`kafkajs ${entry.level} [${entry.namespace}] ${entry.message}${error}\n`);
};

const headersOf = (headers: IHeaders | undefined): Record<string, string> | undefined => {
  if (!headers) return undefined;
  const result: Record<string, string> = {};
  let any = false;
  for (const [name, value] of Object.entries(headers)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first === undefined) continue;
    result[name] = first.toString();
    any = true;
  }
  return any ? result : undefined;
};

/**
 * Kafka records are packed: a publish's messages without headers travel many to a record, their values joined
 * by newlines and their keys in one header. kafkajs encodes, checksums and decodes every record in JavaScript
 * (about 20 µs of CPU per record, profiled: half of Flagstaff's whole pipeline cost); one record per few
 * thousand events makes that negligible. A message's partition is still decided by its key (its bucket, below),
 * so one unit's messages stay in order. Messages with headers (dead letters) and values holding a newline
 * travel alone, as plain records that any Kafka tool reads as they are.
 */
export const PACKED_HEADER = 'x-flagstaff-packed-keys';
/** The broker caps a partition's batch at message.max.bytes (1 MiB by default): a send stays below it even if all its records share one partition. */
const MAX_SEND_BYTES = 768 * 1024;
/** Small enough that several records, spread over the partitions, fill a send. */
const MAX_PACKED_BYTES = 192 * 1024;
const RECORD_OVERHEAD_BYTES = 64;

const toConsumed = (topic: Topic, partition: number, message: KafkaMessage): ConsumedMessage[] => {
  const headers = headersOf(message.headers);
  const value = message.value?.toString() ?? '';
  const packedKeys = headers?.[PACKED_HEADER];
  if (packedKeys === undefined) {
    return [{ topic, partition, offset: message.offset, key: message.key?.toString() ?? '', value, ...(headers ? { headers } : {}) }];
  }
  const lines = value.split('\n');
  const keys = packedKeysOf(packedKeys, lines.length);
  // A record that only claims to be packed is delivered whole: the sink sends it to the dead letters, the stream goes on.
  if (!keys) return [{ topic, partition, offset: message.offset, key: message.key?.toString() ?? '', value, ...(headers ? { headers } : {}) }];
  return lines.map((line, index) => ({ topic, partition, offset: message.offset, index, key: keys[index]!, value: line }));
};

function packedKeysOf(header: string, count: number): string[] | undefined {
  try {
    const keys: unknown = JSON.parse(header);
    return Array.isArray(keys) && keys.length === count && keys.every((key) => typeof key === 'string') ? (keys as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/** The djb2 hash of the key: one key, one bucket, one record key, one partition. */
function keyBucketOf(key: string, buckets: number): number {
  let hash = 5381;
  for (let i = 0; i < key.length; i++) hash = ((hash << 5) + hash + key.charCodeAt(i)) | 0;
  return (hash >>> 0) % buckets;
}

const sizeOf = (message: BusMessage): number => {
  let size = RECORD_OVERHEAD_BYTES + Buffer.byteLength(message.key) + Buffer.byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) size += name.length + Buffer.byteLength(value);
  return size;
};

/** The publish as Kafka records: packed per bucket in publish order, the others alone. */
export function* kafkaRecords(messages: readonly BusMessage[], buckets: number): Generator<{ message: Message; bytes: number }> {
  const open = new Map<number, { keys: string[]; values: string[]; bytes: number }>();
  const seal = (bucket: number) => {
    const packed = open.get(bucket)!;
    open.delete(bucket);
    return { message: { key: `bucket-${bucket}`, value: packed.values.join('\n'), headers: { [PACKED_HEADER]: JSON.stringify(packed.keys) } }, bytes: packed.bytes };
  };
  for (const message of messages) {
    const bytes = sizeOf(message);
    if (message.headers || message.value.includes('\n')) {
      yield { message: { key: message.key, value: message.value, ...(message.headers ? { headers: { ...message.headers } } : {}) }, bytes };
      continue;
    }
    const bucket = keyBucketOf(message.key, buckets);
    const current = open.get(bucket);
    if (current && current.bytes + bytes > MAX_PACKED_BYTES) yield seal(bucket);
    const packed = open.get(bucket) ?? { keys: [], values: [], bytes: RECORD_OVERHEAD_BYTES };
    packed.keys.push(message.key);
    packed.values.push(message.value);
    packed.bytes += bytes;
    open.set(bucket, packed);
  }
  for (const bucket of [...open.keys()]) yield seal(bucket);
}

/**
 * kafkajs groups a send's records per partition by copying the partition's array for every record (quadratic:
 * a tenth of Flagstaff's CPU at 4,000 records a send, profiled), so a send also holds at most this many.
 */
const MAX_SEND_RECORDS = 1_000;

/** Records grouped into sends below the broker's request cap: what `publish` sends, in order. */
export function* kafkaSends(messages: readonly BusMessage[], buckets: number): Generator<Message[]> {
  let send: Message[] = [];
  let bytes = 0;
  for (const record of kafkaRecords(messages, buckets)) {
    if (send.length > 0 && (bytes + record.bytes > MAX_SEND_BYTES || send.length >= MAX_SEND_RECORDS)) {
      yield send;
      send = [];
      bytes = 0;
    }
    send.push(record.message);
    bytes += record.bytes;
  }
  if (send.length > 0) yield send;
}

/**
 * The production bus: Apache Kafka through kafkajs.
 *
 * Publishing: one idempotent producer (acks from all in-sync replicas, one request in flight so batches stay
 * in order); `publish` resolves only once the broker acknowledged every message, and rejects with
 * BusUnavailableError when the broker cannot be reached or does not answer within `publishTimeoutMs`.
 *
 * Consuming (PostHog's rule: offsets are committed only after the batch's side effects are acknowledged):
 * `eachBatch` with auto-commit and auto-resolve off. A batch is one fetch of one partition; the handler runs
 * with heartbeats every `heartbeatIntervalMs`, so a slow batch does not cost the group membership. When it
 * resolves, the offset after the batch is committed explicitly; when it throws, the very same batch is offered
 * again after a bounded, doubling backoff (heartbeating meanwhile) and nothing is committed, until the handler
 * has refused it too often and it goes to the dead letters (batch-runner.ts, shared with the in-memory bus). If
 * the consumer stops or loses the partition in between, the uncommitted batch goes to whoever consumes the
 * partition next.
 *
 * Messages travel many to a Kafka record (`kafkaRecords` below): the per-record cost of kafkajs is what
 * limited the pipeline's throughput.
 *
 * Topics are `<prefix>exposures`, `<prefix>metrics` and `<prefix>dead-letters`, created on first use when
 * missing (the broker does not auto-create topics).
 */
export function createKafkaBus(options: KafkaBusOptions): KafkaBus {
  const prefix = options.topicPrefix ?? 'flagstaff.';
  const partitions = options.partitions ?? 3;
  const publishTimeoutMs = options.publishTimeoutMs ?? 10_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3_000;
  const log = options.log ?? logToStderr;

  const topicNames = Object.fromEntries(TOPICS.map((topic) => [topic, `${prefix}${topic}`])) as Record<Topic, string>;
  const topicOf = new Map<string, Topic>(TOPICS.map((topic) => [topicNames[topic], topic]));

  const kafka = new Kafka({
    clientId: options.clientId ?? 'flagstaff',
    brokers: options.brokers,
    logLevel: LEVELS[options.logLevel ?? 'error'],
    logCreator:
      () =>
      ({ namespace, level, log: { message, timestamp: _timestamp, ...extra } }: LogEntry) =>
        log({ level: levelName(level), namespace, message, extra }),
  });

  let closed = false;
  let topicsReady: Promise<void> | undefined;
  let producer: Promise<Producer> | undefined;
  const subscriptions = new Set<BusSubscription>();

  const ensureTopics = (): Promise<void> => {
    topicsReady ??= (async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const existing = new Set(await admin.listTopics());
        const missing = TOPICS.map((topic) => topicNames[topic]).filter((name) => !existing.has(name));
        if (missing.length > 0) {
          // Another process creating the same topic at the same time is fine: kafkajs ignores "already exists".
          await retryUntilServed(() =>
            admin.createTopics({
              waitForLeaders: true,
              topics: missing.map((topic) => ({
                topic,
                numPartitions: partitions,
                ...(options.replicationFactor ? { replicationFactor: options.replicationFactor } : {}),
              })),
            }),
          );
        }
        // Created by this process or by another a moment ago, a topic is used only once its leaders serve it.
        await retryUntilServed(async () => {
          for (const topic of TOPICS) await admin.fetchTopicOffsets(topicNames[topic]);
        });
      } finally {
        await admin.disconnect();
      }
    })().catch((error: unknown) => {
      topicsReady = undefined;
      throw toBusError(error);
    });
    return topicsReady;
  };

  const connectedProducer = (): Promise<Producer> => {
    producer ??= (async () => {
      const created = kafka.producer({
        idempotent: true,
        // kafkajs does not enforce it, but more than one request in flight can reorder batches after a retry.
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      try {
        await created.connect();
      } catch (error) {
        await created.disconnect().catch(() => {});
        throw error;
      }
      return created;
    })();
    const current = producer;
    current.catch(() => {
      if (producer === current) producer = undefined;
    });
    return current;
  };

  /** After a failure the producer may be stuck retrying or hold a stale connection: the next publish gets a fresh one. */
  const discardProducer = (failed: Promise<Producer> | undefined): void => {
    if (!failed || producer !== failed) return;
    producer = undefined;
    failed.then((p) => p.disconnect()).catch(() => {});
  };

  const publish = async (topic: Topic, messages: readonly BusMessage[]): Promise<void> => {
    if (closed) throw new BusUnavailableError('The event bus is closed');
    if (messages.length === 0) return;
    let used: Promise<Producer> | undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new BusUnavailableError(`The event bus did not acknowledge within ${publishTimeoutMs} ms`)),
        publishTimeoutMs,
      );
    });
    const send = (async () => {
      await ensureTopics();
      used = connectedProducer();
      const connected = await used;
      for (const send of kafkaSends(messages, partitions)) {
        await connected.send({ topic: topicNames[topic], acks: -1, messages: send });
      }
    })();
    send.catch(() => {}); // it may lose the race against the timeout
    try {
      await Promise.race([send, timeout]);
    } catch (error) {
      const mapped = toBusError(error);
      if (mapped instanceof BusUnavailableError) discardProducer(used);
      throw mapped;
    } finally {
      clearTimeout(timer);
    }
  };

  const subscribe: EventBus['subscribe'] = async ({ groupId, topics, onBatch, onError, onDeadLetter }) => {
    if (closed) throw new BusUnavailableError('The event bus is closed');
    if (topics.length === 0) throw new Error('subscribe needs at least one topic');
    await ensureTopics();

    const stopping = new AbortController();
    let consumer: Consumer | undefined;
    let abandonBatch: (() => void) | undefined;
    let restartTimer: NodeJS.Timeout | undefined;
    let restarts = 0;

    /** One attempt at a batch, heartbeating meanwhile, so that a slow batch does not cost the group membership. */
    const attempt = (work: () => Promise<void>, heartbeat: () => Promise<void>): Promise<AttemptOutcome> => {
      const beat = setInterval(() => {
        // A failed heartbeat means the group is rebalancing; the commit after the batch will fail and say so.
        heartbeat().catch(() => {});
      }, heartbeatIntervalMs);
      return abandonable(work, (abandon) => {
        abandonBatch = abandon;
      }).finally(() => clearInterval(beat));
    };

    /** Waits before offering a failed batch again; false when the consumer stops meanwhile. */
    const backoff = async (delayMs: number, heartbeat: () => Promise<void>): Promise<boolean> => {
      const until = Date.now() + delayMs;
      for (let left = until - Date.now(); left > 0; left = until - Date.now()) {
        if (!(await sleep(Math.min(left, heartbeatIntervalMs), stopping.signal))) return false;
        await heartbeat(); // throws when the group rebalances: kafkajs rejoins and the batch is fetched again
      }
      return true;
    };

    const eachBatch = async ({ batch, heartbeat, isRunning, isStale, commitOffsetsIfNecessary, resolveOffset }: EachBatchPayload): Promise<void> => {
      const topic = topicOf.get(batch.topic);
      if (!topic || batch.isEmpty()) return;
      const messages = batch.messages.flatMap((message) => toConsumed(topic, batch.partition, message));
      const result = await runBatch(
        messages,
        { onBatch, onError, onDeadLetter },
        {
          redelivery: options.redelivery,
          publish,
          attempt: (work) => attempt(work, heartbeat),
          wait: (delayMs) => backoff(delayMs, heartbeat),
          // Resolving nothing and committing nothing leaves the batch to the next fetch or the next consumer.
          active: () => !stopping.signal.aborted && isRunning() && !isStale(),
          isUnavailable: isBrokerUnavailable,
        },
      );
      if (result === 'leave') return;
      await commitOffsetsIfNecessary({
        topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: nextOffset(batch) }] }],
      });
      resolveOffset(batch.lastOffset());
    };

    const start = async (): Promise<void> => {
      const created = kafka.consumer({
        groupId,
        sessionTimeout: options.sessionTimeoutMs ?? 30_000,
        heartbeatInterval: heartbeatIntervalMs,
        maxWaitTimeInMs: options.maxWaitTimeMs ?? 500,
        allowAutoTopicCreation: false,
      });
      consumer = created;
      created.on(created.events.CRASH, ({ payload }) => {
        if (stopping.signal.aborted) return;
        onError?.(payload.error);
        // kafkajs restarts itself after retriable errors; after the others it would stay down.
        if (!payload.restart) scheduleRestart(created);
      });
      created.on(created.events.GROUP_JOIN, () => {
        restarts = 0;
      });
      await created.connect();
      await created.subscribe({ topics: topics.map((topic) => topicNames[topic]), fromBeginning: true });
      await created.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch });
    };

    const scheduleRestart = (crashed: Consumer): void => {
      if (stopping.signal.aborted || consumer !== crashed) return;
      clearTimeout(restartTimer);
      restartTimer = setTimeout(() => {
        if (stopping.signal.aborted) return;
        void crashed
          .disconnect()
          .catch(() => {})
          .then(start)
          .catch((error: unknown) => {
            if (stopping.signal.aborted) return;
            onError?.(error);
            scheduleRestart(consumer!);
          });
      }, redeliveryDelay(restarts++, { initialMs: 500, maxMs: 10_000 }));
    };

    try {
      await start();
    } catch (error) {
      await consumer?.disconnect().catch(() => {});
      throw toBusError(error);
    }

    const subscription: BusSubscription = {
      stop: async () => {
        stopping.abort();
        clearTimeout(restartTimer);
        subscriptions.delete(subscription);
        // Past stopTimeoutMs the batch in hand is abandoned, uncommitted, as if the process had died.
        const abandon = setTimeout(() => abandonBatch?.(), stopTimeoutMs);
        try {
          await consumer?.disconnect();
        } catch (error) {
          onError?.(error);
        } finally {
          clearTimeout(abandon);
        }
      },
    };
    subscriptions.add(subscription);
    return subscription;
  };

  return {
    topicNames,
    start: async () => {
      await ensureTopics();
      try {
        await connectedProducer();
      } catch (error) {
        throw toBusError(error);
      }
    },
    publish,
    subscribe,
    consumerLag: async (groupId, topics) => {
      if (closed) throw new BusUnavailableError('The event bus is closed');
      const admin = kafka.admin();
      try {
        await admin.connect();
        let lag = 0;
        for (const topic of topics) {
          const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topicNames[topic]), admin.fetchOffsets({ groupId, topics: [topicNames[topic]] })]);
          const committedOf = new Map(committed.flatMap((t) => t.partitions).map((p) => [p.partition, BigInt(p.offset)]));
          for (const { partition, high, low } of ends) {
            const at = committedOf.get(partition) ?? -1n;
            lag += Number(BigInt(high) - (at < 0n ? BigInt(low) : at));
          }
        }
        return lag;
      } catch (error) {
        throw toBusError(error);
      } finally {
        await admin.disconnect().catch(() => {});
      }
    },
    close: async () => {
      closed = true;
      await Promise.all([...subscriptions].map((subscription) => subscription.stop()));
      const current = producer;
      producer = undefined;
      await current?.then((p) => p.disconnect()).catch(() => {});
    },
  };
}

const nextOffset = (batch: Batch): string => (BigInt(batch.lastOffset()) + 1n).toString();

