import http from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createInMemoryEventStore } from '../../src/event-store/in-memory-event-store.ts';
import { WriteModel } from '../../src/write/write-model.ts';
import { eventually } from '../support/eventually.ts';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/flagstaff.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const server of servers.splice(0)) await server.close();
});

/** 0.1 failures a second: a budget of 3 failures (30 s worth), refilled one per 10 s. */
const STRICT = { operations: { logLevel: 'warn', authFailuresPerSecond: 0.1 } };

async function start(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const server = await startTestServer(options);
  servers.push(server);
  return server;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request from a chosen loopback address (Linux answers on all of 127/8), so tests can be several clients. */
function from(localAddress: string, url: string, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL(path, url),
      { method, localAddress, agent: false, headers: { ...headers, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('failed authentication is throttled per client address', () => {
  it('answers 429 with Retry-After to an address that keeps sending wrong admin tokens, and serves the others', async () => {
    const server = await start({ config: STRICT });
    const editor = (await server.api('POST', '/admin/tokens', { body: { name: 'editor', role: 'editor' } })).body.token as string;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await from('127.0.0.2', server.url, 'GET', '/admin/flags', bearer(`fs_admin_wrong-${i}`))).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const refused = await from('127.0.0.2', server.url, 'GET', '/admin/flags', bearer(`fs_admin_wrong-again`));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(refused.body)).toMatchObject({ status: 429, type: 'urn:flagstaff:problem:too-many-requests' });
    // The throttled address is refused before any lookup: its guesses are not tried, even a right one.
    expect((await from('127.0.0.2', server.url, 'GET', '/admin/flags', bearer(ADMIN_TOKEN))).status).toBe(429);

    // Another address is not held back by those failures.
    expect((await from('127.0.0.1', server.url, 'GET', '/admin/flags', bearer(editor))).status).toBe(200);
    expect((await from('127.0.0.1', server.url, 'GET', '/admin/flags', bearer(ADMIN_TOKEN))).status).toBe(200);
    expect((await from('127.0.0.1', server.url, 'GET', '/admin/flags', bearer('fs_admin_one-typo'))).status).toBe(401);
  });

  it('answers 429 to an address that keeps sending wrong SDK keys, on the read API and OFREP alike', async () => {
    const server = await start({ config: STRICT });
    const key = (await server.api('POST', '/admin/api-keys', { body: { environment: 'production', kind: 'server' } })).body.key as string;
    await server.api('POST', '/admin/flags', { body: { key: 'guarded' } });
    await eventually(async () => expect((await from('127.0.0.1', server.url, 'GET', '/api/v1/flags/guarded', bearer(key))).status).toBe(200));

    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await from('127.0.0.3', server.url, 'GET', '/api/v1/flags/guarded', bearer(`sdk-wrong-${i}`))).status);
    expect(statuses).toEqual([401, 401, 401]);
    const refused = await from('127.0.0.3', server.url, 'POST', '/ofrep/v1/evaluate/flags/guarded', { 'x-api-key': 'sdk-wrong-3' }, { context: {} });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await from('127.0.0.3', server.url, 'GET', '/api/v1/flags/guarded', bearer('sdk-wrong-4'))).status).toBe(429);

    expect((await from('127.0.0.1', server.url, 'GET', '/api/v1/flags/guarded', bearer(key))).status).toBe(200);
    expect((await from('127.0.0.1', server.url, 'POST', '/ofrep/v1/evaluate/flags/guarded', { 'x-api-key': key }, { context: {} })).status).toBe(200);
  });

  it('ignores X-Forwarded-For unless proxies are trusted, and then tells clients behind the proxy apart', async () => {
    const untrusting = await start({ config: STRICT });
    const forged = async (server: TestServer, forwardedFor: string, token: string) =>
      (await from('127.0.0.4', server.url, 'GET', '/admin/flags', { ...bearer(token), 'x-forwarded-for': forwardedFor })).status;
    // Rotating a forged header does not buy new failures.
    const rotating = [];
    for (let i = 0; i < 4; i++) rotating.push(await forged(untrusting, `203.0.113.${i}`, `fs_admin_wrong-${i}`));
    expect(rotating).toEqual([401, 401, 401, 429]);

    const behindProxy = await start({ config: { operations: { ...STRICT.operations, trustedProxies: 1 } } });
    for (let i = 0; i < 3; i++) await forged(behindProxy, '198.51.100.7', `fs_admin_wrong-${i}`);
    expect(await forged(behindProxy, '198.51.100.7', 'fs_admin_wrong')).toBe(429);
    // Same proxy (socket), another client behind it.
    expect(await forged(behindProxy, '198.51.100.8', ADMIN_TOKEN)).toBe(200);
  });

  it('does not refresh the write model for every unknown token, yet accepts a token issued by another process', async () => {
    const store = createInMemoryEventStore();
    const issuer = await start({ store, config: STRICT });
    // A second process on the same event store (it must not close the store the first one closes).
    const other = await start({ store: { ...store, close: async () => {} }, config: { operations: { logLevel: 'warn', authFailuresPerSecond: 100 } } });
    const refresh = vi.spyOn(WriteModel.prototype, 'refresh');
    // The clock the throttle reads stands still, so all twenty unknown tokens come within one second, however
    // slow the machine: one refresh (one per request before the throttle).
    const frozen = vi.spyOn(performance, 'now').mockReturnValue(performance.now());
    for (let i = 0; i < 20; i++) expect((await from('127.0.0.5', other.url, 'GET', '/admin/flags', bearer(`fs_admin_wrong-${i}`))).status).toBe(401);
    expect(refresh).toHaveBeenCalledTimes(1);
    frozen.mockRestore();

    const token = (await issuer.api('POST', '/admin/tokens', { body: { name: 'issued-elsewhere', role: 'viewer' } })).body.token as string;
    await eventually(async () => expect((await from('127.0.0.1', other.url, 'GET', '/admin/flags', bearer(token))).status).toBe(200));
  });
});
