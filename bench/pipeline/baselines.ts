import { Buffer } from 'node:buffer';
import { kafkaSends } from '../../src/analytics/bus/kafka-bus.ts';
import { randomUUID } from 'node:crypto';
import { createClient } from '@clickhouse/client';
import { Kafka, Partitioners, logLevel, type Message } from 'kafkajs';
import { clickHouseSchema, clickHouseTables } from '../../src/analytics/store/clickhouse-analytics-store.ts';
import { cpuBetween, markCpu, type CpuWindow, type ProcessIds } from './cpu-accounting.ts';
import type { BodyTemplate } from './event-bodies.ts';

/**
 * What the pipeline's two services do on their own, with the pipeline's settings and the pipeline's data, so the
 * ratios say where it loses:
 *
 * - the raw kafkajs producer: the very Kafka records and sends the bus makes of the ingest's messages (packed
 *   many events to a record by `kafkaSends`, same keys, same JSON), sent like the bus sends them (idempotent,
 *   acks=all, one request in flight, one send after the other within a request, exposures and metrics at once),
 *   the same number of requests in flight;
 * - the raw kafkajs consumer: those records read back the way the bus consumes (eachBatch, one partition at a
 *   time, offsets committed after each batch), doing nothing with them but splitting them into events;
 * - raw ClickHouse inserts: the same rows as the store makes of them, JSONEachRow through @clickhouse/client,
 *   into tables with the store's own schema (so the materialized view runs too), one insert at a time, as many
 *   rows per insert as the sink's batches hold.
 */
export interface KafkaBaseline {
  readonly producer: { messages: number; bytes: number; seconds: number; messagesPerSecond: number; megabytesPerSecond: number; cpu: CpuWindow };
  readonly consumer: { messages: number; seconds: number; messagesPerSecond: number; batches: number; meanBatch: number; cpu: CpuWindow };
}

export async function kafkaBaseline(options: {
  brokers: string[];
  prefix: string;
  templates: readonly BodyTemplate[];
  concurrency: number;
  seconds: number;
  partitions: number;
  pids: ProcessIds;
}): Promise<KafkaBaseline> {
  const kafka = new Kafka({ clientId: 'flagstaff-bench-baseline', brokers: options.brokers, logLevel: logLevel.ERROR });
  const run = randomUUID().slice(0, 8);
  const topics = { exposures: `${options.prefix}baseline-${run}-exposures`, metrics: `${options.prefix}baseline-${run}-metrics` };
  const groupId = `${options.prefix}baseline-${run}-consumer`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: Object.values(topics).map((topic) => ({ topic, numPartitions: options.partitions })) });

    // Pre-packed: the generator does nothing but send.
    const prepared = options.templates.map((t) => ({
      exposures: [...kafkaSends(t.records.exposures, options.partitions)],
      metrics: [...kafkaSends(t.records.metrics, options.partitions)],
      bytes: [...t.records.exposures, ...t.records.metrics].reduce((sum, r) => sum + Buffer.byteLength(r.key) + Buffer.byteLength(r.value), 0),
      messages: t.records.exposures.length + t.records.metrics.length,
    }));
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    let messages = 0;
    let bytes = 0;
    let next = 0;
    const produceCpu = await markCpu(options.pids);
    const started = performance.now();
    const endAt = started + options.seconds * 1000;
    try {
      await Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          while (performance.now() < endAt) {
            const body = prepared[next++ % prepared.length]!;
            const sendAll = async (topic: string, list: Message[][]): Promise<void> => {
              for (const chunk of list) await producer.send({ topic, acks: -1, messages: chunk });
            };
            await Promise.all([sendAll(topics.exposures, body.exposures), sendAll(topics.metrics, body.metrics)]);
            messages += body.messages;
            bytes += body.bytes;
          }
        }),
      );
    } finally {
      await producer.disconnect();
    }
    const produceSeconds = (performance.now() - started) / 1000;
    const produced = cpuBetween(produceCpu, await markCpu(options.pids));

    // Read it all back as the bus does.
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500, allowAutoTopicCreation: false });
    let consumed = 0;
    let batches = 0;
    let done = false;
    let consumerCpu: CpuWindow | undefined;
    let firstBatchAt = 0;
    let lastBatchAt = 0;
    let consumeCpu = await markCpu(options.pids);
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: Object.values(topics), fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`consumer baseline: ${consumed} of ${messages} after 120 s`)), 120_000);
        void consumer
          .run({
            autoCommit: false,
            eachBatchAutoResolve: false,
            partitionsConsumedConcurrently: 1,
            eachBatch: async ({ batch, commitOffsetsIfNecessary, resolveOffset }) => {
              if (batch.isEmpty()) return;
              if (firstBatchAt === 0) {
                firstBatchAt = performance.now();
                consumeCpu = await markCpu(options.pids);
              }
              const values = batch.messages.flatMap((m) => (m.value?.toString() ?? '').split('\n'));
              consumed += values.length;
              batches++;
              await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }] }] });
              resolveOffset(batch.lastOffset());
              lastBatchAt = performance.now();
              if (consumed >= messages && !done) {
                done = true;
                consumerCpu = cpuBetween(consumeCpu, await markCpu(options.pids));
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    const consumeSeconds = (lastBatchAt - firstBatchAt) / 1000;
    await admin.deleteGroups([groupId]).catch(() => {});
    return {
      producer: { messages, bytes, seconds: produceSeconds, messagesPerSecond: messages / produceSeconds, megabytesPerSecond: bytes / 2 ** 20 / produceSeconds, cpu: produced },
      consumer: { messages: consumed, seconds: consumeSeconds, messagesPerSecond: consumed / consumeSeconds, batches, meanBatch: consumed / batches, cpu: consumerCpu! },
    };
  } finally {
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => {});
    await admin.disconnect();
  }
}

export interface ClickHouseBaseline {
  readonly rows: number;
  readonly inserts: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
  readonly cpu: CpuWindow;
}

type Row = Record<string, string | number | null>;

/** The rows the store writes for a template's events (clickhouse-analytics-store.ts), event ids made unique per insert. */
function rowsOf(template: BodyTemplate): { exposures: Row[]; metrics: Row[] } {
  const parse = (value: string): Record<string, unknown> => JSON.parse(value) as Record<string, unknown>;
  const ts = Date.parse('2026-01-01T00:00:00.000Z');
  return {
    exposures: template.records.exposures.map(({ value }) => {
      const e = parse(value);
      return { event_id: String(e.eventId), experiment_key: String(e.experimentKey), flag_key: String(e.flagKey), environment: String(e.environment), variant: String(e.variant), unit_id: String(e.unitId), revision: (e.revision as number | undefined) ?? null, ts };
    }),
    metrics: template.records.metrics.map(({ value }) => {
      const e = parse(value);
      return { event_id: String(e.eventId), name: String(e.name), unit_id: String(e.unitId), value: (e.value as number | undefined) ?? 1, ts };
    }),
  };
}

/** Inserts of `rowsPerInsert` rows of one table at a time (as the sink's batches are: one partition of one topic). */
export async function clickHouseBaseline(options: {
  url: string;
  database: string;
  templates: readonly BodyTemplate[];
  rowsPerInsert: number;
  seconds: number;
  pids: ProcessIds;
}): Promise<ClickHouseBaseline> {
  const client = createClient({ url: options.url });
  const schema = clickHouseSchema(options.database);
  const tables = clickHouseTables(options.database);
  try {
    await client.command({ query: schema.database });
    for (const statement of schema.tables) await client.command({ query: statement });
    await client.command({ query: schema.view });

    const inserts: { table: string; rows: Row[] }[] = [];
    for (const template of options.templates) {
      const { exposures, metrics } = rowsOf(template);
      for (let i = 0; i < exposures.length; i += options.rowsPerInsert) inserts.push({ table: tables.exposures, rows: exposures.slice(i, i + options.rowsPerInsert) });
      for (let i = 0; i < metrics.length; i += options.rowsPerInsert) inserts.push({ table: tables.metricEvents, rows: metrics.slice(i, i + options.rowsPerInsert) });
    }
    let rows = 0;
    let count = 0;
    const cpuStart = await markCpu(options.pids);
    const started = performance.now();
    const endAt = started + options.seconds * 1000;
    while (performance.now() < endAt) {
      const insert = inserts[count % inserts.length]!;
      for (let i = 0; i < insert.rows.length; i++) insert.rows[i]!.event_id = `b${count}-${i}`;
      await client.insert({ table: insert.table, values: insert.rows, format: 'JSONEachRow' });
      rows += insert.rows.length;
      count++;
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuBetween(cpuStart, await markCpu(options.pids));
    return { rows, inserts: count, seconds, rowsPerSecond: rows / seconds, cpu };
  } finally {
    await client.command({ query: `DROP DATABASE IF EXISTS ${tables.exposures.split('.')[0]}` }).catch(() => {});
    await client.close();
  }
}
