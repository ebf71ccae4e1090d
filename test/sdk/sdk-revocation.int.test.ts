import { ErrorCode, OpenFeature, ProviderEvents, ProviderStatus } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlagstaffClient, type FlagstaffClient, type FlagstaffClientOptions } from '../../src/sdk/flagstaff-client.ts';
import { FlagstaffProvider } from '../../src/sdk/openfeature-provider.ts';
import { eventually } from '../support/eventually.ts';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';
import { createFlag, recordEvents, toggle } from './sdk-fixtures.ts';

let server: TestServer;
const clients: FlagstaffClient[] = [];
beforeAll(async () => {
  server = await startTestServer({ sseHeartbeatMs: 500 });
  await createFlag(server, { key: 'kill-switch' });
  await toggle(server, 'kill-switch', true);
});
afterAll(async () => {
  for (const client of clients) await client.close();
  await OpenFeature.close();
  await server.close();
});

// Reconnects and polls come every few hundred milliseconds at most: a client that kept trying would be seen.
const fast = { reconnect: { initialDelayMs: 50, maxDelayMs: 200 }, pollIntervalMs: 100, initTimeoutMs: 5_000 } satisfies Partial<FlagstaffClientOptions>;

/** A key, and a fetch that counts every request an SDK makes with it (the SDK's only way to the network). */
async function issueKey(): Promise<{ id: string; key: string; requests: string[]; fetch: typeof fetch }> {
  const issued = await server.api('POST', '/admin/api-keys', { body: { environment: 'production', kind: 'server' } });
  expect(issued.status).toBe(201);
  await server.projection.caughtUp();
  const requests: string[] = [];
  const counting: typeof fetch = (input, init) => {
    requests.push(new URL(String(input)).pathname);
    return fetch(input, init);
  };
  return { id: issued.body.id, key: issued.body.key, requests, fetch: counting };
}

const revoke = async (id: string): Promise<void> => expect((await server.api('DELETE', `/admin/api-keys/${id}`)).status).toBe(200);
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SDK: a revoked key', () => {
  it('surfaces an authorization error, stops every request, and keeps answering from the last configuration', async () => {
    const { id, key, requests, fetch } = await issueKey();
    const sdk = createFlagstaffClient({ url: server.url, sdkKey: key, fetch, ...fast, events: { flushIntervalMs: 50 } });
    clients.push(sdk);
    const events = recordEvents(sdk);
    await sdk.ready();
    const before = sdk.getBooleanDetails('kill-switch', false, { targetingKey: 'u1' });
    expect(before).toMatchObject({ value: true, reason: 'DEFAULT' });

    const unauthorized = events.next('unauthorized');
    await revoke(id);
    const denied = await unauthorized;
    expect(denied).toMatchObject({ status: 401, revision: before.revision });
    // Learnt from the stream's final frame, not from a reconnect refused: the one stream was never reopened.
    expect(denied.error.message).toMatch(/revoked/);
    expect(requests.filter((path) => path === '/api/v1/stream')).toHaveLength(1);
    expect(sdk.status).toBe('unauthorized');
    expect(events.seen.some((e) => e.type === 'error' && (e.payload as { status?: number }).status === 401)).toBe(true);

    const made = requests.length;
    await toggle(server, 'kill-switch', false);
    expect(sdk.track('u1', 'purchase')).toBe(false); // the server would refuse it: not sent, counted as dropped
    await settle(1_500);
    expect(requests.slice(made)).toEqual([]);
    expect(sdk.getBooleanDetails('kill-switch', false, { targetingKey: 'u1' })).toEqual(before);
    expect(events.seen.filter((e) => e.type === 'stale')).toEqual([]);
  });

  it('stops polling too when the snapshot is refused, with streaming off', async () => {
    const { id, key, requests, fetch } = await issueKey();
    const sdk = createFlagstaffClient({ url: server.url, sdkKey: key, fetch, ...fast, stream: false });
    clients.push(sdk);
    const events = recordEvents(sdk);
    await sdk.ready();
    const before = sdk.getBooleanDetails('kill-switch', true, { targetingKey: 'u1' });
    expect(before.errorCode).toBeUndefined();
    const unauthorized = events.next('unauthorized');
    await revoke(id);
    expect(await unauthorized).toMatchObject({ status: 401, revision: before.revision });
    expect(requests.every((path) => path === '/api/v1/snapshot')).toBe(true);
    const made = requests.length;
    await settle(1_000);
    expect(requests.slice(made)).toEqual([]);
    expect(sdk.getBooleanDetails('kill-switch', true, { targetingKey: 'u1' })).toEqual(before);
  });

  it('makes the OpenFeature provider emit PROVIDER_ERROR and go on resolving from the last configuration', async () => {
    const { id, key } = await issueKey();
    await OpenFeature.setProviderAndWait('revoked', new FlagstaffProvider({ url: server.url, sdkKey: key, ...fast }));
    const client = OpenFeature.getClient('revoked');
    const errors: string[] = [];
    client.addHandler(ProviderEvents.Error, (details) => errors.push(details?.message ?? ''));
    const before = await client.getBooleanDetails('kill-switch', true, { targetingKey: 'u1' });
    expect(before.errorCode).toBeUndefined();
    await revoke(id);
    await eventually(async () => expect(errors).toHaveLength(1));
    expect(errors[0]).toMatch(/revoked/);
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
    const after = await client.getBooleanDetails('kill-switch', true, { targetingKey: 'u1' });
    expect(after).toEqual(before);
    expect(after.errorCode).not.toBe(ErrorCode.PROVIDER_FATAL);
  });
});
