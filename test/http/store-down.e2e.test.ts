import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDriver } from '../../src/event-store/postgres-driver.ts';
import { createSqlEventStore } from '../../src/event-store/sql-event-store.ts';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';
import { dropSchema, testDatabaseUrl } from '../support/postgres.ts';
import { eventually } from '../support/eventually.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const schema = `store_down_${process.pid}`;
let proxy: TcpProxy;
let server: TestServer;

beforeAll(async () => {
  const real = new URL(testDatabaseUrl());
  proxy = await startTcpProxy({ host: real.hostname, port: Number(real.port || 5432) });
  const viaProxy = new URL(testDatabaseUrl());
  viaProxy.port = String(proxy.port);
  server = await startTestServer({ store: await createSqlEventStore(await createPostgresDriver(viaProxy.toString()), { schema }) });
});
afterAll(async () => {
  await server?.close();
  await proxy?.close();
  await dropSchema(schema);
});

describe('admin API when PostgreSQL goes away', () => {
  it('answers 503 problems and a degraded health while the store is unreachable, then recovers', async () => {
    expect((await server.api('POST', '/admin/flags', { body: { key: 'before-outage' } })).status).toBe(201);

    await proxy.cut();
    const health = await server.api('GET', '/health', { token: null });
    expect(health.status).toBe(503);
    expect(health.body.status).toBe('degraded');
    const command = await server.api('POST', '/admin/flags', { body: { key: 'during-outage' }, headers: { 'idempotency-key': 'outage-1' } });
    expect(command.status).toBe(503);
    expect(command.headers.get('content-type')).toContain('application/problem+json');
    expect(command.body.type).toBe('urn:flagstaff:problem:service-unavailable');

    await proxy.restore();
    // The client retries with the same Idempotency-Key: whatever happened before, it is done exactly once.
    const retried = await server.api('POST', '/admin/flags', { body: { key: 'during-outage' }, headers: { 'idempotency-key': 'outage-1' } });
    expect(retried.status).toBe(201);
    await eventually(async () => expect((await server.api('GET', '/health', { token: null })).status).toBe(200));
    const history = await server.api('GET', '/admin/flags/during-outage/history');
    expect(history.body.events).toHaveLength(1);
    expect((await server.api('GET', '/admin/flags/before-outage')).status).toBe(200);
  });
});
