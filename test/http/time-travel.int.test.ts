import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInMemoryEventStore } from '../../src/event-store/in-memory-event-store.ts';
import { evaluateFlag } from '../../src/evaluation/compile.ts';
import { mulberry32 } from '../analytics/store/analytics-dataset.ts';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';
import { ENVIRONMENTS, pick, randomContext, randomTargeting } from '../support/random-configuration.ts';

let clock = Date.UTC(2025, 0, 1);
let server: TestServer;
beforeAll(async () => {
  // Simulated time: the store records every append at `clock`, which the tests move forward.
  server = await startTestServer({ store: createInMemoryEventStore({ now: () => new Date(clock) }) });
});
afterAll(async () => server.close());

const tick = (ms = 60_000): string => {
  clock += ms;
  return new Date(clock).toISOString();
};
const head = () => server.store.headPosition();
const rule = (id: string, segment?: string) => ({
  id,
  conditions: [segment ? { operator: 'in_segment', values: [segment] } : { attribute: 'country', operator: 'in', values: ['US', 'CA'] }],
  serve: { variant: 'on' },
});
const targeting = (rules: unknown[]) => ({ enabled: true, offVariant: 'off', rules, defaultServe: { variant: 'off' } });

describe('time travel over HTTP', () => {
  it('reads a flag as of a version or a time, without an ETag, and diffs two versions', async () => {
    tick();
    await server.api('POST', '/admin/flags', { body: { key: 'checkout', description: 'v1' } });
    const afterV1 = new Date(clock).toISOString();
    tick();
    await server.api('PUT', '/admin/flags/checkout/environments/production', { body: targeting([rule('us')]), headers: { 'if-match': 'W/"1"' } });
    tick();
    await server.api('PUT', '/admin/flags/checkout', { body: { description: 'v3' }, headers: { 'if-match': 'W/"2"' } });

    const v1 = await server.api('GET', '/admin/flags/checkout?version=1');
    expect(v1.status).toBe(200);
    expect(v1.headers.get('etag')).toBeNull();
    expect(v1.body).toMatchObject({ key: 'checkout', version: 1, description: 'v1', historical: true, latestVersion: 3 });
    expect(v1.body.environments.production.rules).toEqual([]);
    const atTime = await server.api('GET', `/admin/flags/checkout?at=${encodeURIComponent(afterV1)}`);
    expect(atTime.body).toEqual(v1.body);
    const current = await server.api('GET', '/admin/flags/checkout');
    expect(current.headers.get('etag')).toBe('W/"3"');

    const diff = await server.api('GET', '/admin/flags/checkout/diff?from=1&to=3');
    expect(diff.status).toBe(200);
    expect(diff.body.changes).toEqual([
      { path: 'description', op: 'changed', before: 'v1', after: 'v3' },
      { path: 'environments.production.enabled', op: 'changed', before: false, after: true },
      { path: 'environments.production.rules[id=us]', op: 'added', after: rule('us') },
      { path: 'environments.production.defaultServe.variant', op: 'changed', before: 'on', after: 'off' },
    ]);
  });

  it('refuses bad time-travel inputs with a problem naming the field, and appends nothing', async () => {
    const before = await head();
    const cases: [string, string, number, string][] = [
      ['GET', '/admin/flags/checkout?version=abc', 400, '#/version'],
      ['GET', '/admin/flags/checkout?version=0', 400, '#/version'],
      ['GET', '/admin/flags/checkout?version=99', 404, '#/version'],
      ['GET', '/admin/flags/checkout?at=yesterday', 400, '#/at'],
      ['GET', '/admin/flags/checkout?version=1&at=2025-01-01T00:00:00Z', 400, '#/at'],
      ['GET', '/admin/flags/checkout?at=2000-01-01T00:00:00Z', 404, '#/at'],
      ['GET', '/admin/flags/checkout/diff?from=1&to=99', 404, '#/to'],
      ['GET', '/admin/environments/production/snapshot?at=nope', 400, '#/at'],
      ['GET', '/admin/environments/production/snapshot?revision=999999', 404, '#/revision'],
      ['GET', '/admin/environments/nowhere/snapshot', 404, '#/env'],
      ['GET', '/admin/audit?from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z', 400, '#/to'],
      ['GET', '/admin/audit?format=xml', 400, '#/format'],
      ['GET', '/admin/audit?type=Flag%20Toggled', 400, '#/type'],
    ];
    for (const [method, path, status, pointer] of cases) {
      const response = await server.api(method, path);
      expect(response.status, path).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/problem\+json/);
      expect(response.body.errors.map((e: { pointer: string }) => e.pointer), path).toContain(pointer);
    }
    const explains: [unknown, number, string][] = [
      [{ flagKey: 'checkout', environment: 'production', context: {}, at: '2025-01-01T00:00:00Z', revision: 3 }, 400, '#/revision'],
      [{ flagKey: 'checkout', environment: 'production', context: {}, at: 'soon' }, 400, '#/at'],
      [{ flagKey: 'never-was', environment: 'production', context: {} }, 404, '#/flagKey'],
      [{ flagKey: 'checkout', environment: 'moon', context: {} }, 404, '#/environment'],
      [{ flagKey: 'checkout', environment: 'production', context: {}, revision: 0 }, 400, '#/revision'],
    ];
    for (const [body, status, pointer] of explains) {
      const response = await server.api('POST', '/admin/explain', { body });
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(response.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    }
    const rollbacks: [unknown, Record<string, string>, number, string][] = [
      [{ toVersion: 1, toTime: '2025-01-01T00:00:00Z', reason: 'x' }, { 'if-match': 'W/"3"' }, 400, '#/toVersion'],
      [{ toVersion: 99, reason: 'x' }, { 'if-match': 'W/"3"' }, 404, '#/toVersion'],
      [{ toVersion: 1 }, { 'if-match': 'W/"3"' }, 400, '#/reason'],
      [{ toTime: '2000-01-01T00:00:00Z', reason: 'x' }, { 'if-match': 'W/"3"' }, 422, '#/toTime'],
    ];
    for (const [body, headers, status, pointer] of rollbacks) {
      const response = await server.api('POST', '/admin/flags/checkout/rollback', { body, headers });
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(response.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    }
    expect(await head()).toBe(before);
  });

  it('rolls a flag back to version N with one event: state equal to N, history keeps both, If-Match enforced', async () => {
    tick();
    await server.api('POST', '/admin/segments', { body: { key: 'beta-testers', included: ['user-1'] } });
    tick();
    await server.api('POST', '/admin/flags', { body: { key: 'search', description: 'first' } });
    tick();
    await server.api('PUT', '/admin/flags/search/environments/staging', { body: targeting([rule('beta', 'beta-testers')]), headers: { 'if-match': 'W/"1"' } });
    tick();
    await server.api('PUT', '/admin/flags/search/environments/staging', { body: targeting([rule('us')]), headers: { 'if-match': 'W/"2"' } });
    tick();
    await server.api('PUT', '/admin/flags/search', { body: { description: 'fourth', tags: ['x'] }, headers: { 'if-match': 'W/"3"' } });

    const missing = await server.api('POST', '/admin/flags/search/rollback', { body: { toVersion: 2, reason: 'r' } });
    expect(missing.status).toBe(428);
    const stale = await server.api('POST', '/admin/flags/search/rollback', { body: { toVersion: 2, reason: 'r' }, headers: { 'if-match': 'W/"3"' } });
    expect(stale.status).toBe(412);

    tick();
    const rolled = await server.api('POST', '/admin/flags/search/rollback', {
      body: { toVersion: 2, reason: 'the US rule broke search' },
      headers: { 'if-match': 'W/"4"' },
    });
    expect(rolled.status).toBe(200);
    expect(rolled.headers.get('etag')).toBe('W/"5"');
    const v2 = (await server.api('GET', '/admin/flags/search?version=2')).body;
    const strip = ({ version: _v, updatedAt: _u, updatedBy: _b, historical: _h, latestVersion: _l, rolledBackTo: _r, ...content }: Record<string, unknown>) => content;
    expect(strip(rolled.body)).toEqual(strip(v2));
    expect((await server.api('GET', '/admin/flags/search/diff?from=2&to=5')).body.changes).toEqual([]);

    const history = (await server.api('GET', '/admin/flags/search/history')).body.events;
    expect(history.map((e: { type: string }) => e.type)).toEqual(['FlagCreated', 'FlagTargetingChanged', 'FlagTargetingChanged', 'FlagDetailsChanged', 'FlagRolledBack']);
    expect(history[4]).toMatchObject({ version: 5, actor: 'bootstrap-admin', reason: 'the US rule broke search', change: { toVersion: 2 } });

    // The read side folds the rollback too: staging evaluates as it did at version 2.
    await server.projection.caughtUp();
    const staging = server.projection.model.compiledEnvironment('staging')!;
    expect(evaluateFlag(staging, 'search', { targetingKey: 'user-1' })).toMatchObject({ variant: 'on', ruleId: 'beta' });

    // Version 3 again is fine; but once the segment is gone, version 2 cannot come back, and the problem says why.
    tick();
    expect((await server.api('POST', '/admin/flags/search/rollback', { body: { toVersion: 3, reason: 'us again' }, headers: { 'if-match': 'W/"5"' } })).status).toBe(200);
    tick();
    expect((await server.api('DELETE', '/admin/segments/beta-testers')).status).toBe(200);
    const before = await head();
    const blocked = await server.api('POST', '/admin/flags/search/rollback', { body: { toVersion: 2, reason: 'again' }, headers: { 'if-match': 'W/"6"' } });
    expect(blocked.status).toBe(422);
    expect(blocked.body.errors).toEqual([
      { pointer: '#/environments/staging/rules/0/conditions/0/values/0', detail: 'names no segment (beta-testers does not exist or is archived)' },
    ]);
    expect(await head()).toBe(before);
  });

  it('rolls an environment back: the dry run changes nothing, the real one appends one event per changed flag', async () => {
    tick();
    await server.api('POST', '/admin/flags', { body: { key: 'env-a' } });
    await server.api('POST', '/admin/flags', { body: { key: 'env-b' } });
    await server.api('POST', '/admin/flags/env-a/environments/development/toggle', { body: { enabled: true } });
    const then = new Date(clock).toISOString();
    tick();
    await server.api('POST', '/admin/flags/env-a/environments/development/toggle', { body: { enabled: false } });
    await server.api('PUT', '/admin/flags/env-b/environments/development', { body: targeting([rule('us')]), headers: { 'if-match': 'W/"1"' } });
    await server.api('POST', '/admin/flags/env-b/environments/staging/toggle', { body: { enabled: true } });
    await server.api('POST', '/admin/flags', { body: { key: 'env-late' } });
    await server.api('POST', '/admin/flags/env-late/environments/development/toggle', { body: { enabled: true } });
    tick();

    const before = await head();
    const dry = await server.api('POST', '/admin/environments/development/rollback', { body: { toTime: then, dryRun: true } });
    expect(dry.status).toBe(200);
    expect(await head()).toBe(before);
    const planned = dry.body.changes.map((c: { flagKey: string; action: string }) => [c.flagKey, c.action]);
    expect(planned).toEqual([['env-a', 'restore'], ['env-b', 'restore'], ['env-late', 'disable']]);

    const real = await server.api('POST', '/admin/environments/development/rollback', { body: { toTime: then, reason: 'bad release' } });
    expect(real.status).toBe(200);
    expect(real.body.changes.map((c: { flagKey: string; action: string }) => [c.flagKey, c.action])).toEqual(planned);
    const appended = await server.store.readAll({ after: before });
    expect(appended.map((e) => [e.streamId, e.type, e.metadata['reason']])).toEqual([
      ['flag-env-a', 'FlagTargetingRolledBack', 'bad release'],
      ['flag-env-b', 'FlagTargetingRolledBack', 'bad release'],
      ['flag-env-late', 'FlagTargetingRolledBack', 'bad release'],
    ]);
    const a = (await server.api('GET', '/admin/flags/env-a')).body;
    expect(a.environments.development.enabled).toBe(true);
    const b = (await server.api('GET', '/admin/flags/env-b')).body;
    expect(b.environments.development.rules).toEqual([]);
    expect(b.environments.staging.enabled).toBe(true); // other environments untouched
    expect((await server.api('GET', '/admin/flags/env-late')).body.environments.development.enabled).toBe(false);

    const again = await server.api('POST', '/admin/environments/development/rollback', { body: { toTime: then, reason: 'twice' } });
    expect(again.body.changed).toBe(0);
  });

  it('filters the audit feed and exports it as JSON and as escaped CSV', async () => {
    tick();
    await server.api('POST', '/admin/flags', { body: { key: 'audited', reason: 'says "hi", then\nleaves' } });
    const byType = await server.api('GET', '/admin/audit?type=FlagRolledBack&entity=flag:search&limit=1');
    expect(byType.body.entries).toHaveLength(1);
    expect(byType.body.entries[0]).toMatchObject({ entityKey: 'search', type: 'FlagRolledBack', version: 6 });
    const next = await server.api('GET', `/admin/audit?type=FlagRolledBack&entity=flag:search&limit=1&before=${byType.body.nextCursor}`);
    expect(next.body.entries[0]).toMatchObject({ version: 5 });
    const window = await server.api('GET', `/admin/audit?actor=bootstrap-admin&from=${new Date(clock).toISOString()}`);
    expect(window.body.entries.map((e: { entityKey: string }) => e.entityKey)).toEqual(['audited']);

    const json = await server.api('GET', '/admin/audit?entity=flag:audited&format=json');
    expect(json.headers.get('content-disposition')).toMatch(/attachment/);
    expect(json.body).toHaveLength(1);
    const csv = await server.api('GET', '/admin/audit?entity=flag:audited&format=csv');
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const [header, row] = (csv.body as string).split('\r\n');
    expect(header).toBe('position,time,entityType,entityKey,version,type,actor,reason,correlationId,change');
    expect(row).toContain(',"says ""hi"", then\nleaves",');
  });

  it('explains, over HTTP, every recorded evaluation at its time and at its revision, exactly', async () => {
    const random = mulberry32(7);
    const flags = [
      { key: 'rnd-0', variants: ['on', 'off'] },
      { key: 'rnd-1', variants: ['on', 'off'] },
      { key: 'rnd-2', variants: ['on', 'off'] },
    ];
    await server.api('POST', '/admin/segments', { body: { key: 'rnd-seg', included: ['user-3'], conditions: [{ attribute: 'plan', operator: 'eq', values: ['pro'] }] } });
    for (const flag of flags) await server.api('POST', '/admin/flags', { body: { key: flag.key } });
    const recorded: { at: string; environment: string; flagKey: string; context: Record<string, unknown>; result: { revision: number } }[] = [];
    for (let change = 0; change < 40; change++) {
      tick(1 + Math.floor(random() * 10_000));
      const index = Math.floor(random() * flags.length);
      const flag = flags[index]!;
      const environment = pick(random, ENVIRONMENTS);
      const current = await server.api('GET', `/admin/flags/${flag.key}`);
      const body = randomTargeting(random, flag, flags.slice(0, index), ['rnd-seg']);
      const put = await server.api('PUT', `/admin/flags/${flag.key}/environments/${environment}`, { body, headers: { 'if-match': current.headers.get('etag')! } });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      await server.projection.caughtUp();
      const at = tick(1);
      for (let i = 0; i < 3; i++) {
        const env = pick(random, ENVIRONMENTS);
        const flagKey = pick(random, flags).key;
        const context = randomContext(random);
        recorded.push({ at, environment: env, flagKey, context, result: evaluateFlag(server.projection.model.compiledEnvironment(env)!, flagKey, context) });
      }
    }
    for (const entry of recorded) {
      for (const moment of [{ at: entry.at }, { revision: entry.result.revision }]) {
        const explained = await server.api('POST', '/admin/explain', { body: { flagKey: entry.flagKey, environment: entry.environment, context: entry.context, ...moment } });
        expect(explained.status).toBe(200);
        expect(explained.body.result, JSON.stringify(moment)).toEqual(JSON.parse(JSON.stringify(entry.result)));
        expect(explained.body.trace.length).toBeGreaterThan(1);
      }
    }
    const snapshot = await server.api('GET', `/admin/environments/production/snapshot?revision=${recorded[0]!.result.revision}`);
    expect(snapshot.body.asOf.position).toBe(recorded[0]!.result.revision);
    expect(Object.keys(snapshot.body.flags)).toContain('rnd-0');
  });
});
