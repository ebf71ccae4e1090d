import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

describe('admin API: how commands meet each other', () => {
  it('lets twenty writers toggle twenty environments of one flag at once without If-Match: all succeed', async () => {
    expect((await server.api('POST', '/admin/flags', { body: { key: 'busy' } })).status).toBe(201);
    const environments = Array.from({ length: 20 }, (_, i) => `region-${i}`);
    for (const key of environments) expect((await server.api('POST', '/admin/environments', { body: { key } })).status).toBe(201);

    const responses = await Promise.all(
      environments.map((env) => server.api('POST', `/admin/flags/busy/environments/${env}/toggle`, { body: { enabled: true } })),
    );
    expect(responses.map((r) => r.status)).toEqual(environments.map(() => 200));
    const flag = await server.api('GET', '/admin/flags/busy');
    expect(environments.filter((env) => flag.body.environments[env].enabled)).toEqual(environments);
    expect(flag.headers.get('etag')).toBe('W/"21"');
  });

  it('remembers an Idempotency-Key first used on a command that changed nothing', async () => {
    expect((await server.api('POST', '/admin/flags', { body: { key: 'quiet' } })).status).toBe(201);
    const headers = { 'idempotency-key': 'no-op-first' };
    const noOp = await server.api('POST', '/admin/flags/quiet/environments/production/toggle', { body: { enabled: false }, headers });
    expect(noOp.status).toBe(200);
    expect(noOp.headers.get('etag')).toBe('W/"1"');

    const replay = await server.api('POST', '/admin/flags/quiet/environments/production/toggle', { body: { enabled: false }, headers });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');

    const head = await server.store.headPosition();
    const other = await server.api('POST', '/admin/flags/quiet/environments/production/toggle', { body: { enabled: true }, headers });
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await server.store.headPosition()).toBe(head);
    expect((await server.api('GET', '/admin/flags/quiet')).body.environments.production.enabled).toBe(false);
  });

  it('answers 404 for a missing flag or segment whatever the If-Match', async () => {
    const headers = { 'if-match': 'W/"1"' };
    const flag = await server.api('PUT', '/admin/flags/never-made', { body: { description: 'x' }, headers });
    expect(flag.status).toBe(404);
    const targeting = await server.api('POST', '/admin/flags/never-made/environments/production/toggle', { body: { enabled: true }, headers });
    expect(targeting.status).toBe(404);
    const segment = await server.api('PUT', '/admin/segments/never-made', { body: { conditions: [] }, headers });
    expect(segment.status).toBe(404);
    expect(segment.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });
});
