import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestServer, type ApiResponse, type TestServer } from '../support/flagstaff.ts';

/**
 * Holes an audit of the issue-14 hardening found: a `__proto__` member written with an escape, refusals that named
 * no field, explain's view of inherited attribute names, JSON nested deep sent to explain, and a year-0 rollback of
 * an environment. Each answer is a 4xx naming what is at fault, and changes nothing.
 */
let server: TestServer;
let sdkKey: string;
const INHERITED = ['constructor', '__proto__', 'toString'] as const;

beforeAll(async () => {
  server = await startTestServer();
  sdkKey = (await server.api('POST', '/admin/api-keys', { body: { environment: 'production', kind: 'server' } })).body.key;
  expect((await server.api('POST', '/admin/flags', { body: { key: 'inherited' } })).status).toBe(201);
  // One rule holding when the context has none of the names every object inherits.
  const put = await server.api('PUT', '/admin/flags/inherited/environments/production', {
    headers: { 'if-match': 'W/"1"' },
    body: {
      enabled: true,
      offVariant: 'off',
      rules: [{ id: 'none-inherited', conditions: INHERITED.map((attribute) => ({ attribute, operator: 'not_exists' })), serve: { variant: 'on' } }],
      defaultServe: { variant: 'off' },
    },
  });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  await server.projection.caughtUp();
});
afterAll(async () => server.close());

const read = (method: string, path: string, options: { body?: unknown; raw?: string } = {}) =>
  request(server.url, method, path, { ...options, token: null, headers: { authorization: `Bearer ${sdkKey}` } });

/** Sends `send`, expects a problem with exactly `errors`, and that the event store did not move. */
async function refused(send: () => Promise<ApiResponse>, status: number, errors: unknown): Promise<ApiResponse> {
  const before = await server.store.headPosition();
  const response = await send();
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(response.body.errors).toEqual(errors);
  expect(await server.store.headPosition()).toBe(before);
  return response;
}

const reserved = (pointer: string) => [{ pointer, detail: 'is a reserved member name (__proto__)' }];

describe('__proto__ written with an escape (\\u005f_proto__) is refused as the plain one is', () => {
  it('as a variant name: 400 naming it, and no flag created (it was silently dropped, 201)', async () => {
    await refused(() => server.api('POST', '/admin/flags', { raw: '{"key":"escaped-proto","type":"string","variants":{"\\u005f_proto__":"x","b":"y"}}' }), 400, reserved('#/variants/__proto__'));
    expect((await server.api('GET', '/admin/flags/escaped-proto')).status).toBe(404);
  });

  it('as a context attribute of the batch: 400 naming it', async () => {
    await refused(() => read('POST', '/api/v1/flags/batch', { raw: '{"flagKeys":["inherited"],"context":{"\\u005f_proto__":{"x":1}}}' }), 400, reserved('#/context/__proto__'));
  });

  it('as a context attribute in the query of a single evaluation: 400 naming it (it was silently dropped)', async () => {
    for (const name of ['__proto__', '%5F_proto__']) {
      await refused(() => read('GET', `/api/v1/flags/inherited?targetingKey=u1&${name}=x`), 400, [{ pointer: '#/__proto__', detail: 'is a reserved attribute name (__proto__)' }]);
    }
    // Other inherited names are attributes like any: owned, they stop `not_exists` from holding.
    expect((await read('GET', '/api/v1/flags/inherited?targetingKey=u1&constructor=x')).body).toMatchObject({ variant: 'off', reason: 'DEFAULT' });
  });
});

describe('every 400 and 422 names what is at fault (the path, a header: #)', () => {
  it('a path parameter that is not valid percent-encoding', async () => {
    const response = await refused(() => server.api('GET', '/admin/flags/x%E0%A4%A'), 400, [{ pointer: '#', detail: 'the path has a parameter that is not valid percent-encoding' }]);
    expect(response.body.detail).toBe("A path parameter is not valid percent-encoding: Failed to decode param 'x%E0%A4%A'");
  });

  it('an Idempotency-Key sent again with a different body', async () => {
    const headers = { 'idempotency-key': 'gaps-reused' };
    expect((await server.api('POST', '/admin/segments', { headers, body: { key: 'first' } })).status).toBe(201);
    const reused = await refused(() => server.api('POST', '/admin/segments', { headers, body: { key: 'second' } }), 422, [{ pointer: '#', detail: 'differs from the request first sent with this Idempotency-Key' }]);
    expect(reused.body.type).toBe('urn:flagstaff:problem:idempotency-key-reused');
    expect((await server.api('GET', '/admin/segments/second')).status).toBe(404);
  });
});

describe('explain', () => {
  it('reports an inherited name the context does not own as absent (null), not what Object.prototype holds', async () => {
    const explained = await server.api('POST', '/admin/explain', { body: { flagKey: 'inherited', environment: 'production', context: { targetingKey: 'u1' } } });
    expect(explained.status, JSON.stringify(explained.body)).toBe(200);
    expect(explained.body.result).toMatchObject({ variant: 'on', ruleId: 'none-inherited' });
    const rule = explained.body.trace.find((step: { step: string }) => step.step === 'rule');
    expect(rule.conditions).toStrictEqual(INHERITED.map((attribute) => ({ attribute, operator: 'not_exists', values: [], actual: null, held: true })));
  });

  it('reports the value a context owns under such a name', async () => {
    const explained = await server.api('POST', '/admin/explain', { body: { flagKey: 'inherited', environment: 'production', context: { targetingKey: 'u1', toString: 'x' } } });
    expect(explained.body.result).toMatchObject({ variant: 'off', reason: 'DEFAULT' });
    const rule = explained.body.trace.find((step: { step: string }) => step.step === 'rule');
    expect(rule.conditions[2]).toStrictEqual({ attribute: 'toString', operator: 'not_exists', values: [], actual: 'x', held: false });
  });

  it('refuses a context nested thousands of levels deep with a 400 naming where it goes too deep', async () => {
    const deep = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
    const response = await refused(
      () => server.api('POST', '/admin/explain', { raw: `{"flagKey":"inherited","environment":"production","context":{"a":${deep}}}` }),
      400,
      [{ pointer: `#/context/a${'/0'.repeat(62)}`, detail: 'is nested deeper than 64 levels' }],
    );
    expect(response.body.type).toBe('urn:flagstaff:problem:bad-request');
  });
});

describe('an environment rollback to year 0 is answered as a flag rollback to year 0', () => {
  it('422 naming toTime (the environment did not exist yet), dry run or not, and nothing changed', async () => {
    const detail = [{ pointer: '#/toTime', detail: 'is before the environment was created' }];
    for (const body of [{ toTime: '0000-01-01T00:00:00Z', reason: 'hostile' }, { toTime: '0000-01-01T00:00:00Z', dryRun: true }]) {
      const response = await refused(() => server.api('POST', '/admin/environments/production/rollback', { body }), 422, detail);
      expect(response.body.detail).toBe('Environment production did not exist yet at 1970-01-01T00:00:00.000Z');
    }
    // The flag's own rollback to year 0, for comparison: the same status, the same field.
    const flag = await refused(() => server.api('POST', '/admin/flags/inherited/rollback', { headers: { 'if-match': 'W/"2"' }, body: { toTime: '0000-01-01T00:00:00Z', reason: 'hostile' } }), 422, [{ pointer: '#/toTime', detail: 'is before the flag was created' }]);
    expect(flag.body.type).toBe('urn:flagstaff:problem:domain-rule-violation');
    expect((await server.api('GET', '/admin/flags/inherited')).body.environments.production.enabled).toBe(true);
  });

  it('still rolls back to a time after the environment was created', async () => {
    const dry = await server.api('POST', '/admin/environments/production/rollback', { body: { toTime: new Date().toISOString(), dryRun: true } });
    expect(dry.status, JSON.stringify(dry.body)).toBe(200);
    expect(dry.body).toMatchObject({ environment: 'production', dryRun: true, changed: 0 });
  });
});
