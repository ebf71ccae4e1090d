import fc from 'fast-check';
import { resolveRef } from '../json-schema-check.ts';

type Schema = { [key: string]: unknown };

/** Past this depth recursive schemas (JsonValue) stop growing: arrays and records come out empty. */
const MAX_DEPTH = 3;
const INT32 = 2 ** 31 - 1;

/**
 * Values that conform to a JSON Schema of the OpenAPI document (the keywords zod's toJSONSchema writes): a small
 * json-schema-faker. Conforming is what matters, not variety; the hostile part is the mutation applied on top.
 * `root` is the whole document, for `#/components/schemas/...` references.
 */
export function schemaArbitrary(root: Schema, schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  if (typeof schema['$ref'] === 'string') return schemaArbitrary(root, resolveRef(root, schema['$ref']), depth);
  if ('const' in schema) return fc.constant(schema['const']);
  if (Array.isArray(schema['enum'])) return fc.constantFrom(...(schema['enum'] as unknown[]));
  const branches = (schema['anyOf'] ?? schema['oneOf']) as Schema[] | undefined;
  if (Array.isArray(branches)) {
    // Deep down, only branches that cannot recurse, so generation ends.
    const usable = depth >= MAX_DEPTH ? branches.filter((b) => b['type'] !== 'array' && b['type'] !== 'object') : branches;
    return fc.oneof(...(usable.length > 0 ? usable : branches).map((b) => schemaArbitrary(root, b, depth + 1)));
  }
  switch (schema['type']) {
    case 'string':
      return stringArbitrary(schema);
    case 'integer':
      return integerArbitrary(schema);
    case 'number':
      return numberArbitrary(schema);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return arrayArbitrary(root, schema, depth);
    case 'object':
      return objectArbitrary(root, schema, depth);
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

function stringArbitrary(schema: Schema): fc.Arbitrary<string> {
  const min = (schema['minLength'] as number | undefined) ?? 0;
  const max = Math.min((schema['maxLength'] as number | undefined) ?? 40, 200);
  if (schema['format'] === 'date-time') {
    return fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2035-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
  }
  if (typeof schema['pattern'] === 'string') {
    const length = (s: string): number => [...s].length;
    return fc.stringMatching(new RegExp(schema['pattern'], 'u')).filter((s) => length(s) >= min && length(s) <= max);
  }
  return fc.string({ minLength: min, maxLength: Math.max(min, max) });
}

function integerArbitrary(schema: Schema): fc.Arbitrary<number> {
  const low = Math.max(lowerBound(schema, true), Number.MIN_SAFE_INTEGER);
  const high = Math.min(upperBound(schema, true), Number.MAX_SAFE_INTEGER);
  const small = fc.integer({ min: Math.max(low, -INT32), max: Math.max(Math.max(low, -INT32), Math.min(high, INT32)) });
  if (low >= -INT32 && high <= INT32) return small;
  return fc.oneof(small, fc.maxSafeInteger().filter((n) => n >= low && n <= high));
}

function numberArbitrary(schema: Schema): fc.Arbitrary<number> {
  const low = lowerBound(schema, false);
  const high = upperBound(schema, false);
  if (typeof schema['multipleOf'] === 'number') {
    const step = schema['multipleOf'];
    return fc.integer({ min: Math.ceil(Math.max(low, -1e6) / step), max: Math.floor(Math.min(high, 1e6) / step) }).map((k) => k * step);
  }
  return fc.double({
    min: Number.isFinite(low) ? low : -1e9,
    max: Number.isFinite(high) ? high : 1e9,
    minExcluded: typeof schema['exclusiveMinimum'] === 'number',
    maxExcluded: typeof schema['exclusiveMaximum'] === 'number',
    noNaN: true,
    noDefaultInfinity: true,
  });
}

function lowerBound(schema: Schema, integer: boolean): number {
  if (typeof schema['minimum'] === 'number') return schema['minimum'];
  if (typeof schema['exclusiveMinimum'] === 'number') return integer ? Math.floor(schema['exclusiveMinimum']) + 1 : schema['exclusiveMinimum'];
  return Number.NEGATIVE_INFINITY;
}

function upperBound(schema: Schema, integer: boolean): number {
  if (typeof schema['maximum'] === 'number') return schema['maximum'];
  if (typeof schema['exclusiveMaximum'] === 'number') return integer ? Math.ceil(schema['exclusiveMaximum']) - 1 : schema['exclusiveMaximum'];
  return Number.POSITIVE_INFINITY;
}

function arrayArbitrary(root: Schema, schema: Schema, depth: number): fc.Arbitrary<unknown[]> {
  const minLength = (schema['minItems'] as number | undefined) ?? 0;
  const maxLength = depth >= MAX_DEPTH ? minLength : Math.max(minLength, Math.min((schema['maxItems'] as number | undefined) ?? 4, 4));
  const items = (schema['items'] as Schema | undefined) ?? {};
  return fc.array(schemaArbitrary(root, items, depth + 1), { minLength, maxLength });
}

function objectArbitrary(root: Schema, schema: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
  if (Object.keys(properties).length > 0) {
    const required = (schema['required'] as string[] | undefined) ?? [];
    const model = Object.fromEntries(Object.entries(properties).map(([name, s]) => [name, schemaArbitrary(root, s, depth + 1)]));
    return fc.record(model, { requiredKeys: required.filter((r) => r in properties) }) as fc.Arbitrary<Record<string, unknown>>;
  }
  const additional = schema['additionalProperties'];
  if (additional !== null && typeof additional === 'object' && depth < MAX_DEPTH) {
    const names = schema['propertyNames'] as Schema | undefined;
    const key = names && typeof names['pattern'] === 'string' ? (stringArbitrary(names) as fc.Arbitrary<string>) : fc.string({ minLength: 1, maxLength: 12 });
    return fc.dictionary(key, schemaArbitrary(root, additional as Schema, depth + 1), { maxKeys: 4 });
  }
  return fc.constant({});
}
