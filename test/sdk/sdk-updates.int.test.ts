import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFlagstaffClient, type FlagstaffClient, type FlagstaffClientOptions } from '../../src/sdk/flagstaff-client.ts';
import type { EnvironmentSnapshot } from '../../src/shared/snapshot.ts';
import { eventually } from '../support/eventually.ts';
import { request, startTestServer, type TestServer } from '../support/flagstaff.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';
import { createFlag, createServerKey, freePort, recordEvents, startOnDisk, tempDir, toggle } from './sdk-fixtures.ts';

const servers: TestServer[] = [];
const clients: FlagstaffClient[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const client of clients) await client.close();
  for (const server of servers) await server.close().catch(() => {});
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

const fast = { reconnect: { initialDelayMs: 50, maxDelayMs: 400 }, pollIntervalMs: 300, initTimeoutMs: 5_000 } satisfies Partial<FlagstaffClientOptions>;
const client = (options: FlagstaffClientOptions): FlagstaffClient => {
  const created = createFlagstaffClient(options);
  clients.push(created);
  return created;
};
const enabled = (c: FlagstaffClient, key = 'kill-switch') => c.getBooleanDetails(key, false, { targetingKey: 'u1' });

describe('SDK: configuration updates', () => {
  it('serves the snapshot once ready, and a change through the admin API reaches it with the flags that changed', async () => {
    const server = await startTestServer({ sseHeartbeatMs: 500 });
    servers.push(server);
    const sdkKey = await createServerKey(server);
    await createFlag(server, { key: 'kill-switch' });
    await createFlag(server, { key: 'other' });
    await toggle(server, 'kill-switch', true);
    await server.projection.caughtUp();

    const sdk = client({ url: server.url, sdkKey, ...fast });
    const events = recordEvents(sdk);
    await sdk.ready();
    expect(sdk.status).toBe('ready');
    expect(enabled(sdk)).toMatchObject({ value: true, variant: 'on', reason: 'DEFAULT', revision: server.projection.model.revisionOf('production') });

    const changed = events.next('changed');
    await toggle(server, 'kill-switch', false);
    expect(await changed).toEqual({ flagKeys: ['kill-switch'], revision: server.projection.model.revisionOf('production') });
    expect(enabled(sdk)).toMatchObject({ value: false, variant: 'off', reason: 'DISABLED' });
  });

  it('reconnects after a cut with Last-Event-ID and catches up on what changed meanwhile, going stale then live', async () => {
    const server = await startTestServer({ sseHeartbeatMs: 500 });
    servers.push(server);
    const sdkKey = await createServerKey(server);
    await createFlag(server, { key: 'kill-switch' });
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(server.url).port) });
    const lastEventIds: (string | null)[] = [];
    const recording: typeof fetch = (input, init) => {
      if (String(input).includes('/api/v1/stream')) lastEventIds.push(new Headers(init?.headers).get('last-event-id'));
      return fetch(input, init);
    };
    const sdk = client({ url: `http://127.0.0.1:${proxy.port}`, sdkKey, ...fast, pollIntervalMs: 60_000, fetch: recording });
    const events = recordEvents(sdk);
    await sdk.ready();
    const before = sdk.revision;

    const stale = events.next('stale');
    await proxy.cut();
    expect((await stale).revision).toBe(before);
    await toggle(server, 'kill-switch', true); // missed while cut off
    expect(enabled(sdk).value).toBe(false); // the last good configuration, still served
    const changed = events.next('changed', (c) => c.flagKeys.includes('kill-switch'));
    const live = events.next('live');
    await proxy.restore();
    await live;
    await changed;
    expect(enabled(sdk)).toMatchObject({ value: true, reason: 'DEFAULT' });
    expect(lastEventIds[0]).toBeNull(); // the first connection asks for everything
    expect(lastEventIds.at(-1)).toBe(String(before)); // a reconnect resumes from the revision it holds
    await proxy.close();
  });

  it('after the server restarts on the same store and port, reconnects and catches up; meanwhile keeps the last configuration', async () => {
    const dataDir = await tempDir('flagstaff-sdk-restart-');
    dirs.push(dataDir);
    const port = await freePort();
    const first = await startOnDisk(dataDir, port);
    const sdkKey = await createServerKey(first);
    await createFlag(first, { key: 'kill-switch' });
    await first.projection.caughtUp();

    const sdk = client({ url: first.url, sdkKey, ...fast });
    const events = recordEvents(sdk);
    await sdk.ready();
    const stale = events.next('stale');
    await first.close();
    await stale;
    expect(sdk.status).toBe('stale');
    expect(enabled(sdk)).toMatchObject({ value: false, reason: 'DISABLED' });

    const second = await startOnDisk(dataDir, port);
    servers.push(second);
    const live = events.next('live', undefined, 15_000);
    await toggle(second, 'kill-switch', true);
    await live;
    await eventually(async () => expect(enabled(sdk)).toMatchObject({ value: true, reason: 'DEFAULT', revision: second.projection.model.revisionOf('production') }));
    expect(sdk.status).toBe('ready');
  });

  it('started with the server down and a bootstrap file, serves the bootstrap, then the server once it is up', async () => {
    const dataDir = await tempDir('flagstaff-sdk-bootstrap-');
    dirs.push(dataDir);
    const port = await freePort();
    const seed = await startOnDisk(dataDir, port);
    const sdkKey = await createServerKey(seed);
    await createFlag(seed, { key: 'kill-switch' });
    await toggle(seed, 'kill-switch', true);
    await seed.projection.caughtUp();
    const saved = await request(seed.url, 'GET', '/api/v1/snapshot', { token: null, headers: { authorization: `Bearer ${sdkKey}` } });
    const bootstrapFile = path.join(dataDir, 'bootstrap.json');
    await fs.writeFile(bootstrapFile, JSON.stringify(saved.body));
    await seed.close();

    const sdk = client({ url: `http://127.0.0.1:${port}`, sdkKey, bootstrap: bootstrapFile, ...fast });
    const events = recordEvents(sdk);
    await sdk.ready(); // at once: the bootstrap
    expect(enabled(sdk)).toMatchObject({ value: true, reason: 'DEFAULT', revision: (saved.body as EnvironmentSnapshot).revision });
    await events.next('stale'); // the server cannot be reached: serving what may be out of date

    const server = await startOnDisk(dataDir, port);
    servers.push(server);
    await toggle(server, 'kill-switch', false);
    await eventually(async () => expect(enabled(sdk)).toMatchObject({ value: false, reason: 'DISABLED' }), 15_000);
  });

  it('without a bootstrap and with no server, answers PROVIDER_NOT_READY and ready() rejects after its timeout', async () => {
    const sdk = client({ url: `http://127.0.0.1:${await freePort()}`, sdkKey: 'fs_server_nothing', ...fast, initTimeoutMs: 300 });
    await expect(sdk.ready()).rejects.toThrow(/no configuration/);
    expect(sdk.getBooleanDetails('anything', true, { targetingKey: 'u' })).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'PROVIDER_NOT_READY' });
  });

  it('refuses a wrong key at once rather than at the timeout', async () => {
    const server = await startTestServer();
    servers.push(server);
    const sdk = client({ url: server.url, sdkKey: 'fs_server_forged', ...fast, initTimeoutMs: 20_000 });
    await expect(sdk.ready()).rejects.toMatchObject({ status: 401 });
  });

  it('polls the snapshot with If-None-Match when streaming is off (304 until something changes)', async () => {
    const server = await startTestServer();
    servers.push(server);
    const sdkKey = await createServerKey(server);
    await createFlag(server, { key: 'kill-switch' });
    const statuses: number[] = [];
    const recording: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input).includes('/api/v1/snapshot')) statuses.push(response.status);
      return response;
    };
    const sdk = client({ url: server.url, sdkKey, stream: false, pollIntervalMs: 100, fetch: recording });
    await sdk.ready();
    await eventually(async () => expect(statuses.filter((s) => s === 304).length).toBeGreaterThanOrEqual(2));
    await toggle(server, 'kill-switch', true);
    await eventually(async () => expect(enabled(sdk).value).toBe(true));
    expect(statuses[0]).toBe(200);
    expect(statuses.filter((s) => s === 200)).toHaveLength(2); // the first load and the change, nothing in between
  });
});

describe('SDK: evaluation never throws', () => {
  const bootstrap: EnvironmentSnapshot = {
    formatVersion: 1,
    environment: 'production',
    revision: 7,
    segments: {},
    flags: {
      banner: {
        key: 'banner',
        type: 'string',
        variants: { blue: 'Blue', red: 'Red' },
        hashVersion: 1,
        enabled: true,
        offVariant: 'blue',
        bucketBy: 'targetingKey',
        prerequisites: [],
        targets: [],
        rules: [],
        defaultServe: { split: [{ variant: 'blue', weight: 50_000 }, { variant: 'red', weight: 50_000 }] },
      },
    },
  };
  const offline = () => client({ url: 'http://127.0.0.1:9', sdkKey: 'k', bootstrap, ...fast, reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 }, pollIntervalMs: 60_000 });

  it('gives the default with an error code for a missing flag, a wrong type, a missing targeting key and odd contexts', () => {
    const sdk = offline();
    expect(sdk.getStringDetails('nope', 'fallback')).toMatchObject({ value: 'fallback', reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND', revision: 7 });
    expect(sdk.getBooleanDetails('banner', true, { targetingKey: 'u' })).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
    expect(sdk.getNumberValue('banner', 3, { targetingKey: 'u' })).toBe(3);
    expect(sdk.getObjectDetails('banner', { a: 1 }, { targetingKey: 'u' })).toMatchObject({ value: { a: 1 }, errorCode: 'TYPE_MISMATCH' });
    expect(sdk.getStringDetails('banner', 'x', {})).toMatchObject({ value: 'x', reason: 'ERROR', errorCode: 'TARGETING_KEY_MISSING' });
    expect(sdk.getStringDetails('banner', 'x', null as never)).toMatchObject({ errorCode: 'TARGETING_KEY_MISSING' });
    expect(sdk.getStringDetails('banner', 'x', { targetingKey: { toString: () => { throw new Error('boom'); } } })).toMatchObject({ value: 'x', reason: 'ERROR' });
    expect(sdk.evaluate('banner', { targetingKey: 'u' })).toMatchObject({ flagKey: 'banner', reason: 'SPLIT', revision: 7 });
  });

  it('keeps the last good configuration and reports an error when a bootstrap is not a snapshot', () => {
    const errors: Error[] = [];
    const sdk = client({ url: 'http://127.0.0.1:9', sdkKey: 'k', bootstrap: { formatVersion: 2 } as never, onError: (e) => errors.push(e), ...fast, initTimeoutMs: 60_000 });
    expect(errors[0]?.message).toMatch(/formatVersion 2/);
    expect(sdk.getStringDetails('banner', 'x', { targetingKey: 'u' }).errorCode).toBe('PROVIDER_NOT_READY');
  });
});
