import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSse, type SseConnection } from '../support/sse-client.ts';
import { request, startTestServer, type TestServer } from '../support/flagstaff.ts';

let server: TestServer;
let serverKey: string;
let clientKey: string;
let stagingKey: string;

const sdk = (key: string) => ({ authorization: `Bearer ${key}` });

beforeAll(async () => {
  server = await startTestServer({ sseHeartbeatMs: 200 });
  serverKey = (await server.api('POST', '/admin/api-keys', { body: { environment: 'production', kind: 'server' } })).body.key;
  clientKey = (await server.api('POST', '/admin/api-keys', { body: { environment: 'production', kind: 'client' } })).body.key;
  stagingKey = (await server.api('POST', '/admin/api-keys', { body: { environment: 'staging', kind: 'server' } })).body.key;
  await server.api('POST', '/admin/flags', { body: { key: 'new-checkout' } });
  await server.api('PUT', '/admin/flags/new-checkout/environments/production', {
    headers: { 'if-match': 'W/"1"' },
    body: {
      enabled: true,
      offVariant: 'off',
      targets: [{ variant: 'on', units: ['user-1'] }],
      rules: [{ id: 'us-premium', conditions: [{ attribute: 'country', operator: 'in', values: ['US', 'CA'] }, { attribute: 'plan', operator: 'eq', values: ['premium'] }], serve: { variant: 'on' } }],
      defaultServe: { variant: 'off' },
    },
  });
  await server.api('POST', '/admin/flags', { body: { key: 'banner', type: 'string', variants: { blue: 'Blue', red: 'Red' } } });
  await server.projection.caughtUp();
});
afterAll(async () => server.close());

const evaluate = (path: string, key = serverKey) => request(server.url, 'GET', path, { token: null, headers: sdk(key) });

describe('read API: evaluation', () => {
  it('evaluates one flag from query attributes, with the revision that produced the result', async () => {
    const premium = await evaluate('/api/v1/flags/new-checkout?environment=production&targetingKey=user-7&country=US&plan=premium');
    expect(premium.status).toBe(200);
    expect(premium.body).toEqual({ flagKey: 'new-checkout', value: true, variant: 'on', reason: 'TARGETING_MATCH', ruleId: 'us-premium', revision: server.projection.model.revisionOf('production') });
    const targeted = await evaluate('/api/v1/flags/new-checkout?targetingKey=user-1');
    expect(targeted.body).toMatchObject({ variant: 'on', reason: 'TARGETING_MATCH' });
    expect(targeted.body).not.toHaveProperty('ruleId');
    const other = await evaluate('/api/v1/flags/new-checkout?targetingKey=user-8&country=FR');
    expect(other.body).toMatchObject({ value: false, variant: 'off', reason: 'DEFAULT' });
    const disabled = await evaluate('/api/v1/flags/banner?targetingKey=user-8');
    expect(disabled.body).toMatchObject({ value: 'Blue', variant: 'blue', reason: 'DISABLED' });
  });

  it('answers an unknown flag with 404 and FLAG_NOT_FOUND', async () => {
    const missing = await evaluate('/api/v1/flags/nope?targetingKey=u');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ flagKey: 'nope', value: null, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
  });

  it('refuses missing, wrong and revoked keys, and another environment', async () => {
    const anonymous = await request(server.url, 'GET', '/api/v1/flags/new-checkout', { token: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    expect((await evaluate('/api/v1/flags/new-checkout', 'fs_server_forged')).status).toBe(401);
    expect((await evaluate('/api/v1/flags/new-checkout?environment=staging', serverKey)).status).toBe(403);
    // The admin token is not an SDK key.
    expect((await request(server.url, 'GET', '/api/v1/flags/new-checkout')).status).toBe(401);
    const doomed = await server.api('POST', '/admin/api-keys', { body: { environment: 'production', kind: 'server' } });
    await server.projection.caughtUp();
    expect((await evaluate('/api/v1/flags/new-checkout', doomed.body.key)).status).toBe(200);
    await server.api('DELETE', `/admin/api-keys/${doomed.body.id}`);
    await server.projection.caughtUp();
    expect((await evaluate('/api/v1/flags/new-checkout', doomed.body.key)).status).toBe(401);
  });

  it('evaluates a batch: all flags, or the ones named', async () => {
    const all = await request(server.url, 'POST', '/api/v1/flags/batch', {
      token: null,
      headers: sdk(clientKey),
      body: { environment: 'production', context: { targetingKey: 'user-7', country: 'CA', plan: 'premium' } },
    });
    expect(all.status).toBe(200);
    expect(all.body.revision).toBe(server.projection.model.revisionOf('production'));
    expect(all.body.flags.map((f: { flagKey: string; variant: string }) => `${f.flagKey}=${f.variant}`).sort()).toEqual(['banner=blue', 'new-checkout=on']);
    const named = await request(server.url, 'POST', '/api/v1/flags/batch', { token: null, headers: sdk(serverKey), body: { context: {}, flagKeys: ['banner', 'ghost'] } });
    expect(named.body.flags.map((f: { flagKey: string; errorCode?: string }) => f.errorCode ?? f.flagKey)).toEqual(['banner', 'FLAG_NOT_FOUND']);
    const bad = await request(server.url, 'POST', '/api/v1/flags/batch', { token: null, headers: sdk(serverKey), body: { context: 'nope' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].pointer).toBe('#/context');
  });
});

describe('read API: snapshot', () => {
  it('serves the compiled configuration with an ETag, 304 when unchanged, and only to server keys', async () => {
    const first = await evaluate('/api/v1/snapshot?environment=production');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ formatVersion: 1, environment: 'production' });
    expect(Object.keys(first.body.flags).sort()).toEqual(['banner', 'new-checkout']);
    expect(first.body.flags['new-checkout'].rules[0].id).toBe('us-premium');
    const etag = first.headers.get('etag')!;
    expect(etag).toBe(`W/"${first.body.revision}"`);
    const again = await request(server.url, 'GET', '/api/v1/snapshot', { token: null, headers: { ...sdk(serverKey), 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect((await evaluate('/api/v1/snapshot', clientKey)).status).toBe(403);
    const staging = await evaluate('/api/v1/snapshot', stagingKey);
    expect(staging.body.environment).toBe('staging');
    expect(staging.body.flags['new-checkout'].enabled).toBe(false);
  });
});

describe('read API: SSE stream', () => {
  let stream: SseConnection | undefined;
  afterAll(() => stream?.close());

  it('sends the snapshot, then each change as a delta, and heartbeats', async () => {
    stream = await connectSse(`${server.url}/api/v1/stream?environment=production`, sdk(serverKey));
    expect(stream.status).toBe(200);
    const snapshot = await stream.next((e) => e.event === 'snapshot');
    expect(Number(snapshot.id)).toBe(server.projection.model.revisionOf('production'));

    const toggled = await server.api('POST', '/admin/flags/banner/environments/production/toggle', { body: { enabled: true } });
    expect(toggled.status).toBe(200);
    // How soon it arrives is a latency figure, measured in bench/ (SSE propagation), not asserted here.
    const change = await stream.next((e) => e.event === 'change');
    const delta = JSON.parse(change.data);
    expect(Object.keys(delta.flags)).toEqual(['banner']);
    expect(delta.flags.banner.enabled).toBe(true);
    expect(delta.previousRevision).toBe(Number(snapshot.id));
    expect(Number(change.id)).toBe(delta.revision);
    await stream.comment('heartbeat');
  });

  it('resumes from Last-Event-ID with only the missed deltas', async () => {
    const before = server.projection.model.revisionOf('production')!;
    await server.api('POST', '/admin/flags/banner/environments/production/toggle', { body: { enabled: false } });
    await server.api('POST', '/admin/flags', { body: { key: 'later' } });
    await server.projection.caughtUp();
    const resumed = await connectSse(`${server.url}/api/v1/stream`, { ...sdk(serverKey), 'last-event-id': String(before) });
    try {
      const first = await resumed.next();
      const second = await resumed.next();
      expect([first.event, second.event]).toEqual(['change', 'change']);
      expect(JSON.parse(first.data).previousRevision).toBe(before);
      expect(Object.keys(JSON.parse(second.data).flags)).toEqual(['later']);
      expect(resumed.events.some((e) => e.event === 'snapshot')).toBe(false);
      // From an unknown revision the only safe answer is a whole snapshot.
      const fresh = await connectSse(`${server.url}/api/v1/stream`, { ...sdk(serverKey), 'last-event-id': '1' });
      expect((await fresh.next()).event).toBe('snapshot');
      fresh.close();
    } finally {
      resumed.close();
    }
  });

  it('tells client keys only the revision', async () => {
    const revisions = await connectSse(`${server.url}/api/v1/stream`, sdk(clientKey));
    try {
      const first = await revisions.next();
      expect(first.event).toBe('revision');
      await server.api('POST', '/admin/flags/later/environments/production/toggle', { body: { enabled: true } });
      const next = await revisions.next((e) => e.event === 'revision');
      expect(JSON.parse(next.data).revision).toBeGreaterThan(JSON.parse(first.data).revision);
      expect(next.data).not.toContain('later');
    } finally {
      revisions.close();
    }
  });
});

describe('read API: revoking a key ends its streams', () => {
  it('ends every open stream of the key with a final frame saying why, and a reconnect gets 401', async () => {
    const doomed = await server.api('POST', '/admin/api-keys', { body: { environment: 'production', kind: 'server' } });
    await server.projection.caughtUp();
    const streams = [await connectSse(`${server.url}/api/v1/stream`, sdk(doomed.body.key)), await connectSse(`${server.url}/api/v1/stream`, sdk(doomed.body.key))];
    const other = await connectSse(`${server.url}/api/v1/stream`, sdk(serverKey));
    try {
      for (const stream of [...streams, other]) await stream.next((e) => e.event === 'snapshot');
      expect((await server.api('DELETE', `/admin/api-keys/${doomed.body.id}`)).status).toBe(200);
      // The hub ends the streams when the projection applies the revocation (pushed, no timer), so this takes
      // milliseconds; the limit only keeps a slow machine from failing the test.
      for (const stream of streams) {
        const end = await stream.next((e) => e.event === 'end', 10_000);
        expect(JSON.parse(end.data)).toMatchObject({ status: 401, reason: 'revoked' });
        expect(await stream.endedBy).toBe('server');
        expect(stream.events.at(-1)).toBe(end);
      }
      const again = await connectSse(`${server.url}/api/v1/stream`, sdk(doomed.body.key));
      expect(again.status).toBe(401);
      again.close();
      // Another key's stream goes on.
      await server.api('POST', '/admin/flags', { body: { key: 'after-revocation' } });
      const change = await other.next((e) => e.event === 'change');
      expect(Object.keys(JSON.parse(change.data).flags)).toEqual(['after-revocation']);
    } finally {
      for (const stream of [...streams, other]) stream.close();
    }
  });
});

describe('OFREP', () => {
  const ofrep = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    request(server.url, 'POST', path, { token: null, headers: { 'x-api-key': clientKey, ...headers }, body });

  it('evaluates one flag in OFREP shapes, with OFREP errors', async () => {
    const ok = await ofrep('/ofrep/v1/evaluate/flags/new-checkout', { context: { targetingKey: 'user-7', country: 'US', plan: 'premium' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ key: 'new-checkout', value: true, variant: 'on', reason: 'TARGETING_MATCH', metadata: { ruleId: 'us-premium' } });
    const missing = await ofrep('/ofrep/v1/evaluate/flags/ghost', { context: {} });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ key: 'ghost', errorCode: 'FLAG_NOT_FOUND' });
    const invalid = await ofrep('/ofrep/v1/evaluate/flags/new-checkout', { context: 'x' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errorCode).toBe('INVALID_CONTEXT');
    expect((await ofrep('/ofrep/v1/evaluate/flags/new-checkout', { context: {} }, { 'x-api-key': 'wrong' })).status).toBe(401);
  });

  it('evaluates every flag in bulk, with an ETag that answers 304 until something changes', async () => {
    const bulk = await ofrep('/ofrep/v1/evaluate/flags', { context: { targetingKey: 'user-1' } });
    expect(bulk.status).toBe(200);
    expect(bulk.body.flags.find((f: { key: string }) => f.key === 'new-checkout')).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
    const etag = bulk.headers.get('etag')!;
    expect((await ofrep('/ofrep/v1/evaluate/flags', { context: {} }, { 'if-none-match': etag })).status).toBe(304);
    await server.api('POST', '/admin/flags/new-checkout/environments/production/toggle', { body: { enabled: false } });
    await server.projection.caughtUp();
    const changed = await ofrep('/ofrep/v1/evaluate/flags', { context: { targetingKey: 'user-1' } }, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.body.flags.find((f: { key: string }) => f.key === 'new-checkout')).toMatchObject({ value: false, reason: 'DISABLED' });
  });
});

describe('read side administration', () => {
  it('rebuilds the read model from zero and proves it equals the live one', async () => {
    const report = await server.api('POST', '/admin/projections/rebuild');
    expect(report.status).toBe(200);
    expect(report.body.equal).toBe(true);
    expect(report.body.liveHash).toBe(report.body.rebuiltHash);
    expect(report.body.position).toBe(await server.store.headPosition());
    expect(report.body.events).toBe(report.body.position);
  });
});
