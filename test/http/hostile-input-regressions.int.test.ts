import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { request, startTestServer, type ApiResponse, type TestServer } from '../support/flagstaff.ts';

/**
 * Hostile input (issue 14): text PostgreSQL cannot store, JSON nested deep enough to overflow a stack,
 * duplicate members, reserved member names, corrupt compressed bodies, times outside any sane range. Every one
 * is a 4xx naming the field, and changes nothing; none is a 500.
 */
let server: TestServer;
let sdkKey: string;
beforeAll(async () => {
  server = await startTestServer();
  sdkKey = (await server.api('POST', '/admin/api-keys', { body: { environment: 'production', kind: 'server' } })).body.key;
  await server.api('POST', '/admin/flags', { body: { key: 'base' } });
  await server.api('POST', '/admin/flags', { body: { key: 'inherited' } });
  const targeted = await server.api('PUT', '/admin/flags/inherited/environments/production', {
    headers: { 'if-match': 'W/"1"' },
    body: {
      enabled: true,
      offVariant: 'off',
      rules: [
        { id: 'no-constructor', conditions: [{ attribute: 'constructor', operator: 'not_exists' }], serve: { variant: 'on' } },
      ],
      defaultServe: { variant: 'off' },
    },
  });
  expect(targeted.status).toBe(200);
  await server.projection.caughtUp();
});
afterAll(async () => server.close());

const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const targeting = (overrides: Record<string, unknown> = {}) => ({ enabled: true, offVariant: 'off', defaultServe: { variant: 'on' }, ...overrides });
const read = (method: string, path: string, options: { body?: unknown; raw?: string } = {}) =>
  request(server.url, method, path, { ...options, token: null, headers: { authorization: `Bearer ${sdkKey}` } });

/** Sends bytes as they are (fetch would re-encode a string), e.g. a corrupt gzip body. */
async function sendBytes(path: string, bytes: Buffer, headers: Record<string, string>): Promise<ApiResponse> {
  const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: bytes });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body };
}

interface Hostile {
  name: string;
  send: () => Promise<ApiResponse>;
  status: number;
  pointer?: string;
  detail?: RegExp;
}

const admin: Hostile[] = [
  { name: 'a NUL in a description', send: () => server.api('POST', '/admin/flags', { body: { key: 'nul', description: 'a\u0000b' } }), status: 400, pointer: '#/description' },
  { name: 'a NUL in a reason', send: () => server.api('POST', '/admin/flags', { body: { key: 'nul-reason', reason: 'why\u0000' } }), status: 400, pointer: '#/reason' },
  { name: 'a NUL in a tag', send: () => server.api('POST', '/admin/flags', { body: { key: 'nul-tag', tags: ['ok', 'x\u0000'] } }), status: 400, pointer: '#/tags/1' },
  { name: 'a NUL in a token name', send: () => server.api('POST', '/admin/tokens', { body: { name: 'n\u0000', role: 'viewer' } }), status: 400, pointer: '#/name' },
  {
    name: 'a lone surrogate in a condition value',
    send: () =>
      server.api('PUT', '/admin/flags/base/environments/production', {
        headers: { 'if-match': 'W/"1"' },
        body: targeting({ rules: [{ conditions: [{ attribute: 'a', operator: 'exists' }, { attribute: 'country', operator: 'in', values: ['\ud800'] }], serve: { variant: 'on' } }] }),
      }),
    status: 400,
    pointer: '#/rules/0/conditions/1/values/0',
  },
  {
    name: 'a lone low surrogate in target units',
    send: () => server.api('PUT', '/admin/flags/base/environments/production', { headers: { 'if-match': 'W/"1"' }, body: targeting({ targets: [{ variant: 'on', units: ['u', '\udc00x'] }] }) }),
    status: 400,
    pointer: '#/targets/0/units/1',
  },
  {
    name: 'JSON nested thousands of levels deep',
    send: () => server.api('POST', '/admin/flags', { raw: `{"key":"deep","description":${deep(5_000)}}` }),
    status: 400,
    detail: /nested deeper than 64/,
  },
  { name: 'a duplicate member', send: () => server.api('POST', '/admin/flags', { raw: '{"key":"dup-a","description":"x","key":"dup-b"}' }), status: 400, pointer: '#/key', detail: /more than once/ },
  {
    name: 'a duplicate member written with an escape',
    send: () => server.api('POST', '/admin/flags', { raw: '{"key":"dup-v","type":"string","variants":{"a":"x","\\u0061":"y"}}' }),
    status: 400,
    pointer: '#/variants/a',
  },
  { name: 'a body of null', send: () => server.api('POST', '/admin/flags', { raw: 'null' }), status: 400, pointer: '#', detail: /JSON object/ },
  {
    name: '__proto__ as a variant name',
    send: () => server.api('POST', '/admin/flags', { raw: '{"key":"proto","type":"string","variants":{"__proto__":"x","b":"y"}}' }),
    status: 400,
    pointer: '#/variants/__proto__',
  },
  {
    name: 'constructor as a variant name',
    send: () => server.api('POST', '/admin/flags', { body: { key: 'ctor', type: 'string', variants: { constructor: 'x', b: 'y' } } }),
    status: 400,
    pointer: '#/variants/constructor',
  },
  { name: 'constructor as an environment key', send: () => server.api('POST', '/admin/environments', { body: { key: 'constructor' } }), status: 400, pointer: '#/key' },
  { name: 'prototype as a flag key', send: () => server.api('POST', '/admin/flags', { body: { key: 'prototype' } }), status: 400, pointer: '#/key' },
  { name: 'constructor as a segment key', send: () => server.api('POST', '/admin/segments', { body: { key: 'constructor' } }), status: 400, pointer: '#/key' },
  {
    name: 'explain in an environment named constructor',
    send: () => server.api('POST', '/admin/explain', { body: { flagKey: 'base', environment: 'constructor' } }),
    status: 400,
    pointer: '#/environment',
  },
  { name: 'a path parameter that is not valid percent-encoding', send: () => server.api('GET', '/admin/flags/%E0%A4%A'), status: 400 },
  { name: 'the snapshot of an environment named constructor', send: () => server.api('GET', '/admin/environments/constructor/snapshot'), status: 404 },
  {
    name: 'a body in UTF-16 (JSON is UTF-8)',
    send: () => sendBytes('/admin/flags', Buffer.from('{"key":"utf16"}', 'utf16le'), { authorization: 'Bearer test-admin-token-0123456789', 'content-type': 'application/json; charset=utf-16le' }),
    status: 415,
  },
  {
    name: 'a corrupt gzip body',
    send: () => sendBytes('/admin/flags', Buffer.from('definitely not gzip'), { authorization: 'Bearer test-admin-token-0123456789', 'content-encoding': 'gzip' }),
    status: 400,
  },
  {
    name: 'a rollback to a time in year 0',
    send: () => server.api('POST', '/admin/flags/base/rollback', { headers: { 'if-match': 'W/"1"' }, body: { toTime: '0000-01-01T00:00:00Z', reason: 'hostile' } }),
    status: 422,
    pointer: '#/toTime',
  },
];

describe('admin API: hostile input is a 4xx naming the field, and changes nothing', () => {
  for (const bad of admin) {
    it(`answers ${bad.status} to ${bad.name}`, async () => {
      const before = await server.store.headPosition();
      const response = await bad.send();
      expect(response.status, JSON.stringify(response.body)).toBe(bad.status);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      if (bad.pointer) expect(response.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(bad.pointer);
      if (bad.detail) expect(JSON.stringify(response.body)).toMatch(bad.detail);
      expect(await server.store.headPosition()).toBe(before);
    });
  }

  // Garbage, and a well-formed stream cut short (zlib and brotli fail these with different errors).
  for (const [coding, compress] of [['deflate', deflateSync], ['br', brotliCompressSync]] as const) {
    it(`answers 400 naming the body to a corrupt ${coding} body, and changes nothing`, async () => {
      const valid = compress(JSON.stringify({ key: `corrupt-${coding}` }));
      for (const bytes of [Buffer.from(`definitely not ${coding}`), valid.subarray(0, valid.length - 3)]) {
        const before = await server.store.headPosition();
        const response = await sendBytes('/admin/flags', bytes, { authorization: 'Bearer test-admin-token-0123456789', 'content-encoding': coding });
        expect(response.status, JSON.stringify(response.body)).toBe(400);
        expect(response.headers.get('content-type')).toContain('application/problem+json');
        expect(response.body.errors).toEqual([{ pointer: '#', detail: 'could not be read' }]);
        expect(await server.store.headPosition()).toBe(before);
      }
      expect((await server.api('GET', `/admin/flags/corrupt-${coding}`)).status).toBe(404);
    });

    it(`still decodes a well-formed ${coding} body`, async () => {
      const response = await sendBytes('/admin/flags', compress(JSON.stringify({ key: `whole-${coding}` })), { authorization: 'Bearer test-admin-token-0123456789', 'content-encoding': coding });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
    });
  }

  it('still decodes a well-formed gzip body', async () => {
    const response = await sendBytes('/admin/flags', gzipSync(JSON.stringify({ key: 'gzipped' })), { authorization: 'Bearer test-admin-token-0123456789', 'content-encoding': 'gzip' });
    expect(response.status).toBe(201);
  });
});

describe('time parameters: one rule everywhere (before the first event: nothing existed; in the future: now)', () => {
  it('a flag as of year 0 did not exist yet (404), as of year 9999 is the flag now', async () => {
    const past = await server.api('GET', '/admin/flags/base?at=0000-01-01T00:00:00Z');
    expect(past.status).toBe(404);
    expect(past.body.errors[0].pointer).toBe('#/at');
    const future = await server.api('GET', '/admin/flags/base?at=9999-12-31T23:59:59Z');
    expect(future.status).toBe(200);
    expect(future.body.key).toBe('base');
  });

  it('an environment snapshot as of year 0 did not exist (404), as of year 9999 is the snapshot now', async () => {
    expect((await server.api('GET', '/admin/environments/production/snapshot?at=0000-01-01T00:00:00Z')).status).toBe(404);
    const future = await server.api('GET', '/admin/environments/production/snapshot?at=9999-12-31T23:59:59Z');
    expect(future.status).toBe(200);
    expect(future.body.asOf.position).toBe(await server.store.headPosition());
  });

  it('explain at year 0 names an environment that did not exist; at year 9999 explains now', async () => {
    const past = await server.api('POST', '/admin/explain', { body: { flagKey: 'base', environment: 'production', at: '0000-01-01T00:00:00Z' } });
    expect(past.status).toBe(404);
    const future = await server.api('POST', '/admin/explain', { body: { flagKey: 'base', environment: 'production', at: '9999-12-31T23:59:59Z' } });
    expect(future.status).toBe(200);
  });

  it('the audit feed from year 0 to year 9999 is the whole feed', async () => {
    const all = await server.api('GET', '/admin/audit');
    const bounded = await server.api('GET', '/admin/audit?from=0000-01-01T00:00:00Z&to=9999-12-31T23:59:59Z');
    expect(bounded.status).toBe(200);
    expect(bounded.body).toEqual(all.body);
  });
});

describe('read API: hostile bodies', () => {
  it('refuses a batch nested thousands of levels deep with a 400 problem', async () => {
    const response = await read('POST', '/api/v1/flags/batch', { raw: `{"context":{"a":${deep(5_000)}}}` });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.errors[0].pointer).toMatch(/^#\/context\/a\/0\/0/);
  });

  it('refuses a duplicate context attribute, naming it', async () => {
    const response = await read('POST', '/api/v1/flags/batch', { raw: '{"context":{"plan":"free","plan":"premium"}}' });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ pointer: '#/context/plan', detail: expect.stringMatching(/more than once/) }]);
  });

  it('refuses a body of null, saying it must be a JSON object', async () => {
    const response = await read('POST', '/api/v1/flags/batch', { raw: 'null' });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ pointer: '#', detail: expect.stringMatching(/JSON object/) }]);
  });

  it('refuses a NUL in an event, naming it', async () => {
    const event = { type: 'metric', eventId: '1f0e7c1e-0000-4000-8000-000000000001', name: 'clicks', unitId: 'u\u0000', timestamp: new Date().toISOString() };
    const response = await read('POST', '/api/v1/events', { body: { events: [event] } });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].pointer).toBe('#/events/0/unitId');
  });

  it('decodes a gzip body, refuses a corrupt one with 400 and an unknown encoding with 415', async () => {
    const headers = { authorization: `Bearer ${sdkKey}`, 'content-encoding': 'gzip' };
    expect((await sendBytes('/api/v1/flags/batch', gzipSync('{"flagKeys":["base"]}'), headers)).status).toBe(200);
    const corrupt = await sendBytes('/api/v1/flags/batch', Buffer.from('definitely not gzip'), headers);
    expect(corrupt.status).toBe(400);
    expect(corrupt.headers.get('content-type')).toContain('application/problem+json');
    const unknown = await sendBytes('/api/v1/flags/batch', Buffer.from('{}'), { ...headers, 'content-encoding': 'compress' });
    expect(unknown.status).toBe(415);
    const utf16 = await sendBytes('/api/v1/flags/batch', Buffer.from('{}', 'utf16le'), { authorization: `Bearer ${sdkKey}`, 'content-type': 'application/json; charset=utf-16le' });
    expect(utf16.status).toBe(415);
  });

  for (const [coding, compress] of [['deflate', deflateSync], ['br', brotliCompressSync]] as const) {
    it(`refuses a corrupt ${coding} body to the batch and to events with a 400 naming the body, and records nothing`, async () => {
      const headers = { authorization: `Bearer ${sdkKey}`, 'content-encoding': coding };
      const published = vi.spyOn(server.bus, 'publish');
      expect((await sendBytes('/api/v1/flags/batch', compress('{"flagKeys":["base"]}'), headers)).status).toBe(200);
      const event = { type: 'metric', eventId: '1f0e7c1e-0000-4000-8000-0000000000d1', name: 'clicks', unitId: 'u1', timestamp: new Date().toISOString() };
      const whole = compress(JSON.stringify({ events: [event] }));
      // The whole body is accepted and published (the spy sees what the corrupt ones must not do).
      expect((await sendBytes('/api/v1/events', whole, headers)).status).toBe(202);
      expect(published).toHaveBeenCalledTimes(1);
      published.mockClear();
      for (const path of ['/api/v1/flags/batch', '/api/v1/events']) {
        for (const bytes of [Buffer.from(`definitely not ${coding}`), whole.subarray(0, whole.length - 3)]) {
          const before = await server.store.headPosition();
          const corrupt = await sendBytes(path, bytes, headers);
          expect(corrupt.status, `${path}: ${JSON.stringify(corrupt.body)}`).toBe(400);
          expect(corrupt.headers.get('content-type')).toContain('application/problem+json');
          expect(corrupt.body.errors).toEqual([{ pointer: '#', detail: 'could not be read' }]);
          expect(await server.store.headPosition()).toBe(before);
        }
      }
      expect(published).not.toHaveBeenCalled();
      published.mockRestore();
    });
  }

  it('OFREP answers a malformed or hostile body with its own PARSE_ERROR body', async () => {
    for (const raw of ['{"context":', `{"context":{"a":${deep(5_000)}}}`, '{"context":{"a":1,"a":2}}']) {
      const response = await read('POST', '/ofrep/v1/evaluate/flags/base', { raw });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.body).toMatchObject({ key: 'base', errorCode: 'PARSE_ERROR', errorDetails: expect.any(String) });
    }
    const bulk = await read('POST', '/ofrep/v1/evaluate/flags', { raw: '{"context":' });
    expect(bulk.status).toBe(400);
    expect(bulk.body).toMatchObject({ errorCode: 'PARSE_ERROR' });
  });

  it('OFREP routes before reading a body: one sent to a path that takes none is a 404 problem, not a PARSE_ERROR', async () => {
    const configuration = await read('POST', '/ofrep/v1/configuration', { raw: '{"context":' });
    expect(configuration.status).toBe(404);
    expect(configuration.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const unknown = await read('POST', '/ofrep/v1/elsewhere', { raw: 'not json' });
    expect(unknown.status).toBe(404);
  });
});

describe('evaluation reads a context’s own attributes only', () => {
  it('a rule on not_exists constructor matches a context without one, on every path', async () => {
    const single = await read('GET', '/api/v1/flags/inherited?targetingKey=u1');
    expect(single.body).toMatchObject({ variant: 'on', ruleId: 'no-constructor' });
    const batch = await read('POST', '/api/v1/flags/batch', { body: { flagKeys: ['inherited'], context: { targetingKey: 'u1' } } });
    expect(batch.body.flags[0]).toMatchObject({ variant: 'on', ruleId: 'no-constructor' });
    const given = await read('POST', '/api/v1/flags/batch', { body: { flagKeys: ['inherited'], context: { targetingKey: 'u1', constructor: 'x' } } });
    expect(given.body.flags[0]).toMatchObject({ variant: 'off' });
    const ofrep = await read('POST', '/ofrep/v1/evaluate/flags/inherited', { body: { context: { targetingKey: 'u1' } } });
    expect(ofrep.body).toMatchObject({ variant: 'on' });
    const explained = await server.api('POST', '/admin/explain', { body: { flagKey: 'inherited', environment: 'production', context: { targetingKey: 'u1' } } });
    expect(explained.body.result).toMatchObject({ variant: 'on' });
  });

});
