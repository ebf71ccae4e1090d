import { describe, expect, it } from 'vitest';
import { checkJsonSchema, type Schema } from '../support/json-schema-check.ts';

// The checker the OpenAPI tests rely on (test/support/json-schema-check.ts): a keyword it silently skipped would
// let a published schema pass unchecked, so it refuses those, and each one it implements is shown to bite.
const root = {
  components: {
    schemas: {
      Word: { type: 'string', pattern: '^[a-z]+$' },
      Strange: { type: 'object', properties: { inner: { type: 'string', contentEncoding: 'base64' } } },
    },
  },
};
const accepts = (schema: Schema, value: unknown): boolean => checkJsonSchema(root, schema, value).length === 0;

describe('the JSON Schema checker refuses what it cannot check', () => {
  it('throws on a keyword it does not implement, naming it and where it is, even where the value does not reach', () => {
    expect(() => checkJsonSchema(root, { type: 'object', properties: { a: { type: 'string', allOf: [{ minLength: 1 }] } } }, {})).toThrow(
      "JSON Schema keyword 'allOf' at the schema given/properties/a is not implemented by this checker",
    );
    expect(() => checkJsonSchema(root, { type: 'string', description: 'an annotation it does not know is refused too' }, 'x')).toThrow(/'description' at the schema given /);
  });

  it('names the place in the document: of the schema given, or of the one it references', () => {
    expect(() => checkJsonSchema(root, root.components.schemas.Strange, {})).toThrow("'contentEncoding' at #/components/schemas/Strange/properties/inner ");
    expect(() => checkJsonSchema(root, { anyOf: [{ $ref: '#/components/schemas/Strange' }] }, 1)).toThrow("'contentEncoding' at #/components/schemas/Strange/properties/inner ");
  });

  it.each<[string, Schema]>([
    ['a format it cannot check', { type: 'string', format: 'email' }],
    ['a bound that is not a number', { type: 'number', minimum: '3' }],
    ['a length that is not a count', { type: 'string', maxLength: 1.5 }],
    ['a pattern that does not compile', { type: 'string', pattern: '([a-z]' }],
    ['a type JSON Schema does not have', { type: 'float' }],
    ['a zero multipleOf', { type: 'number', multipleOf: 0 }],
    ['required that is not a list of names', { type: 'object', required: 'a' }],
  ])('throws on %s', (_what, schema) => {
    expect(() => checkJsonSchema(root, schema, 1)).toThrow(/has a value this checker cannot apply/);
  });
});

describe('each keyword it implements accepts and refuses as JSON Schema says', () => {
  it.each<[string, Schema, unknown[], unknown[]]>([
    ['type integer', { type: 'integer' }, [3, -2, 0], [3.5, '3', null]],
    ['type number', { type: 'number' }, [3.5, 0], ['1', true]],
    ['type object', { type: 'object' }, [{}, { a: 1 }], [[], null, 'x']],
    ['type array', { type: 'array' }, [[], [1]], [{}, 'x']],
    ['type string, boolean, null', { type: ['string', 'boolean', 'null'] }, ['x', false, null], [0, {}, []]],
    ['enum (by value, objects too)', { enum: ['a', { b: [1] }] }, ['a', { b: [1] }], ['b', { b: [2] }, { b: [1], c: 1 }]],
    ['const', { const: { k: [1, 2] } }, [{ k: [1, 2] }], [{ k: [2, 1] }, 'x']],
    ['minLength (in code points)', { minLength: 2 }, ['ab', '😀😀', 7], ['a', '😀', '']],
    ['maxLength (in code points)', { maxLength: 2 }, ['ab', '😀😀', 'a'], ['abc', '😀😀😀']],
    ['pattern', { pattern: '^a+$' }, ['a', 'aaa', 1], ['ab', '', 'ba']],
    ['format date-time', { format: 'date-time' }, ['2025-01-31T12:00:00Z', '2024-02-29T23:59:59.5+01:00', '2025-06-30t00:00:00z', 1], ['yesterday', '2025-02-29T00:00:00Z', '2025-01-31 12:00:00Z', '2025-01-31T24:00:00Z', '2025-13-01T00:00:00Z', '2025-01-31T12:00:00', '2025-01-31T12:00:00+24:00']],
    ['minimum', { minimum: 1 }, [1, 2, 'x'], [0.999, -1]],
    ['maximum', { maximum: 1 }, [1, -5], [1.001, 2]],
    ['exclusiveMinimum', { exclusiveMinimum: 0 }, [0.001, 1], [0, -1]],
    ['exclusiveMaximum', { exclusiveMaximum: 1 }, [0.999, 0], [1, 2]],
    ['multipleOf (exactly, on decimals)', { multipleOf: 0.001 }, [12.345, 100, 0.003, 0, -0.5, 1e21], [12.3456, 0.0005, 9 * 0.001]],
    ['multipleOf a tenth', { multipleOf: 0.1 }, [0.3, 0.7, 1.1], [0.35, 1e-7]],
    ['minItems', { minItems: 1 }, [[1], 'x'], [[]]],
    ['maxItems', { maxItems: 1 }, [[], [1]], [[1, 2]]],
    ['items', { items: { type: 'string' } }, [[], ['a', 'b']], [['a', 1]]],
    ['properties', { properties: { a: { type: 'string' } } }, [{ a: 'x' }, {}, { b: 1 }], [{ a: 1 }]],
    ['required (own keys only)', { required: ['a', 'toString'] }, [{ a: 1, toString: 2 }], [{ a: 1 }, {}]],
    ['additionalProperties false', { properties: { a: {} }, additionalProperties: false }, [{ a: 1 }, {}], [{ a: 1, b: 2 }, { constructor: 1 }]],
    ['additionalProperties as a schema', { properties: { a: {} }, additionalProperties: { type: 'number' } }, [{ a: 'x', b: 1 }], [{ b: '1' }]],
    ['propertyNames', { propertyNames: { pattern: '^[a-z]+$' } }, [{ ab: 1 }, {}], [{ AB: 1 }, { a1: 1 }]],
    ['anyOf', { anyOf: [{ type: 'string' }, { type: 'integer' }] }, ['x', 1], [true, 1.5]],
    ['oneOf (exactly one)', { oneOf: [{ type: 'number' }, { type: 'integer' }] }, [1.5], [1, 'x']],
    ['$ref', { $ref: '#/components/schemas/Word' }, ['abc'], ['ABC', 1]],
    ['$ref with a sibling keyword, which applies too', { $ref: '#/components/schemas/Word', maxLength: 2 }, ['ab'], ['abc', 'AB']],
    ['default, an annotation that asserts nothing', { default: 'x' }, ['x', 1, null], []],
    ['true', true, [1, 'x', null, {}], []],
    ['false', false, [], [1, 'x', null, {}]],
  ])('%s', (_keyword, schema, good, bad) => {
    for (const value of good) expect({ value, accepted: accepts(schema, value) }).toEqual({ value, accepted: true });
    for (const value of bad) expect({ value, accepted: accepts(schema, value) }).toEqual({ value, accepted: false });
  });

  it('says where in the value each problem is', () => {
    const schema: Schema = { type: 'object', properties: { tags: { type: 'array', items: { type: 'string', maxLength: 2 } } }, required: ['name'], additionalProperties: false };
    expect(checkJsonSchema(root, schema, { tags: ['ok', 'long'], 'a/b': 1 })).toEqual(['#: lacks required name', '#/tags/1: is too long', '#/a~1b: is not allowed']);
  });
});
