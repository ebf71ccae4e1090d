import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/event-store/event-store.ts';
import { createPostgresDriver } from '../../src/event-store/postgres-driver.ts';
import { createSqlEventStore } from '../../src/event-store/sql-event-store.ts';
import { fileReadModelPersistence } from '../../src/read/read-model-persistence.ts';
import { openEventStore } from '../../src/root/adapters.ts';
import { eventually } from '../support/eventually.ts';
import { request, startTestServer, type TestServer } from '../support/flagstaff.ts';
import { dropSchema, testDatabaseUrl } from '../support/postgres.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const schema = `read_e2e_${process.pid}`;
const servers: TestServer[] = [];
const dirs: string[] = [];
let proxy: TcpProxy;
let proxiedUrl: string;

const pgStore = async (url = testDatabaseUrl()): Promise<EventStore> => createSqlEventStore(await createPostgresDriver(url), { schema });
const tempDir = async (): Promise<string> => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flagstaff-read-'));
  dirs.push(dir);
  return dir;
};
const start = async (options: Parameters<typeof startTestServer>[0]): Promise<TestServer> => {
  const server = await startTestServer(options);
  servers.push(server);
  return server;
};

beforeAll(async () => {
  const real = new URL(testDatabaseUrl());
  proxy = await startTcpProxy({ host: real.hostname, port: Number(real.port || 5432) });
  const via = new URL(testDatabaseUrl());
  via.port = String(proxy.port);
  proxiedUrl = via.toString();
});
afterAll(async () => {
  for (const server of servers) await server.close().catch(() => {});
  await proxy?.close();
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
  await dropSchema(schema);
});

describe('read side on a real PostgreSQL', () => {
  let writer: TestServer;
  let reader: TestServer;
  let serverKey: string;

  it('runs two read API processes side by side that converge on the same revision', async () => {
    writer = await start({ store: await pgStore() });
    reader = await start({ store: await pgStore(proxiedUrl), persistence: fileReadModelPersistence(await tempDir()) });
    serverKey = (await writer.api('POST', '/admin/api-keys', { body: { environment: 'production', kind: 'server' } })).body.key;
    await writer.api('POST', '/admin/flags', { body: { key: 'scaled' } });
    await writer.api('POST', '/admin/flags/scaled/environments/production/toggle', { body: { enabled: true } });
    const head = await writer.store.headPosition();

    for (const server of [writer, reader]) {
      await eventually(async () => expect(server.projection.model.position).toBe(head));
      const result = await request(server.url, 'GET', '/api/v1/flags/scaled?targetingKey=u1', { token: null, headers: { authorization: `Bearer ${serverKey}` } });
      expect(result.body).toMatchObject({ value: true, reason: 'DEFAULT' });
    }
    expect(reader.projection.model.revisionOf('production')).toBe(writer.projection.model.revisionOf('production'));
    expect(reader.projection.model.hash()).toBe(writer.projection.model.hash());
  });

  it('keeps serving from its last snapshot while PostgreSQL is unreachable, says it is degraded, and catches up after', async () => {
    await reader.projection.flush();
    await proxy.cut();
    await writer.api('POST', '/admin/flags/scaled/environments/production/toggle', { body: { enabled: false, reason: 'during the outage' } });

    const during = await request(reader.url, 'GET', '/api/v1/flags/scaled?targetingKey=u1', { token: null, headers: { authorization: `Bearer ${serverKey}` } });
    expect(during.status).toBe(200);
    expect(during.body).toMatchObject({ value: true, reason: 'DEFAULT' }); // the last known configuration
    await eventually(async () => {
      const health = await request(reader.url, 'GET', '/health', { token: null });
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ status: 'degraded', eventStore: 'unreachable' });
    });

    await proxy.restore();
    await eventually(async () => {
      const after = await request(reader.url, 'GET', '/api/v1/flags/scaled?targetingKey=u1', { token: null, headers: { authorization: `Bearer ${serverKey}` } });
      expect(after.body).toMatchObject({ value: false, reason: 'DISABLED' });
    }, 15_000);
    await eventually(async () => expect((await request(reader.url, 'GET', '/health', { token: null })).status).toBe(200), 15_000);
  });

  it('restarts without the store and serves the persisted snapshot, then resumes from its checkpoint', async () => {
    const dir = await tempDir();
    const first = await start({ store: await pgStore(), persistence: fileReadModelPersistence(dir) });
    await eventually(async () => expect(first.projection.model.position).toBe(await writer.store.headPosition()));
    await first.close();
    const persisted = JSON.parse(await fs.readFile(path.join(dir, 'read-model.json'), 'utf8'));
    expect(persisted.position).toBe(await writer.store.headPosition());

    await proxy.cut();
    const store = await openEventStore({ kind: 'postgres', url: proxiedUrl, schema });
    const restarted = await start({ store, persistence: fileReadModelPersistence(dir), awaitBootstrap: false });
    expect(restarted.projection.model.position).toBe(persisted.position);
    const served = await request(restarted.url, 'GET', '/api/v1/flags/scaled?targetingKey=u1', { token: null, headers: { authorization: `Bearer ${serverKey}` } });
    expect(served.body).toMatchObject({ value: false, reason: 'DISABLED' });
    expect((await request(restarted.url, 'GET', '/health', { token: null })).status).toBe(503);
    expect((await restarted.api('GET', '/admin/flags')).status).toBe(503);

    await writer.api('POST', '/admin/flags', { body: { key: 'while-down' } });
    await proxy.restore();
    await eventually(async () => expect(restarted.projection.model.position).toBe(await writer.store.headPosition()), 20_000);
    const created = await request(restarted.url, 'GET', '/api/v1/flags/while-down?targetingKey=u1', { token: null, headers: { authorization: `Bearer ${serverKey}` } });
    expect(created.body).toMatchObject({ reason: 'DISABLED' });
    expect((await restarted.api('POST', '/admin/projections/rebuild')).body.equal).toBe(true);
  });
});
