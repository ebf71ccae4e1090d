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

  it('notes a 400 without a field pointer and a status the document does not list, without failing them', () => {
    const verdict = judge(problemDocument, request('/admin/flags'), answer(422, problem(422)), still);
    expect(verdict.violations).toEqual([]);
    expect(kinds(verdict)).toEqual(['undocumented status', 'no field pointer on 400/422']);
  });
});
