import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createClient } from '@clickhouse/client';
import kafkajs from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.ts';
import { request } from '../support/flagstaff.ts';
import { dropSchema, testDatabaseUrl } from '../support/postgres.ts';

const root = path.resolve(import.meta.dirname, '../..');
const suffix = randomUUID().replaceAll('-', '').slice(0, 10);
const prefix = `start-${suffix}.`;
const database = `start_${suffix}`;
const schema = `start_${suffix}`;
const token = `start-admin-token-${suffix}`;
let child: ChildProcess | undefined;
let dataDir: string | undefined;

afterAll(async () => {
  if (child && child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  const admin = new kafkajs.Kafka({ brokers: ['127.0.0.1:9092'], logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: ['exposures', 'metrics', 'dead-letters'].map((t) => `${prefix}${t}`) }).catch(() => {});
  await admin.disconnect();
  const clickhouse = createClient({ url: 'http://127.0.0.1:8123' });
  await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  await clickhouse.close();
  await dropSchema(schema);
});

describe('npm start on the production adapters', () => {
  it('runs on PostgreSQL, Kafka and ClickHouse as configured by the environment, and stops cleanly on SIGTERM', async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'flagstaff-production-'));
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    child = spawn('npm', ['start'], {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        FLAGSTAFF_DATA_DIR: dataDir,
        FLAGSTAFF_ADMIN_TOKEN: token,
        FLAGSTAFF_EVENT_STORE: 'postgres',
        DATABASE_URL: testDatabaseUrl(),
        FLAGSTAFF_DATABASE_SCHEMA: schema,
        FLAGSTAFF_BUS: 'kafka',
        KAFKA_BROKERS: '127.0.0.1:9092',
        FLAGSTAFF_KAFKA_TOPIC_PREFIX: prefix,
        FLAGSTAFF_ANALYTICS: 'clickhouse',
        CLICKHOUSE_URL: 'http://127.0.0.1:8123',
        CLICKHOUSE_DATABASE: database,
      },
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    await eventually(async () => {
      if (child!.exitCode !== null) throw new Error(`npm start exited: ${output}`);
      expect(output).toContain('"msg":"listening"');
    }, 60_000, 100);
    expect(output).toMatch(/"eventStore":"postgres","bus":"kafka","analytics":"clickhouse","sink":"own-thread"/);
    const base = `http://127.0.0.1:${port}`;

    await eventually(async () => expect((await request(base, 'GET', '/health', { token: null })).status).toBe(200), 30_000);
    const key = await eventually(async () => {
      const issued = await request(base, 'POST', '/admin/api-keys', { token, body: { environment: 'production', kind: 'server' } });
      expect(issued.status).toBe(201);
      return issued.body.key as string;
    }, 30_000);
    const event = { type: 'metric', eventId: `start-${suffix}`, name: 'purchase', unitId: 'u-1', value: 3, timestamp: new Date().toISOString() };
    await eventually(async () => {
      const sent = await request(base, 'POST', '/api/v1/events', { token: null, headers: { authorization: `Bearer ${key}` }, body: { events: [event] } });
      expect(sent.status).toBe(202);
    }, 30_000);
    const clickhouse = createClient({ url: 'http://127.0.0.1:8123' });
    try {
      await eventually(async () => {
        const rows = await (await clickhouse.query({ query: `SELECT count() AS n FROM ${database}.metric_events WHERE event_id = 'start-${suffix}'`, format: 'JSONEachRow' })).json<{ n: string }>();
        expect(Number(rows[0]?.n)).toBe(1);
      }, 60_000, 250);
    } finally {
      await clickhouse.close();
    }

    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child!.once('exit', (code, signal) => resolve({ code, signal })));
    process.kill(-child.pid!, 'SIGTERM');
    // npm hands the signal to Flagstaff (the start script execs node), which shuts down in order and exits 0; npm
    // waits for it and exits with its code.
    expect(await exited).toEqual({ code: 0, signal: null });
    await eventually(async () => expect(output).toMatch(/"signal":"SIGTERM","exitCode":0,"ms":\d+,"msg":"stopped"/), 10_000);
    expect(output).not.toMatch(/Error|ERR!/);
  }, 180_000);
});
