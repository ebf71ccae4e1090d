import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/event-store/event-store.ts';
import { ExposurePublisher } from '../../src/read/exposure-publisher.ts';
import { acceptsGzip, createReadApi } from '../../src/read/read-api.ts';
import { ReadModel } from '../../src/read/read-model.ts';
import { SdkKeys } from '../../src/read/sdk-keys.ts';
import { StreamHub } from '../../src/read/stream-hub.ts';
import type { EventBus } from '../../src/shared/event-bus.ts';
import { sha256 } from '../../src/shared/tokens.ts';

let position = 0;
const event = (streamId: string, type: string, data: Record<string, unknown>): StoredEvent => ({
  streamId,
  version: 1,
  position: ++position,
  type,
  data,
  metadata: { actor: 't' },
  recordedAt: new Date(position * 1000),
});

const model = new ReadModel();
model.apply([
  event('environment-production', 'EnvironmentCreated', { key: 'production', name: 'P', production: true }),
  event('flag-a', 'FlagCreated', { key: 'a', type: 'string', description: '', tags: [], variants: { x: 'é', y: 'Y' }, hashVersion: 1 }),
  event('apikey-k1', 'ApiKeyIssued', { id: 'k1', name: 'k', environment: 'production', kind: 'server', keyHash: sha256('fs_server_test') }),
]);
const streams = new StreamHub(() => model);
const unusedBus = {} as EventBus; // neither the snapshot nor evaluation without experiments publishes
const api = createReadApi({ model: () => model, keys: new SdkKeys(() => model), streams, bodyLimit: 1024, bus: unusedBus, exposures: new ExposurePublisher(unusedBus) });
afterAll(() => streams.close());

interface Answer {
  status: number;
  headers: Record<string, string | number>;
  body: Buffer;
}

/** Calls the read API's handler with an in-memory request and response, as node:http would. */
function call(path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve) => {
    const answer: Answer = { status: 0, headers: {}, body: Buffer.alloc(0) };
    const res = {
      headersSent: false,
      writeHead(status: number, head: Record<string, string | number> = {}) {
        answer.status = status;
        answer.headers = head;
        this.headersSent = true;
        return this;
      },
      end(body?: string | Buffer) {
        answer.body = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
        resolve(answer);
      },
    };
    const req = { url: path, method: 'GET', headers: { authorization: 'Bearer fs_server_test', ...headers } };
    expect(api(req as unknown as IncomingMessage, res as unknown as ServerResponse)).toBe(true);
  });
}

describe('read API: the snapshot, gzipped once per revision', () => {
  const expected = JSON.stringify(model.snapshot('production'));

  it('sends it gzipped to a client that accepts gzip, plain to one that does not, with the same ETag', async () => {
    const gzipped = await call('/api/v1/snapshot', { 'accept-encoding': 'gzip, deflate' });
    expect(gzipped.status).toBe(200);
    expect(gzipped.headers).toMatchObject({ 'content-encoding': 'gzip', 'content-type': 'application/json', vary: 'accept-encoding' });
    expect(gzipped.headers['content-length']).toBe(gzipped.body.length);
    expect(gunzipSync(gzipped.body).toString('utf8')).toBe(expected);

    const again = await call('/api/v1/snapshot', { 'accept-encoding': 'gzip' });
    expect(again.body.equals(gzipped.body)).toBe(true);

    const plain = await call('/api/v1/snapshot', {});
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['content-length']).toBe(Buffer.byteLength(expected));
    expect(plain.body.toString('utf8')).toBe(expected);
    expect(plain.headers['etag']).toBe(gzipped.headers['etag']);

    const unchanged = await call('/api/v1/snapshot', { 'accept-encoding': 'gzip', 'if-none-match': String(gzipped.headers['etag']) });
    expect(unchanged.status).toBe(304);
  });

  it('builds it again after a change', async () => {
    const before = await call('/api/v1/snapshot', { 'accept-encoding': 'gzip' });
    model.apply([event('flag-b', 'FlagCreated', { key: 'b', type: 'boolean', description: '', tags: [], variants: { on: true, off: false }, hashVersion: 1 })]);
    const after = await call('/api/v1/snapshot', { 'accept-encoding': 'gzip' });
    expect(after.headers['etag']).not.toBe(before.headers['etag']);
    expect(Object.keys(JSON.parse(gunzipSync(after.body).toString('utf8')).flags)).toEqual(['a', 'b']);
  });
});

describe('Accept-Encoding', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['gzip', true],
    ['deflate, gzip;q=0.5', true],
    ['GZIP', true],
    ['x-gzip', true],
    ['gzip;q=0', false],
    ['gzip; q=0.000', false],
    ['br, deflate', false],
    ['*', true],
    ['*;q=0', false],
    ['gzip;q=0, *', false],
    ['identity', false],
  ] as const)('%j → %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});

describe('read API: errors nobody expected', () => {
  it('answers a 500 problem that reveals nothing, and reports the error with its stack to the log', async () => {
    const logged: { fields: Record<string, unknown>; message: string }[] = [];
    const log = { warn: () => {}, error: (fields: Record<string, unknown>, message: string) => logged.push({ fields, message }) };
    const broken = () => {
      throw new TypeError('the read model is broken');
    };
    const failing = createReadApi({ model: broken, keys: new SdkKeys(() => model), streams, bodyLimit: 1024, bus: unusedBus, exposures: new ExposurePublisher(unusedBus), log });
    const answer = await new Promise<Answer>((resolve) => {
      const result: Answer = { status: 0, headers: {}, body: Buffer.alloc(0) };
      const res = {
        headersSent: false,
        writeHead(status: number, head: Record<string, string | number> = {}) {
          Object.assign(result, { status, headers: head });
          return this;
        },
        end(body?: string) {
          result.body = Buffer.from(body ?? '');
          resolve(result);
        },
      };
      const req = { url: '/api/v1/flags/a', method: 'GET', headers: { authorization: 'Bearer fs_server_test' } };
      failing(req as unknown as IncomingMessage, res as unknown as ServerResponse);
    });
    expect(answer.status).toBe(500);
    expect(answer.body.toString()).not.toContain('broken');
    expect(logged).toHaveLength(1);
    expect(logged[0]!.message).toBe('unexpected error');
    expect(String(logged[0]!.fields['err'])).toContain('TypeError: the read model is broken');
    expect(logged[0]!.fields).toMatchObject({ method: 'GET', path: '/api/v1/flags/a' });
  });

  it('does not report a client’s mistake', async () => {
    const logged: unknown[] = [];
    const quiet = createReadApi({ model: () => model, keys: new SdkKeys(() => model), streams, bodyLimit: 1024, bus: unusedBus, exposures: new ExposurePublisher(unusedBus), log: { warn: () => {}, error: (f) => logged.push(f) } });
    const status = await new Promise<number>((resolve) => {
      const res = { headersSent: false, writeHead: (s: number) => (resolve(s), res), end: () => {} };
      quiet({ url: '/api/v1/flags/a', method: 'GET', headers: {} } as unknown as IncomingMessage, res as unknown as ServerResponse);
    });
    expect(status).toBe(401);
    expect(logged).toEqual([]);
  });
});
