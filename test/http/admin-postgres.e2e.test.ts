import { describe, expect, it } from 'vitest';
import { archiveAgainstPrerequisites, archiveAgainstStarts, twentyStartsOnOneFlag } from '../support/cross-stream-races.ts';
import { request } from '../support/flagstaff.ts';
import { serversSharingPostgres } from '../support/postgres.ts';

const schema = `admin_e2e_${process.pid}`;
// Two API processes (in effect) on one real PostgreSQL: concurrency control must hold across them.
const servers = serversSharingPostgres(schema);

describe('admin API on a real PostgreSQL, two servers side by side', () => {
  it('lets exactly one of twenty concurrent updates with the same If-Match win, across both servers', async () => {
    expect((await servers.first.api('POST', '/admin/flags', { body: { key: 'contended' } })).status).toBe(201);
    const before = await servers.first.store.headPosition();
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        request(i % 2 ? servers.first.url : servers.second.url, 'PUT', '/admin/flags/contended', {
          body: { description: `writer ${i}` },
          headers: { 'if-match': 'W/"1"' },
        }),
      ),
    );
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 412)).toHaveLength(19);
    const winner = responses.find((r) => r.status === 200)!;
    for (const server of [servers.first, servers.second]) {
      const stored = await server.api('GET', '/admin/flags/contended');
      expect(stored.body.description).toBe(winner.body.description);
      expect(stored.headers.get('etag')).toBe('W/"2"');
    }
    expect(await servers.first.store.headPosition()).toBe(before + 1);
  });

  it('makes a command retried on the other server with the same Idempotency-Key a no-op', async () => {
    const headers = { 'idempotency-key': 'cross-server-1' };
    expect((await servers.first.api('POST', '/admin/flags', { body: { key: 'once' }, headers })).status).toBe(201);
    const head = await servers.first.store.headPosition();
    const retry = await servers.second.api('POST', '/admin/flags', { body: { key: 'once' }, headers });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await servers.first.store.headPosition()).toBe(head);
  });

  it('remembers on the other server an Idempotency-Key first used on a command that changed nothing', async () => {
    expect((await servers.first.api('POST', '/admin/flags', { body: { key: 'still' } })).status).toBe(201);
    const headers = { 'idempotency-key': 'cross-server-no-op' };
    const path = '/admin/flags/still/environments/production/toggle';
    expect((await servers.first.api('POST', path, { body: { enabled: false }, headers })).status).toBe(200);
    const head = await servers.first.store.headPosition();
    expect((await servers.second.api('POST', path, { body: { enabled: true }, headers })).status).toBe(422);
    expect(await servers.first.store.headPosition()).toBe(head);
  });

  it('boots twice on one database without duplicating the default environments', async () => {
    const environments = await servers.second.api('GET', '/admin/environments');
    expect(environments.body.environments.map((e: { key: string }) => e.key)).toEqual(['development', 'staging', 'production']);
  });

  it('lets twenty writers toggle twenty environments of one flag at once without If-Match, across both servers: all succeed', async () => {
    expect((await servers.first.api('POST', '/admin/flags', { body: { key: 'busy' } })).status).toBe(201);
    const environments = Array.from({ length: 20 }, (_, i) => `region-${i}`);
    for (const key of environments) expect((await servers.first.api('POST', '/admin/environments', { body: { key } })).status).toBe(201);
    const before = await servers.first.store.headPosition();

    const responses = await Promise.all(
      environments.map((env, i) =>
        request(i % 2 ? servers.first.url : servers.second.url, 'POST', `/admin/flags/busy/environments/${env}/toggle`, { body: { enabled: true } }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(environments.map(() => 200));
    expect(await servers.first.store.headPosition()).toBe(before + 20);
    const flag = await servers.second.api('GET', '/admin/flags/busy');
    expect(environments.filter((env) => flag.body.environments[env].enabled)).toEqual(environments);
  });

  it('runs one of twenty experiments started at once on one flag and environment, across both servers', async () => {
    await twentyStartsOnOneFlag({ servers: [servers.first, servers.second], prefix: 'starts' });
  });

  it('either archives a flag or starts one experiment on it, when both are asked at once on both servers', async () => {
    await archiveAgainstStarts({ servers: [servers.first, servers.second], prefix: 'archive-start' });
  });

  it('either archives a flag or lets others depend on it, when both are asked at once on both servers', async () => {
    await archiveAgainstPrerequisites({ servers: [servers.first, servers.second], prefix: 'archive-prerequisite' });
  });
});
