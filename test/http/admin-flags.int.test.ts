import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInMemoryEventStore } from '../../src/event-store/in-memory-event-store.ts';
import { FlagUsageRecorder } from '../../src/write/flags/flag-usage.ts';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

const targeting = {
  enabled: true,
  offVariant: 'off',
  bucketBy: 'targetingKey',
  targets: [{ variant: 'on', units: ['user-1', 'user-2'] }],
  rules: [
    {
      id: 'us-premium',
      conditions: [
        { attribute: 'country', operator: 'in', values: ['US', 'CA'] },
        { attribute: 'plan', operator: 'eq', values: ['premium'] },
      ],
      serve: { variant: 'on' },
    },
  ],
  defaultServe: { split: [{ variant: 'on', weight: 25_000 }, { variant: 'off', weight: 75_000 }] },
};

describe('admin API: flags', () => {
  it('creates a boolean flag with on/off variants, and serves it with its ETag', async () => {
    const created = await server.api('POST', '/admin/flags', {
      body: { key: 'new-checkout', type: 'boolean', description: 'New checkout flow', tags: ['checkout'] },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/admin/flags/new-checkout');
    expect(created.headers.get('etag')).toBe('W/"1"');
    expect(created.body).toMatchObject({ key: 'new-checkout', variants: { on: true, off: false }, version: 1, archived: false });
    expect(Object.keys(created.body.environments)).toEqual(['development', 'staging', 'production']);

    const read = await server.api('GET', '/admin/flags/new-checkout');
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('W/"1"');
    expect(read.body.description).toBe('New checkout flow');
  });

  it('changes targeting with If-Match, and records actor and reason in the history', async () => {
    await server.api('POST', '/admin/flags', { body: { key: 'targeted' } });
    const changed = await server.api('PUT', '/admin/flags/targeted/environments/production', {
      body: { ...targeting, reason: 'launch to US premium' },
      headers: { 'if-match': 'W/"1"' },
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe('W/"2"');
    expect(changed.body.environments.production.rules[0].id).toBe('us-premium');

    const toggled = await server.api('POST', '/admin/flags/targeted/environments/production/toggle', { body: { enabled: false } });
    expect(toggled.status).toBe(200);
    expect(toggled.body.environments.production.enabled).toBe(false);

    const history = await server.api('GET', '/admin/flags/targeted/history');
    expect(history.status).toBe(200);
    expect(history.body.events.map((e: { type: string }) => e.type)).toEqual(['FlagCreated', 'FlagTargetingChanged', 'FlagToggled']);
    expect(history.body.events[1]).toMatchObject({ version: 2, actor: 'bootstrap-admin', reason: 'launch to US premium' });
    expect(history.body.events[1].change.environment).toBe('production');
  });

  it('needs If-Match on updates (428) and refuses a stale one (412) without appending', async () => {
    await server.api('POST', '/admin/flags', { body: { key: 'guarded' } });
    const blind = await server.api('PUT', '/admin/flags/guarded', { body: { description: 'x' } });
    expect(blind.status).toBe(428);
    expect(blind.headers.get('content-type')).toContain('application/problem+json');
    const stale = await server.api('PUT', '/admin/flags/guarded', { body: { description: 'x' }, headers: { 'if-match': 'W/"7"' } });
    expect(stale.status).toBe(412);
    const history = await server.api('GET', '/admin/flags/guarded/history');
    expect(history.body.events).toHaveLength(1);
  });

  it('lets exactly one of twenty concurrent updates with the same If-Match win', async () => {
    await server.api('POST', '/admin/flags', { body: { key: 'contended' } });
    const before = await server.store.headPosition();
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        server.api('PUT', '/admin/flags/contended', { body: { description: `writer ${i}` }, headers: { 'if-match': 'W/"1"' } }),
      ),
    );
    const winners = responses.filter((r) => r.status === 200);
    const losers = responses.filter((r) => r.status === 412);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(19);
    for (const loser of losers) expect(loser.body.type).toBe('urn:flagstaff:problem:precondition-failed');
    const stored = await server.api('GET', '/admin/flags/contended');
    expect(stored.body.description).toBe(winners[0]!.body.description);
    expect(stored.body.version).toBe(2);
    expect(await server.store.headPosition()).toBe(before + 1);
    const history = await server.api('GET', '/admin/flags/contended/history');
    expect(history.body.events).toHaveLength(2);
  });

  it('makes a retried command with the same Idempotency-Key a no-op, and refuses the key on another request', async () => {
    const headers = { 'idempotency-key': 'create-retry-1' };
    const first = await server.api('POST', '/admin/flags', { body: { key: 'idempotent' }, headers });
    expect(first.status).toBe(201);
    const head = await server.store.headPosition();
    const retries = await Promise.all([1, 2, 3].map(() => server.api('POST', '/admin/flags', { body: { key: 'idempotent' }, headers })));
    for (const retry of retries) {
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.body.key).toBe('idempotent');
    }
    expect(await server.store.headPosition()).toBe(head);

    const toggle = { 'idempotency-key': 'toggle-1' };
    const on = await server.api('POST', '/admin/flags/idempotent/environments/staging/toggle', { body: { enabled: true }, headers: toggle });
    expect(on.status).toBe(200);
    const headAfterToggle = await server.store.headPosition();
    // Concurrent duplicates of the same request: still one event.
    await Promise.all([1, 2].map(() => server.api('POST', '/admin/flags/idempotent/environments/staging/toggle', { body: { enabled: true }, headers: toggle })));
    expect(await server.store.headPosition()).toBe(headAfterToggle);

    const misuse = await server.api('POST', '/admin/flags', { body: { key: 'something-else' }, headers });
    expect(misuse.status).toBe(422);
    expect(misuse.body.type).toBe('urn:flagstaff:problem:idempotency-key-reused');
    expect(await server.store.headPosition()).toBe(headAfterToggle);
  });

  it('lists flags with filters and a cursor', async () => {
    for (const key of ['list-a', 'list-b', 'list-c']) {
      await server.api('POST', '/admin/flags', { body: { key, tags: ['listing'], description: `about ${key}` } });
    }
    const page1 = await server.api('GET', '/admin/flags?tag=listing&limit=2');
    expect(page1.body.flags.map((f: { key: string }) => f.key)).toEqual(['list-a', 'list-b']);
    expect(page1.body.nextCursor).toBe('list-b');
    const page2 = await server.api('GET', `/admin/flags?tag=listing&limit=2&after=${page1.body.nextCursor}`);
    expect(page2.body.flags.map((f: { key: string }) => f.key)).toEqual(['list-c']);
    expect(page2.body.nextCursor).toBeNull();
    const search = await server.api('GET', '/admin/flags?q=about%20list-c');
    expect(search.body.flags.map((f: { key: string }) => f.key)).toEqual(['list-c']);
  });

  it('archives and restores a flag, refusing to archive a prerequisite of another', async () => {
    await server.api('POST', '/admin/flags', { body: { key: 'parent' } });
    await server.api('POST', '/admin/flags', { body: { key: 'child' } });
    const dependent = await server.api('PUT', '/admin/flags/child/environments/staging', {
      body: { enabled: true, offVariant: 'off', prerequisites: [{ flagKey: 'parent', variant: 'on' }], defaultServe: { variant: 'on' } },
      headers: { 'if-match': 'W/"1"' },
    });
    expect(dependent.status).toBe(200);
    const refused = await server.api('DELETE', '/admin/flags/parent');
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/prerequisite of child/);

    const archived = await server.api('DELETE', '/admin/flags/child');
    expect(archived.status).toBe(200);
    expect(archived.body.archived).toBe(true);
    expect((await server.api('GET', '/admin/flags?archived=true')).body.flags.map((f: { key: string }) => f.key)).toContain('child');
    expect((await server.api('DELETE', '/admin/flags/parent')).status).toBe(200);
    const restored = await server.api('POST', '/admin/flags/child/restore');
    expect(restored.body.archived).toBe(false);
  });

  it('answers 404 problems for unknown flags and environments', async () => {
    expect((await server.api('GET', '/admin/flags/nope')).status).toBe(404);
    expect((await server.api('GET', '/admin/flags/nope/history')).status).toBe(404);
    await server.api('POST', '/admin/flags', { body: { key: 'env-check' } });
    const unknownEnv = await server.api('POST', '/admin/flags/env-check/environments/moon/toggle', { body: { enabled: true } });
    expect(unknownEnv.status).toBe(404);
    expect(unknownEnv.body.detail).toMatch(/moon/);
    expect((await server.api('GET', '/nowhere')).status).toBe(404);
  });
});

describe('admin API: flags, staleness in the list', () => {
  it('marks every listed flag that evaluation telemetry finds stale, not only under stale=true, and no other', async () => {
    const DAY = 86_400_000;
    // The flags are created 40 days ago, by the store's clock; the list is read now.
    let now = Date.now() - 40 * DAY;
    const store = createInMemoryEventStore({ now: () => new Date(now) });
    const own = await startTestServer({ store });
    try {
      for (const key of ['decided', 'forgotten', 'in-use']) await own.api('POST', '/admin/flags', { body: { key } });
      now = Date.now();
      await own.api('POST', '/admin/flags', { body: { key: 'brand-new' } });
      // Telemetry as a process records it: `decided` served only `on`, `in-use` both variants.
      const recorder = new FlagUsageRecorder(store);
      recorder.absorb([
        { environment: 'production', flagKey: 'decided', variant: 'on', reason: 'STATIC', count: 5 },
        { environment: 'production', flagKey: 'in-use', variant: 'on', reason: 'SPLIT', count: 1 },
        { environment: 'staging', flagKey: 'in-use', variant: 'off', reason: 'SPLIT', count: 3 },
      ]);
      await recorder.flush();

      const listed = await own.api('GET', '/admin/flags');
      expect(listed.status).toBe(200);
      const staleOf = (flags: { key: string; stale?: unknown }[]) => Object.fromEntries(flags.map((f) => [f.key, f.stale ?? null]));
      const stale = staleOf(listed.body.flags);
      expect(stale['decided']).toMatchObject({ reason: 'single-variant', staleDays: 30, evaluations: 5, variants: { on: 5 } });
      expect(stale['forgotten']).toEqual({ reason: 'not-evaluated', staleDays: 30, evaluations: 0, variants: {}, lastEvaluatedAt: null });
      expect(stale['in-use']).toBeNull(); // two variants served
      expect(stale['brand-new']).toBeNull(); // younger than the period

      // A longer period than the flags' age: none is stale. stale=true lists the stale ones, marked the same way.
      expect(Object.values(staleOf((await own.api('GET', '/admin/flags?staleDays=60')).body.flags))).toEqual([null, null, null, null]);
      const only = await own.api('GET', '/admin/flags?stale=true');
      expect(only.body.flags.map((f: { key: string }) => f.key)).toEqual(['decided', 'forgotten']);
      expect(staleOf(only.body.flags)).toEqual({ decided: stale['decided'], forgotten: stale['forgotten'] });
    } finally {
      await own.close();
    }
  });

  it('declares the stale field in the OpenAPI document', async () => {
    const document = await server.api('GET', '/openapi.json');
    expect(document.status).toBe(200);
    expect(document.body.paths['/admin/flags'].get.description).toMatch(/carries `stale`/);
  });
});
