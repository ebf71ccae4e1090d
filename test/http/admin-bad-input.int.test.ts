import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type ApiResponse, type TestServer } from '../support/flagstaff.ts';

let server: TestServer;
let viewerToken: string;
beforeAll(async () => {
  server = await startTestServer({ config: { bodyLimit: '64kb' } });
  await server.api('POST', '/admin/flags', { body: { key: 'base' } });
  await server.api('POST', '/admin/flags', { body: { key: 'colour', type: 'string', variants: { red: 'red', blue: 'blue' } } });
  // a → b already; b → a would close a cycle.
  await server.api('POST', '/admin/flags', { body: { key: 'cycle-a' } });
  await server.api('POST', '/admin/flags', { body: { key: 'cycle-b' } });
  const linked = await server.api('PUT', '/admin/flags/cycle-a/environments/production', {
    body: { enabled: true, offVariant: 'off', prerequisites: [{ flagKey: 'cycle-b', variant: 'on' }], defaultServe: { variant: 'on' } },
    headers: { 'if-match': 'W/"1"' },
  });
  expect(linked.status).toBe(200);
  const viewer = await server.api('POST', '/admin/tokens', { body: { name: 'auditor', role: 'viewer' } });
  viewerToken = viewer.body.token;
});
afterAll(async () => server.close());

const targeting = (overrides: Record<string, unknown> = {}) => ({ enabled: true, offVariant: 'off', defaultServe: { variant: 'on' }, ...overrides });
const ifMatch = { 'if-match': 'W/"1"' };

interface BadInput {
  name: string;
  send: () => Promise<ApiResponse>;
  status: number;
  type: string;
  pointer?: string;
  detail?: RegExp;
}

const catalogue: BadInput[] = [
  {
    name: 'malformed JSON',
    send: () => server.api('POST', '/admin/flags', { raw: '{"key": "x",' }),
    status: 400,
    type: 'bad-request',
    detail: /not valid JSON/,
  },
  {
    name: 'a body that is not JSON',
    send: () => server.api('POST', '/admin/flags', { raw: 'key=x', headers: { 'content-type': 'text/plain' } }),
    status: 415,
    type: 'unsupported-media-type',
  },
  {
    name: 'a wrong type',
    send: () => server.api('POST', '/admin/flags', { body: { key: 'typed', tags: 'not-a-list' } }),
    status: 400,
    type: 'validation-error',
    pointer: '#/tags',
  },
  {
    name: 'a key breaking the pattern',
    send: () => server.api('POST', '/admin/flags', { body: { key: 'Has Spaces' } }),
    status: 400,
    type: 'validation-error',
    pointer: '#/key',
  },
  {
    name: 'an unknown field',
    send: () => server.api('POST', '/admin/flags', { body: { key: 'typo', descripton: 'oops' } }),
    status: 400,
    type: 'validation-error',
    pointer: '#/descripton',
  },
  {
    name: 'an unknown operator',
    send: () =>
      server.api('PUT', '/admin/flags/base/environments/production', {
        body: targeting({ rules: [{ conditions: [{ attribute: 'country', operator: 'like', values: ['US'] }], serve: { variant: 'on' } }] }),
        headers: ifMatch,
      }),
    status: 400,
    type: 'validation-error',
    pointer: '#/rules/0/conditions/0/operator',
  },
  {
    name: 'an operator given values of the wrong type',
    send: () =>
      server.api('PUT', '/admin/flags/base/environments/production', {
        body: targeting({ rules: [{ conditions: [{ attribute: 'age', operator: 'gt', values: ['eighteen'] }], serve: { variant: 'on' } }] }),
        headers: ifMatch,
      }),
    status: 400,
    type: 'validation-error',
    pointer: '#/rules/0/conditions/0/values/0',
  },
  {
    name: 'a bad regex',
    send: () =>
      server.api('PUT', '/admin/flags/base/environments/production', {
        body: targeting({ rules: [{ conditions: [{ attribute: 'email', operator: 'matches', values: ['([a-z]+'] }], serve: { variant: 'on' } }] }),
        headers: ifMatch,
      }),
    status: 400,
    type: 'validation-error',
    pointer: '#/rules/0/conditions/0/values/0',
    detail: /regular expression/,
  },
  {
    name: 'a regex needing backtracking (backreference)',
    send: () =>
      server.api('PUT', '/admin/flags/base/environments/production', {
        body: targeting({ rules: [{ conditions: [{ attribute: 'email', operator: 'matches', values: ['^(a+)+\\1$'] }], serve: { variant: 'on' } }] }),
        headers: ifMatch,
      }),
    status: 400,
    type: 'validation-error',
    pointer: '#/rules/0/conditions/0/values/0',
  },
  {
    name: 'weights not summing to 100000',
    send: () =>
      server.api('PUT', '/admin/flags/base/environments/production', {
        body: targeting({ defaultServe: { split: [{ variant: 'on', weight: 30_000 }, { variant: 'off', weight: 60_000 }] } }),
        headers: ifMatch,
      }),
    status: 400,
    type: 'validation-error',
    pointer: '#/defaultServe/split',
    detail: /sum to 100000/,
  },
  {
    name: 'an unknown variant',
    send: () =>
      server.api('PUT', '/admin/flags/colour/environments/production', {
        body: { enabled: true, offVariant: 'red', defaultServe: { variant: 'green' } },
        headers: ifMatch,
      }),
    status: 422,
    type: 'domain-rule-violation',
    pointer: '#/defaultServe/variant',
  },
  {
    name: 'a prerequisite cycle',
    send: () =>
      server.api('PUT', '/admin/flags/cycle-b/environments/production', {
        body: targeting({ prerequisites: [{ flagKey: 'cycle-a', variant: 'on' }] }),
        headers: { 'if-match': 'W/"2"' }, // cycle-a's change claimed cycle-b as its prerequisite (version 2)
      }),
    status: 422,
    type: 'domain-rule-violation',
    pointer: '#/prerequisites/0/flagKey',
    detail: /cycle: cycle-b → cycle-a → cycle-b/,
  },
  {
    name: 'an oversize body',
    send: () => server.api('POST', '/admin/flags', { body: { key: 'big', description: 'x'.repeat(100_000) } }),
    status: 413,
    type: 'payload-too-large',
  },
  {
    name: 'a missing token',
    send: () => server.api('POST', '/admin/flags', { body: { key: 'anonymous' }, token: null }),
    status: 401,
    type: 'unauthorized',
  },
  {
    name: 'a wrong token',
    send: () => server.api('POST', '/admin/flags', { body: { key: 'forged' }, token: 'fs_admin_forged' }),
    status: 401,
    type: 'unauthorized',
  },
  {
    name: 'a viewer token on a write',
    send: () => server.api('POST', '/admin/flags', { body: { key: 'viewer-write' }, token: viewerToken }),
    status: 403,
    type: 'forbidden',
  },
  {
    name: 'a malformed If-Match',
    send: () => server.api('PUT', '/admin/flags/base', { body: { description: 'x' }, headers: { 'if-match': 'version 1' } }),
    status: 400,
    type: 'bad-request',
  },
  {
    name: 'a reason that is not a string',
    send: () => server.api('POST', '/admin/flags', { body: { key: 'reasoned', reason: 42 } }),
    status: 400,
    type: 'validation-error',
    pointer: '#/reason',
  },
];

describe('admin API: a catalogue of bad inputs', () => {
  for (const bad of catalogue) {
    it(`answers ${bad.status} to ${bad.name}, changing nothing`, async () => {
      const before = await server.store.headPosition();
      const response = await bad.send();
      expect(response.status).toBe(bad.status);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body).toMatchObject({ type: `urn:flagstaff:problem:${bad.type}`, status: bad.status });
      expect(typeof response.body.title).toBe('string');
      expect(typeof response.body.detail).toBe('string');
      if (bad.pointer) expect(response.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(bad.pointer);
      if (bad.detail) expect(JSON.stringify(response.body)).toMatch(bad.detail);
      expect(await server.store.headPosition()).toBe(before);
    });
  }

  it('lets a viewer read', async () => {
    const read = await server.api('GET', '/admin/flags/base', { token: viewerToken });
    expect(read.status).toBe(200);
    expect(read.body.key).toBe('base');
  });
});
