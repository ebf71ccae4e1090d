import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkJsonSchema } from '../support/json-schema-check.ts';
import { mutate } from '../support/hostile/hostile-body.ts';
import type { HostileRequest } from '../support/hostile/hostile-request.ts';
import { judge } from '../support/hostile/response-check.ts';
import { encodeComponent, headerSafe, objectWithKey } from '../support/hostile/hostile-values.ts';
import { schemaArbitrary } from '../support/hostile/schema-arbitrary.ts';

// A document shaped like the served one (zod's JSON Schema output), small enough to read.
const document = {
  components: {
    schemas: {
      Key: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,127}$' },
      JsonValue: {
        anyOf: [
          { type: 'string' },
          { type: 'number' },
          { type: 'boolean' },
          { type: 'null' },
          { type: 'array', items: { $ref: '#/components/schemas/JsonValue' } },
          { type: 'object', propertyNames: { type: 'string' }, additionalProperties: { $ref: '#/components/schemas/JsonValue' } },
        ],
      },
      Body: {
        type: 'object',
        properties: {
          key: { $ref: '#/components/schemas/Key' },
          kind: { type: 'string', enum: ['binomial', 'mean'] },
          weight: { type: 'integer', minimum: 0, maximum: 100_000 },
          revision: { type: 'integer', minimum: 0, maximum: 9_007_199_254_740_991 },
          alpha: { type: 'number', exclusiveMinimum: 0, maximum: 0.5 },
          at: { type: 'string', format: 'date-time' },
          tags: { type: 'array', maxItems: 50, items: { type: 'string', pattern: '^[\\w.:/-]{1,64}$' } },
          split: { type: 'array', minItems: 1, items: { type: 'object', properties: { variant: { $ref: '#/components/schemas/Key' } }, required: ['variant'], additionalProperties: false } },
          context: { type: 'object', propertyNames: { type: 'string' }, additionalProperties: { $ref: '#/components/schemas/JsonValue' } },
          serve: { oneOf: [{ type: 'object', properties: { type: { type: 'string', const: 'one' } }, required: ['type'], additionalProperties: false }] },
        },
        required: ['key', 'kind', 'split'],
        additionalProperties: false,
      },
    },
  },
};
const body = { $ref: '#/components/schemas/Body' };

describe('the hostile-input generators (test/support/hostile)', () => {
  it('build values that conform to the schema they come from, recursive ones included', () => {
    fc.assert(
      fc.property(schemaArbitrary(document, body), (value) => {
        expect(checkJsonSchema(document, body, value)).toEqual([]);
      }),
      { seed: 14, numRuns: 300 },
    );
  });

  it('write a duplicate key into the raw text, which JSON.stringify cannot', () => {
    const { label, body: wire } = mutate({ key: 'a', nested: { kind: 'mean' } }, 3, { kind: 'duplicate-key', with: { label: 'wrong type', value: 1 } });
    expect(label).toBe('duplicate key "kind" (wrong type) at #/nested');
    expect(wire).toEqual({ kind: 'text', text: '{"key":"a","nested":{"kind":"mean","kind":1}}' });
  });

  it('write a member name with a JSON escape, which JSON.parse decodes to __proto__', () => {
    const { label, body: wire } = mutate({ key: 'a', variants: { on: true } }, 2, { kind: 'escaped-key', key: '__proto__', with: { label: 'value', value: 1 } });
    expect(label).toBe('key "__proto__" written with an escape (value) added at #/variants');
    expect(wire).toEqual({ kind: 'text', text: '{"key":"a","variants":{"on":true,"\\u005f_proto__":1}}' });
    expect(Object.keys((JSON.parse((wire as { text: string }).text) as { variants: object }).variants)).toEqual(['on', '__proto__']);
  });

  it('splice raw JSON text (a number that parses to Infinity) at the chosen node', () => {
    const { label, body: wire } = mutate({ key: 'a', weight: 1 }, 2, { kind: 'raw', with: { label: 'absurd raw number', value: '1e400' } });
    expect(label).toBe('absurd raw number at #/weight');
    expect(wire).toEqual({ kind: 'text', text: '{"key":"a","weight":1e400}' });
  });

  it('put a hostile date where the body has a date', () => {
    const { label, body: wire } = mutate({ key: 'a', events: [{ timestamp: '2025-01-31T12:00:00Z' }] }, 0, { kind: 'date', with: { label: 'year 0', value: '0000-01-01T00:00:00Z' } });
    expect(label).toBe('year 0 at #/events/0/timestamp');
    expect(wire).toEqual({ kind: 'json', value: { key: 'a', events: [{ timestamp: '0000-01-01T00:00:00Z' }] } });
  });

  it('keep __proto__ as an own key of the body sent, not a change of prototype', () => {
    const { body: wire } = mutate({ key: 'a' }, 0, { kind: 'add-key', key: '__proto__', with: { label: 'value', value: { isAdmin: true } } });
    expect(wire.kind === 'json' && JSON.stringify(wire.value)).toBe('{"key":"a","__proto__":{"isAdmin":true}}');
    expect(Object.keys(objectWithKey('constructor', 1))).toEqual(['constructor']);
  });

  it('percent-encode lone surrogates as their bytes and keep header values sendable', () => {
    expect(encodeComponent('a\ud800/b')).toBe('a%ED%A0%80%2Fb');
    expect(headerSafe('a\u0000b\r\nc€')).toBe('a?b??c?');
  });
});

describe('the hostile-input judge (test/support/hostile/response-check.ts)', () => {
  const problemDocument = {
    components: {
      schemas: {
        Problem: { type: 'object', properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' } }, required: ['type', 'title', 'status', 'detail'] },
        OfrepError: { type: 'object', properties: { errorCode: { type: 'string' } }, required: ['errorCode'] },
      },
    },
  };
  const request = (template: string, method = 'POST', responses: Record<string, unknown> = { '400': {}, '404': {} }): HostileRequest => ({
    operation: { method, template, operationId: 'op', spec: { responses, requestBody: {} } },
    method,
    url: template,
    headers: {},
    body: { label: 'wrong type at #/key', body: { kind: 'json', value: { key: 1 } } },
    encoding: 'identity',
    labels: [],
  });
  const answer = (status: number, body: unknown, type = 'application/problem+json') => ({ status, headers: { 'content-type': type }, text: JSON.stringify(body) });
  const problem = (status: number, errors?: unknown[]) => ({ type: 'urn:flagstaff:problem:x', title: 'X', status, detail: 'bad', ...(errors ? { errors } : {}) });
  const kinds = (verdict: ReturnType<typeof judge>) => [...verdict.violations, ...verdict.observations].map((v) => v.kind);
  const still = { before: 7, after: 7 };

  it('passes a 400 problem that names the field', () => {
    expect(kinds(judge(problemDocument, request('/admin/flags'), answer(400, problem(400, [{ pointer: '#/key', detail: 'x' }])), still))).toEqual([]);
  });

  it('fails a 5xx, a 4xx that is not a problem, and a 4xx after which the store moved', () => {
    expect(kinds(judge(problemDocument, request('/admin/flags'), answer(500, problem(500)), still))).toEqual(['server error']);
    expect(kinds(judge(problemDocument, request('/admin/flags'), answer(400, { message: 'no' }, 'application/json'), still))).toEqual(['not a problem']);
    expect(kinds(judge(problemDocument, request('/admin/flags'), answer(404, problem(404)), { before: 7, after: 8 }))).toEqual(['state changed on a 4xx']);
  });

  it('wants OFREP errors in their own shape, and a field pointer on every field error', () => {
    expect(kinds(judge(problemDocument, request('/ofrep/v1/evaluate/flags'), answer(400, problem(400)), still))).toEqual(['not an OFREP error']);
    expect(kinds(judge(problemDocument, request('/ofrep/v1/evaluate/flags'), answer(400, { errorCode: 'INVALID_CONTEXT' }, 'application/json'), still))).toEqual([]);
    expect(kinds(judge(problemDocument, request('/admin/flags'), answer(400, problem(400, [{ pointer: 'key', detail: 'x' }])), still))).toEqual(['not a problem']);
  });

  it('notes a status the document does not list, without failing it', () => {
    const verdict = judge(problemDocument, request('/admin/flags'), answer(422, problem(422, [{ pointer: '#/key', detail: 'x' }])), still);
    expect(verdict.violations).toEqual([]);
    expect(kinds(verdict)).toEqual(['undocumented status']);
  });

  it('fails a 400 or 422 problem that names nothing at fault, whatever its type', () => {
    for (const status of [400, 422]) {
      for (const type of ['urn:flagstaff:problem:validation-error', 'urn:flagstaff:problem:bad-request', 'urn:flagstaff:problem:idempotency-key-reused']) {
        const verdict = judge(problemDocument, request('/admin/flags', 'POST', { '400': {}, '422': {} }), answer(status, { ...problem(status), type }), still);
        expect(verdict.violations).toEqual([{ kind: 'no field pointer on 400/422', detail: `${status} ${type}: bad` }]);
      }
    }
  });

  it('passes a 400 or 422 that names a header, the path or the whole body with #, and other 4xx without errors', () => {
    const responses = { '400': {}, '401': {}, '404': {}, '412': {}, '413': {}, '415': {}, '422': {}, '428': {} };
    for (const status of [400, 422]) expect(kinds(judge(problemDocument, request('/admin/flags', 'POST', responses), answer(status, problem(status, [{ pointer: '#', detail: 'If-Match header is malformed' }])), still))).toEqual([]);
    for (const status of [401, 404, 412, 413, 415, 428]) expect(kinds(judge(problemDocument, request('/admin/flags', 'POST', responses), answer(status, problem(status)), still))).toEqual([]);
  });

  it("exempts only node's own 400 for a request it could not parse as HTTP (no body or query was read)", () => {
    const unparsable = { ...problem(400), type: 'urn:flagstaff:problem:unparsable-request' };
    expect(kinds(judge(problemDocument, request('/admin/flags'), answer(400, unparsable), still))).toEqual([]);
  });

  it('fails a context attribute __proto__ accepted in a free-form query, not a __proto__ parameter an operation ignores', () => {
    const spec = (parameters: unknown[]) => ({ responses: { '200': {}, '400': {} }, parameters });
    const evaluate = { ...request('/api/v1/flags/{key}', 'GET'), operation: { method: 'GET', template: '/api/v1/flags/{key}', operationId: 'evaluateFlag', spec: spec([{ $ref: '#/components/parameters/Environment' }, { name: 'context', in: 'query', schema: { type: 'object' } }]) }, body: undefined };
    const document = { ...problemDocument, components: { ...problemDocument.components, parameters: { Environment: { name: 'environment', in: 'query', schema: { type: 'string' } } } } };
    const evaluated = answer(200, { flagKey: 'f', value: true }, 'application/json');
    expect(kinds(judge(document, { ...evaluate, url: '/api/v1/flags/f?targetingKey=u&__proto__=x' }, evaluated, still))).toEqual(['prototype key accepted']);
    expect(kinds(judge(document, { ...evaluate, url: '/api/v1/flags/f?targetingKey=u&%5F_proto__=x' }, evaluated, still))).toEqual(['prototype key accepted']);
    expect(kinds(judge(document, { ...evaluate, url: '/api/v1/flags/f?targetingKey=__proto__' }, evaluated, still))).toEqual([]);
    const listing = { ...evaluate, operation: { ...evaluate.operation, template: '/admin/flags', spec: spec([{ $ref: '#/components/parameters/Environment' }]) }, url: '/admin/flags?__proto__=x' };
    expect(kinds(judge(document, listing, evaluated, still))).toEqual([]);
  });

  describe('a body with a __proto__ member', () => {
    const sending = (body: HostileRequest['body'], contentType = 'application/json'): HostileRequest => ({ ...request('/admin/flags'), headers: { 'content-type': contentType }, body });
    const plain = { label: 'key "__proto__" added at #/variants', body: { kind: 'json' as const, value: JSON.parse('{"key":"a","variants":{"__proto__":"x"}}') as unknown } };
    const escaped = { label: 'escaped', body: { kind: 'text' as const, text: '{"key":"a","variants":{"\\u005f_proto__":"x"}}' } };
    const nested = { label: 'nested', body: { kind: 'text' as const, text: '{"rules":[{"conditions":[{"values":[{"a":{"__proto__":{"isAdmin":true}}}]}]}]}' } };
    const created = answer(201, { key: 'a' }, 'application/json');

    it('fails when accepted, however it was written and however deep', () => {
      for (const body of [plain, escaped, nested]) expect(kinds(judge(problemDocument, sending(body), created, still))).toEqual(['prototype key accepted']);
    });

    it('passes when refused, when only a string value says __proto__, and when the body was not sent as JSON', () => {
      expect(kinds(judge(problemDocument, sending(plain), answer(400, problem(400, [{ pointer: '#/variants/__proto__', detail: 'is a reserved member name (__proto__)' }])), still))).toEqual([]);
      const value = { label: 'value', body: { kind: 'json' as const, value: { key: 'a', description: '"__proto__":1', tags: ['__proto__'] } } };
      expect(kinds(judge(problemDocument, sending(value), created, still))).toEqual([]);
      expect(kinds(judge(problemDocument, sending(plain, 'text/plain'), created, still))).toEqual([]);
    });
  });
});
