import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInMemoryEventStore } from '../../src/event-store/in-memory-event-store.ts';
import { createFlagstaffClient, type FlagstaffClient } from '../../src/sdk/flagstaff-client.ts';
import { eventually } from '../support/eventually.ts';
import { request, startTestServer, type TestServer } from '../support/flagstaff.ts';
import { createFlag, createServerKey, setTargeting, toggle } from './sdk-fixtures.ts';

let server: TestServer;
let serverKey: string;
/** The store's clock: set back while the flags are created, so that they are old enough to be stale. */
let now = Date.now();
const clients: FlagstaffClient[] = [];

interface StaleFlag {
  key: string;
  stale: { reason: string; evaluations: number; variants: Record<string, number>; lastEvaluatedAt: string | null };
}

const staleFlags = async (): Promise<StaleFlag[]> => (await server.api('GET', '/admin/flags?stale=true&staleDays=1&limit=1000')).body.flags as StaleFlag[];
const usageOf = async (key: string): Promise<StaleFlag['stale'] | undefined> => (await staleFlags()).find((f) => f.key === key)?.stale;
const postUsage = (body: unknown, key = serverKey) => request(server.url, 'POST', '/api/v1/usage', { token: null, headers: { authorization: `Bearer ${key}` }, body });
const minuteAgo = () => new Date(Date.now() - 60_000).toISOString();

/** Counts the client's requests to POST /api/v1/usage. */
function spyingFetch(): { fetch: typeof fetch; usagePosts: unknown[] } {
  const usagePosts: unknown[] = [];
  return {
    usagePosts,
    fetch: async (input, init) => {
      if (String(input).endsWith('/api/v1/usage')) usagePosts.push(JSON.parse(String(init?.body)));
      return fetch(input, init);
    },
  };
}

beforeAll(async () => {
  now = Date.now() - 3 * 86_400_000;
  server = await startTestServer({ store: createInMemoryEventStore({ now: () => new Date(now) }), config: { operations: { logLevel: 'warn', usageFlushMs: 100 } } });
  const split = { enabled: true, offVariant: 'off', defaultServe: { split: [{ variant: 'on', weight: 50_000 }, { variant: 'off', weight: 50_000 }] } };
  for (const key of ['sdk-split', 'sdk-on', 'on-close', 'not-reported', 'untouched', 'bad-body', 'witness']) await createFlag(server, { key });
  for (const key of ['sdk-split', 'on-close', 'not-reported', 'bad-body', 'witness']) await setTargeting(server, key, 'production', split);
  await toggle(server, 'sdk-on', true);
  now = Date.now();
  serverKey = await createServerKey(server);
  await server.projection.caughtUp();
});
afterAll(async () => {
  for (const client of clients) await client.close();
  await server?.close();
});

async function readyClient(options: Partial<Parameters<typeof createFlagstaffClient>[0]> = {}): Promise<FlagstaffClient> {
  const client = createFlagstaffClient({ url: server.url, sdkKey: serverKey, ...options });
  clients.push(client);
  await client.ready();
  return client;
}

describe('the Node SDK reports its local evaluations (POST /api/v1/usage)', () => {
  it('before any report, every flag looks unused', async () => {
    expect((await staleFlags()).map((f) => f.key)).toEqual(['bad-body', 'not-reported', 'on-close', 'sdk-on', 'sdk-split', 'untouched', 'witness']);
  });

  it('flags evaluated only in an SDK are not "not evaluated": a split served both ways is not stale, one variant is counted as such', async () => {
    const spy = spyingFetch();
    const client = await readyClient({ fetch: spy.fetch, usage: { flushIntervalMs: 50 } });
    for (let i = 0; i < 40; i++) {
      client.getBooleanValue('sdk-split', false, { targetingKey: `user-${i}` });
      client.evaluate('sdk-on', { targetingKey: `user-${i}` });
    }
    client.evaluate('no-such-flag', {}); // served no variant: not usage
    await eventually(async () => {
      const stale = await staleFlags();
      expect(stale.map((f) => f.key)).not.toContain('sdk-split');
      expect(stale.find((f) => f.key === 'sdk-on')?.stale).toMatchObject({ reason: 'single-variant', evaluations: 40, variants: { on: 40 } });
    });
    expect((await usageOf('sdk-on'))!.lastEvaluatedAt).not.toBeNull();
    expect(spy.usagePosts.length).toBeGreaterThan(0);
    expect(JSON.stringify(spy.usagePosts)).not.toContain('no-such-flag');
    // The server served no evaluation: all of it came from the SDK's reports.
    expect((await usageOf('untouched'))).toMatchObject({ reason: 'not-evaluated', evaluations: 0 });
  });

  it('sends what it counted when closed; with usage turned off it sends nothing', async () => {
    const quiet = spyingFetch();
    const off = await readyClient({ fetch: quiet.fetch, usage: { enabled: false, flushIntervalMs: 50 } });
    for (let i = 0; i < 10; i++) off.evaluate('not-reported', { targetingKey: `user-${i}` });
    await off.close();
    expect(quiet.usagePosts).toEqual([]);

    const closing = await readyClient(); // the default period (a minute): only close sends
    for (let i = 0; i < 40; i++) closing.evaluate('on-close', { targetingKey: `user-${i}` });
    await closing.close();
    // Stale until then (the first test), it served both variants: not stale any more.
    await eventually(async () => expect((await staleFlags()).map((f) => f.key)).not.toContain('on-close'));
    expect(await usageOf('not-reported')).toMatchObject({ reason: 'not-evaluated', evaluations: 0 });
  });

  it('refuses a bad report whole, naming each bad field, and counts nothing of it', async () => {
    const bad = await postUsage({ start: 'yesterday', stop: new Date().toISOString(), flags: { 'bad-body': { on: 5, off: -1, 'Not A Variant': 1 } }, extra: true });
    expect(bad.status).toBe(400);
    const pointers = (bad.body.errors as { pointer: string }[]).map((e) => e.pointer).sort();
    expect(pointers).toEqual(['#/extra', '#/flags/bad-body/Not A Variant', '#/flags/bad-body/off', '#/start']);

    const backwards = await postUsage({ start: new Date().toISOString(), stop: minuteAgo(), flags: { 'bad-body': { on: 5 } } });
    expect(backwards.status).toBe(400);
    expect(backwards.body.errors).toEqual([{ pointer: '#/start', detail: 'must not be after stop' }]);
    const future = await postUsage({ start: minuteAgo(), stop: new Date(Date.now() + 86_400_000).toISOString(), flags: { 'bad-body': { on: 5 } } });
    expect(future.status).toBe(400);
    expect(future.body.errors[0].pointer).toBe('#/stop');
    const fractional = await postUsage({ start: minuteAgo(), stop: new Date().toISOString(), flags: { 'bad-body': { on: 1.5 } } });
    expect(fractional.body.errors).toEqual([{ pointer: '#/flags/bad-body/on', detail: 'must be a whole number' }]);
    expect((await postUsage([])).status).toBe(400);

    // A good report after the bad ones: once it is counted, the bad ones would have been too.
    const good = await postUsage({ start: minuteAgo(), stop: new Date().toISOString(), flags: { witness: { on: 3, off: 4 } } });
    expect(good.status).toBe(202);
    expect(good.body).toEqual({ accepted: 7, ignored: [] });
    await eventually(async () => expect((await staleFlags()).map((f) => f.key)).not.toContain('witness'));
    expect(await usageOf('bad-body')).toMatchObject({ reason: 'not-evaluated', evaluations: 0 });
  });

  it('ignores flags and variants the environment does not define, and says which', async () => {
    const answer = await postUsage({ start: minuteAgo(), stop: new Date().toISOString(), flags: { 'no-such-flag': { on: 2 }, 'sdk-on': { on: 1, purple: 9 } } });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ accepted: 1, ignored: ['no-such-flag', 'sdk-on/purple'] });
    await eventually(async () => expect((await usageOf('sdk-on'))?.evaluations).toBe(41));
    expect((await usageOf('sdk-on'))!.variants).toEqual({ on: 41 });
  });

  it('takes reports from server keys only: a client key is refused (403), no key is 401', async () => {
    const clientKey = await createServerKey(server, 'production', 'client');
    const body = { start: minuteAgo(), stop: new Date().toISOString(), flags: { untouched: { on: 1 } } };
    const refused = await postUsage(body, clientKey);
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/Only server keys report usage/);
    expect((await request(server.url, 'POST', '/api/v1/usage', { token: null, body })).status).toBe(401);
    // Another report proves the refused ones were not merely slow to count.
    expect((await postUsage({ start: minuteAgo(), stop: new Date().toISOString(), flags: { 'sdk-on': { on: 1 } } })).status).toBe(202);
    await eventually(async () => expect((await usageOf('sdk-on'))?.evaluations).toBe(42));
    expect(await usageOf('untouched')).toMatchObject({ reason: 'not-evaluated', evaluations: 0 });
  });
});
