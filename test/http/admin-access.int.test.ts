import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

describe('admin API: tokens, roles, SDK keys and environments', () => {
  it('issues admin tokens shown once, stores only their hash, records the actor, and revokes them', async () => {
    const issued = await server.api('POST', '/admin/tokens', { body: { name: 'alice', role: 'editor' } });
    expect(issued.status).toBe(201);
    expect(issued.body.token).toMatch(/^fs_admin_[\w-]{43}$/);
    expect(issued.body).not.toHaveProperty('tokenHash');
    const alice = issued.body.token as string;

    // The secret appears in no event: only its SHA-256.
    const log = await server.store.readAll({ after: 0, limit: 10_000 });
    expect(JSON.stringify(log)).not.toContain(alice);

    const listed = await server.api('GET', '/admin/tokens');
    expect(listed.body.tokens.find((t: { name: string }) => t.name === 'alice')).toMatchObject({ role: 'editor', revoked: false });
    expect(JSON.stringify(listed.body)).not.toMatch(/Hash/);

    const created = await server.api('POST', '/admin/flags', { body: { key: 'by-alice' }, token: alice });
    expect(created.status).toBe(201);
    const history = await server.api('GET', '/admin/flags/by-alice/history');
    expect(history.body.events[0].actor).toBe(`token:alice#${issued.body.id}`);

    // An editor changes flags but does not manage keys, tokens or environments.
    expect((await server.api('POST', '/admin/api-keys', { body: { environment: 'production', kind: 'server' }, token: alice })).status).toBe(403);
    expect((await server.api('POST', '/admin/environments', { body: { key: 'qa' }, token: alice })).status).toBe(403);
    expect((await server.api('GET', '/admin/tokens', { token: alice })).status).toBe(403);

    const revoked = await server.api('DELETE', `/admin/tokens/${issued.body.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked).toBe(true);
    expect((await server.api('GET', '/admin/flags', { token: alice })).status).toBe(401);
  });

  it('issues SDK keys per environment, shown once, and revokes them', async () => {
    const issued = await server.api('POST', '/admin/api-keys', { body: { environment: 'production', kind: 'client' } });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ environment: 'production', kind: 'client', revoked: false });
    expect(issued.body.key).toMatch(/^fs_client_/);
    const listed = await server.api('GET', '/admin/api-keys');
    const entry = listed.body.apiKeys.find((k: { id: string }) => k.id === issued.body.id);
    expect(entry).toBeDefined();
    expect(entry).not.toHaveProperty('key');
    expect(entry).not.toHaveProperty('keyHash');

    const unknownEnvironment = await server.api('POST', '/admin/api-keys', { body: { environment: 'moon', kind: 'server' } });
    expect(unknownEnvironment.status).toBe(422);
    expect(unknownEnvironment.body.errors[0].pointer).toBe('#/environment');
    const badKind = await server.api('POST', '/admin/api-keys', { body: { environment: 'production', kind: 'root' } });
    expect(badKind.status).toBe(400);
    expect(badKind.body.errors[0].pointer).toBe('#/kind');

    const retried = await server.api('POST', '/admin/api-keys', {
      body: { environment: 'staging', kind: 'server' },
      headers: { 'idempotency-key': 'key-1' },
    });
    const again = await server.api('POST', '/admin/api-keys', {
      body: { environment: 'staging', kind: 'server' },
      headers: { 'idempotency-key': 'key-1' },
    });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(retried.body.id);
    expect(again.body).not.toHaveProperty('key');

    const revoked = await server.api('DELETE', `/admin/api-keys/${issued.body.id}`);
    expect(revoked.body.revoked).toBe(true);
    expect((await server.api('DELETE', '/admin/api-keys/00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });

  it('has the three default environments and lets an admin add one that flags then know', async () => {
    const listed = await server.api('GET', '/admin/environments');
    expect(listed.body.environments.map((e: { key: string }) => e.key)).toEqual(['development', 'staging', 'production']);
    expect(listed.body.environments[2].production).toBe(true);
    const qa = await server.api('POST', '/admin/environments', { body: { key: 'qa', name: 'QA' } });
    expect(qa.status).toBe(201);
    expect((await server.api('POST', '/admin/environments', { body: { key: 'qa' } })).status).toBe(409);
    await server.api('POST', '/admin/flags', { body: { key: 'env-aware' } });
    const flag = await server.api('GET', '/admin/flags/env-aware');
    expect(flag.body.environments.qa).toMatchObject({ enabled: false, offVariant: 'off' });
    const renamed = await server.api('PUT', '/admin/environments/qa', { body: { name: 'Quality' }, headers: { 'if-match': 'W/"1"' } });
    expect(renamed.body).toMatchObject({ name: 'Quality', version: 2 });
  });
});

describe('admin API: segments', () => {
  it('creates, changes with If-Match, and archives a segment that no flag uses', async () => {
    const created = await server.api('POST', '/admin/segments', {
      body: { key: 'beta-testers', conditions: [{ attribute: 'email', operator: 'ends_with', values: ['@example.com'] }], included: ['u-1'] },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('W/"1"');
    const changed = await server.api('PUT', '/admin/segments/beta-testers', {
      body: { conditions: [], included: ['u-1', 'u-2'], excluded: ['u-3'] },
      headers: { 'if-match': 'W/"1"' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.included).toEqual(['u-1', 'u-2']);

    await server.api('POST', '/admin/flags', { body: { key: 'uses-segment' } });
    const used = await server.api('PUT', '/admin/flags/uses-segment/environments/production', {
      body: { enabled: true, offVariant: 'off', rules: [{ conditions: [{ operator: 'in_segment', values: ['beta-testers'] }], serve: { variant: 'on' } }], defaultServe: { variant: 'off' } },
      headers: { 'if-match': 'W/"1"' },
    });
    expect(used.status).toBe(200);
    expect((await server.api('DELETE', '/admin/segments/beta-testers')).status).toBe(409);

    const nested = await server.api('POST', '/admin/segments', { body: { key: 'nested', conditions: [{ operator: 'in_segment', values: ['beta-testers'] }] } });
    expect(nested.status).toBe(422);
    const history = await server.api('GET', '/admin/segments/beta-testers/history');
    expect(history.body.events.map((e: { type: string }) => e.type)).toEqual(['SegmentCreated', 'SegmentChanged']);
  });
});

describe('admin API: actors are unique per token', () => {
  const issue = async (name: string): Promise<{ id: string; token: string }> =>
    (await server.api('POST', '/admin/tokens', { body: { name, role: 'editor' } })).body as { id: string; token: string };

  it('records the token id with its name, so two tokens of one name are told apart in history and audit', async () => {
    const first = await issue('ci-bot');
    const second = await issue('ci-bot');
    await server.api('POST', '/admin/flags', { body: { key: 'by-first-ci-bot' }, token: first.token });
    await server.api('POST', '/admin/flags', { body: { key: 'by-second-ci-bot' }, token: second.token });
    const actorOf = async (key: string) => (await server.api('GET', `/admin/flags/${key}/history`)).body.events[0].actor as string;
    expect(await actorOf('by-first-ci-bot')).toBe(`token:ci-bot#${first.id}`);
    expect(await actorOf('by-second-ci-bot')).toBe(`token:ci-bot#${second.id}`);

    // Filtering by the full actor finds one token's changes; by the name alone, every token of that name's.
    const keysFor = async (actor: string) =>
      (await server.api('GET', `/admin/audit?actor=${encodeURIComponent(actor)}&entity=flag`)).body.entries.map((e: { entityKey: string }) => e.entityKey);
    expect(await keysFor(`token:ci-bot#${second.id}`)).toEqual(['by-second-ci-bot']);
    expect(await keysFor('token:ci-bot')).toEqual(['by-second-ci-bot', 'by-first-ci-bot']);
    const csv = await server.api('GET', `/admin/audit?actor=${encodeURIComponent(`token:ci-bot#${first.id}`)}&format=csv`);
    expect(csv.body).toContain(`token:ci-bot#${first.id}`);
    expect(csv.body).not.toContain(second.id);
  });

  it('scopes Idempotency-Key to the token, not to its name', async () => {
    const first = await issue('deployer');
    const second = await issue('deployer');
    const headers = { 'idempotency-key': 'deploy-42' };
    expect((await server.api('POST', '/admin/flags', { body: { key: 'deploy-a' }, token: first.token, headers })).status).toBe(201);
    // Another token of the same name, the same key, another request: its own command, not a clash with the first's.
    const other = await server.api('POST', '/admin/flags', { body: { key: 'deploy-b' }, token: second.token, headers });
    expect(other.status).toBe(201);
    expect(other.headers.get('idempotent-replayed')).toBeNull();
    // The same token retrying is still a replay.
    const retried = await server.api('POST', '/admin/flags', { body: { key: 'deploy-a' }, token: first.token, headers });
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
  });
});

describe('admin API: audit feed', () => {
  it('lists every change newest first, filtered by actor, entity and type, in pages', async () => {
    const token = (await server.api('POST', '/admin/tokens', { body: { name: 'auditee', role: 'editor' } })).body.token;
    for (const key of ['audit-1', 'audit-2', 'audit-3']) await server.api('POST', '/admin/flags', { body: { key }, token });
    await server.api('POST', '/admin/flags/audit-2/environments/staging/toggle', { body: { enabled: true, reason: 'try it' }, token });

    const mine = await server.api('GET', '/admin/audit?actor=token:auditee&limit=3');
    expect(mine.status).toBe(200);
    expect(mine.body.entries.map((e: { entityKey: string; type: string }) => `${e.entityKey} ${e.type}`)).toEqual([
      'audit-2 FlagToggled',
      'audit-3 FlagCreated',
      'audit-2 FlagCreated',
    ]);
    expect(mine.body.entries[0]).toMatchObject({ entityType: 'flag', actor: expect.stringMatching(/^token:auditee#[\w-]+$/), reason: 'try it' });
    const next = await server.api('GET', `/admin/audit?actor=token:auditee&limit=3&before=${mine.body.nextCursor}`);
    expect(next.body.entries.map((e: { entityKey: string }) => e.entityKey)).toEqual(['audit-1']);

    const oneFlag = await server.api('GET', '/admin/audit?entity=flag:audit-2');
    expect(oneFlag.body.entries.map((e: { type: string }) => e.type)).toEqual(['FlagToggled', 'FlagCreated']);
    const toggles = await server.api('GET', '/admin/audit?type=FlagToggled&entity=flag');
    // Not vacuous: audit-2 was toggled above.
    expect(toggles.body.entries.map((e: { entityKey: string }) => e.entityKey)).toContain('audit-2');
    expect(toggles.body.entries.every((e: { type: string }) => e.type === 'FlagToggled')).toBe(true);
    const future = await server.api('GET', `/admin/audit?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(future.body.entries).toEqual([]);
    expect((await server.api('GET', '/admin/audit?from=yesterday')).status).toBe(400);
    // No credential fingerprints in the feed.
    expect(JSON.stringify((await server.api('GET', '/admin/audit?entity=admintoken')).body)).not.toMatch(/tokenHash/);
  });
});
