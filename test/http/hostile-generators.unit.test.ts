import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkJsonSchema } from '../support/json-schema-check.ts';
import { mutate } from '../support/hostile/hostile-body.ts';
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
