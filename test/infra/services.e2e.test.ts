// Smoke test for infra/up.sh: each production client talks to its real service.
// Every test owns its data (a fresh schema, topic or table, named with a random suffix) and removes it.
//
// What @clickhouse/client 1.23.1 meets on Debian's ClickHouse 18.16.1 (also in infra/README.md):
// - Works unchanged: ping, query/command/insert, JSONEachRow in both directions, FINAL, HTTP compression.
//   With default options the client sends only query_id in the URL and the SQL in the body, no settings.
// - query_params fails: 18.16 has no server-side parameters and answers "Unknown setting param_x".
//   Values have to be validated and escaped into the SQL text instead; the last test below pins this.
// - Errors arrive in the old format ("Code: 62, e.displayText() = DB::Exception: ..."), which the client's
//   parser does not recognise: the rejection is a plain Error, not ClickHouseError, and has no code or type.
//   Match on the message's "Code: N" if the code matters.
// - Only the formats JSON, JSONCompact and JSONEachRow exist (JSONEachRow alone for input); no
//   JSONCompactEachRow, JSONStrings*, or *WithNamesAndTypes.
import { randomUUID } from 'node:crypto';
import { createClient, ClickHouseLogLevel } from '@clickhouse/client';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaMessage } from 'kafkajs';
import pg from 'pg';
import { describe, it, expect } from 'vitest';

const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const kafkaBrokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const clickhouseUrl = process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';

// Identifier-safe in all three systems: letters, digits and underscores only.
const uniqueName = (prefix: string): string => `${prefix}_${randomUUID().replaceAll('-', '')}`;

describe('PostgreSQL via pg', () => {
  it('writes and reads back rows in a fresh schema', async () => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const schema = uniqueName('infra_smoke');
    try {
      await client.query(`CREATE SCHEMA ${schema}`);
      await client.query(`CREATE TABLE ${schema}.items (id int PRIMARY KEY, name text NOT NULL)`);
      await client.query(`INSERT INTO ${schema}.items (id, name) VALUES ($1, $2), ($3, $4)`, [1, 'one', 2, 'two']);

      const { rows } = await client.query(`SELECT id, name FROM ${schema}.items ORDER BY id`);

      expect(rows).toEqual([
        { id: 1, name: 'one' },
        { id: 2, name: 'two' },
      ]);
    } finally {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
  });
});

describe('Kafka via kafkajs', () => {
  it('round-trips messages through a fresh topic with an idempotent producer', async () => {
    // NOTHING, not ERROR: on a fresh broker kafkajs logs the retriable "coordinator is loading" answers it gets
    // while the internal topics are created at ERROR level. Real failures still reject the calls below.
    const kafka = new Kafka({ clientId: 'flagstaff-infra-smoke', brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
    const topic = uniqueName('infra-smoke');
    const groupId = uniqueName('infra-smoke');
    const admin = kafka.admin();
    await admin.connect();
    try {
      // The broker does not auto-create topics (infra/kafka/start.sh), so the test creates its own.
      await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });

      // kafkajs rejects an idempotent send without acks -1; one request in flight keeps the batches in order.
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      await producer.send({
        topic,
        acks: -1,
        messages: [1, 2, 3].map((n) => ({ key: `k${n}`, value: JSON.stringify({ n }) })),
      });
      await producer.disconnect();

      const consumer = kafka.consumer({ groupId });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const received: KafkaMessage[] = [];
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`got ${received.length} of 3 messages in 30 s`)), 30_000);
          consumer
            .run({
              eachMessage: async ({ message }) => {
                received.push(message);
                if (received.length === 3) {
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

      // Offsets 0..2 and nothing else: each message was written exactly once.
      expect(
        received.map((m) => ({ offset: m.offset, key: m.key?.toString(), value: m.value?.toString() })),
      ).toEqual([
        { offset: '0', key: 'k1', value: '{"n":1}' },
        { offset: '1', key: 'k2', value: '{"n":2}' },
        { offset: '2', key: 'k3', value: '{"n":3}' },
      ]);
      await admin.deleteGroups([groupId]);
    } finally {
      await admin.deleteTopics({ topics: [topic] });
      await admin.disconnect();
    }
  });
});

describe('ClickHouse via @clickhouse/client', () => {
  // The client logs failed requests itself; the tests assert on the rejections instead.
  const connect = () => createClient({ url: clickhouseUrl, log: { level: ClickHouseLogLevel.OFF } });

  it('answers ping and is the 18.x server the SQL has to run on', async () => {
    const client = connect();
    try {
      expect(await client.ping()).toEqual({ success: true });
      const result = await client.query({ query: 'SELECT version() AS version', format: 'JSONEachRow' });
      const [row] = await result.json<{ version: string }>();
      expect(row?.version).toMatch(/^18\./);
    } finally {
      await client.close();
    }
  });

  it('deduplicates a ReplacingMergeTree by key when read with FINAL', async () => {
    const client = connect();
    const table = uniqueName('infra_smoke');
    try {
      // ENGINE ... ORDER BY (not the old ReplacingMergeTree(date, key, 8192, ver) form) runs on 18.16 and today.
      await client.command({
        query: `CREATE TABLE ${table} (id String, value UInt32, version UInt64)
                ENGINE = ReplacingMergeTree(version) ORDER BY id`,
      });
      // Two inserts make two parts, so the duplicate of 'a' is only resolved by FINAL (or a later merge).
      await client.insert({
        table,
        format: 'JSONEachRow',
        values: [
          { id: 'a', value: 1, version: 1 },
          { id: 'b', value: 3, version: 1 },
        ],
      });
      await client.insert({ table, format: 'JSONEachRow', values: [{ id: 'a', value: 2, version: 2 }] });

      const result = await client.query({ query: `SELECT id, value FROM ${table} FINAL ORDER BY id`, format: 'JSONEachRow' });

      expect(await result.json()).toEqual([
        { id: 'a', value: 2 },
        { id: 'b', value: 3 },
      ]);
    } finally {
      await client.command({ query: `DROP TABLE IF EXISTS ${table}` });
      await client.close();
    }
  });

  it('has no server-side query parameters, so values must be escaped into the SQL', async () => {
    const client = connect();
    try {
      const attempt = client.query({ query: 'SELECT {n:UInt32} AS n', query_params: { n: 1 }, format: 'JSONEachRow' });
      await expect(attempt).rejects.toThrow(/Unknown setting param_n/);
    } finally {
      await client.close();
    }
  });
});
