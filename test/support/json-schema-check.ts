import { isDeepStrictEqual } from 'node:util';

/** A JSON Schema: an object of keywords, or `true` (anything conforms) and `false` (nothing does). */
export type Schema = boolean | { readonly [keyword: string]: unknown };
type SchemaObject = Exclude<Schema, boolean>;

/**
 * A small JSON Schema (2020-12) checker for the keywords zod's toJSONSchema writes into our OpenAPI document:
 * enough to show the published schemas accept and refuse what zod does, without a validator dependency. Returns
 * the problems found, empty when the value conforms.
 *
 * A keyword it does not implement would otherwise pass as if absent, so a schema could publish a constraint no
 * test ever checked: before checking, every keyword of the schema and of what it references is looked up, and
 * one it does not know (or a value it cannot apply, such as a format it cannot check) throws, naming where.
 */
export function checkJsonSchema(root: SchemaObject, schema: Schema, value: unknown, at = '#'): string[] {
  vet(root, schema);
  return check(root, schema, value, at);
}

/** Resolves a local reference (`#/components/schemas/Key`) in the document; throws when it does not resolve. */
export function resolveRef(root: SchemaObject, ref: string): SchemaObject {
  if (!ref.startsWith('#/')) throw new Error(`not a local reference: ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    node = isObject(node) && Object.hasOwn(node, key) ? node[key] : undefined;
    if (node === undefined) throw new Error(`unresolved reference: ${ref}`);
  }
  return node as SchemaObject;
}

const TYPES = ['null', 'boolean', 'object', 'array', 'number', 'integer', 'string'];
const FORMATS = ['date-time'];

const isSchema = (v: unknown): v is Schema => typeof v === 'boolean' || isObject(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isCount = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0;

/** The keywords implemented, each with the shape of value it can apply. */
const KEYWORDS: Record<string, (value: unknown) => boolean> = {
  $ref: (v) => typeof v === 'string',
  type: (v) => (Array.isArray(v) ? v : [v]).every((t) => TYPES.includes(t as string)),
  enum: Array.isArray,
  const: () => true,
  minLength: isCount,
  maxLength: isCount,
  pattern: (v) => typeof v === 'string' && compiles(v),
  format: (v) => FORMATS.includes(v as string),
  minimum: isNumber,
  maximum: isNumber,
  exclusiveMinimum: isNumber,
  exclusiveMaximum: isNumber,
  multipleOf: (v) => isNumber(v) && v > 0,
  minItems: isCount,
  maxItems: isCount,
  items: isSchema,
  properties: (v) => isObject(v) && Object.values(v).every(isSchema),
  required: (v) => Array.isArray(v) && v.every((name) => typeof name === 'string'),
  additionalProperties: isSchema,
  propertyNames: isSchema,
  anyOf: (v) => Array.isArray(v) && v.length > 0 && v.every(isSchema),
  oneOf: (v) => Array.isArray(v) && v.length > 0 && v.every(isSchema),
  // An annotation: it asserts nothing about the value.
  default: () => true,
};

/** The schemas inside a schema object, each with its location relative to it. */
function subschemas(schema: SchemaObject): [string, Schema][] {
  const found: [string, Schema][] = [];
  for (const keyword of ['items', 'additionalProperties', 'propertyNames']) if (isSchema(schema[keyword])) found.push([keyword, schema[keyword]]);
  for (const keyword of ['anyOf', 'oneOf']) (schema[keyword] as Schema[] | undefined)?.forEach((s, i) => found.push([`${keyword}/${i}`, s]));
  for (const [name, s] of Object.entries((schema['properties'] ?? {}) as Record<string, Schema>)) found.push([`properties/${escape(name)}`, s]);
  return found;
}

const vetted = new WeakMap<object, WeakSet<object>>();

/** Throws on the first keyword (or keyword value) this checker cannot apply, in `schema` or anything it references. */
function vet(root: SchemaObject, schema: Schema): void {
  if (typeof schema === 'boolean' || vetted.get(root)?.has(schema)) return;
  // Paths inside the schema given are relative to it until an error needs them; a reference's are absolute.
  const locate = (path: string): string => (path.startsWith('#') ? path : `${pointerTo(root, schema) ?? 'the schema given'}${path}`);
  const seen = new Set<SchemaObject>();
  const visit = (node: Schema, path: string): void => {
    if (typeof node === 'boolean' || seen.has(node)) return;
    seen.add(node);
    for (const [keyword, value] of Object.entries(node)) {
      const applies = Object.hasOwn(KEYWORDS, keyword) ? KEYWORDS[keyword]! : undefined;
      if (!applies) throw new Error(`JSON Schema keyword '${keyword}' at ${locate(path)} is not implemented by this checker`);
      if (!applies(value)) throw new Error(`JSON Schema keyword '${keyword}' at ${locate(path)} has a value this checker cannot apply: ${JSON.stringify(value)}`);
    }
    for (const [where, sub] of subschemas(node)) visit(sub, `${path}/${where}`);
    if (typeof node['$ref'] === 'string') visit(resolveRef(root, node['$ref']), node['$ref']);
  };
  visit(schema, '');
  if (!vetted.has(root)) vetted.set(root, new WeakSet());
  vetted.get(root)!.add(schema);
}

function check(root: SchemaObject, schema: Schema, value: unknown, at: string): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${at}: is not allowed`];
  const problems: string[] = [];
  const fail = (message: string): void => void problems.push(`${at}: ${message}`);

  if (typeof schema['$ref'] === 'string') problems.push(...check(root, resolveRef(root, schema['$ref']), value, at));
  if (schema['type'] !== undefined) {
    const types = Array.isArray(schema['type']) ? (schema['type'] as string[]) : [schema['type'] as string];
    if (!types.some((t) => hasType(value, t))) return [...problems, `${at}: is not of type ${types.join('|')}`];
  }
  if (Array.isArray(schema['enum']) && !schema['enum'].some((e) => isDeepStrictEqual(e, value))) fail(`is not one of ${JSON.stringify(schema['enum'])}`);
  if ('const' in schema && !isDeepStrictEqual(schema['const'], value)) fail(`is not ${JSON.stringify(schema['const'])}`);

  if (typeof value === 'string') {
    if (typeof schema['minLength'] === 'number' && [...value].length < schema['minLength']) fail('is too short');
    if (typeof schema['maxLength'] === 'number' && [...value].length > schema['maxLength']) fail('is too long');
    if (typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern'], 'u').test(value)) fail(`does not match ${schema['pattern']}`);
    if (schema['format'] === 'date-time' && !isDateTime(value)) fail('is not an RFC 3339 date-time');
  }
  if (typeof value === 'number') {
    if (typeof schema['minimum'] === 'number' && value < schema['minimum']) fail('is below the minimum');
    if (typeof schema['maximum'] === 'number' && value > schema['maximum']) fail('is above the maximum');
    if (typeof schema['exclusiveMinimum'] === 'number' && value <= schema['exclusiveMinimum']) fail('is not above the exclusive minimum');
    if (typeof schema['exclusiveMaximum'] === 'number' && value >= schema['exclusiveMaximum']) fail('is not below the exclusive maximum');
    if (typeof schema['multipleOf'] === 'number' && !isMultipleOf(value, schema['multipleOf'])) fail(`is not a multiple of ${schema['multipleOf']}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema['minItems'] === 'number' && value.length < schema['minItems']) fail('has too few items');
    if (typeof schema['maxItems'] === 'number' && value.length > schema['maxItems']) fail('has too many items');
    if (isSchema(schema['items'])) value.forEach((item, i) => problems.push(...check(root, schema['items'] as Schema, item, `${at}/${i}`)));
  }
  if (isObject(value)) {
    const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
    for (const name of (schema['required'] as string[] | undefined) ?? []) if (!Object.hasOwn(value, name)) fail(`lacks required ${name}`);
    for (const [name, v] of Object.entries(value)) {
      const where = `${at}/${escape(name)}`;
      if (isSchema(schema['propertyNames'])) problems.push(...check(root, schema['propertyNames'], name, where));
      if (Object.hasOwn(properties, name)) problems.push(...check(root, properties[name]!, v, where));
      else if (isSchema(schema['additionalProperties'])) problems.push(...check(root, schema['additionalProperties'], v, where));
    }
  }
  if (Array.isArray(schema['anyOf']) && !(schema['anyOf'] as Schema[]).some((s) => check(root, s, value, at).length === 0)) fail('matches none of anyOf');
  if (Array.isArray(schema['oneOf'])) {
    const matching = (schema['oneOf'] as Schema[]).filter((s) => check(root, s, value, at).length === 0).length;
    if (matching !== 1) fail(`matches ${matching} of oneOf, not exactly one`);
  }
  return problems;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return isNumber(value);
    default:
      return typeof value === type;
  }
}

/**
 * Exactly, on the decimals the numbers are written with (as JSON carries them), as zod decides it: 0.3 is a
 * multiple of 0.1 although 0.3 / 0.1 is 2.9999999999999996 in floating point.
 */
function isMultipleOf(value: number, step: number): boolean {
  const [a, b] = [decimal(value), decimal(step)];
  const scale = Math.max(a.scale, b.scale);
  return (a.digits * 10n ** BigInt(scale - a.scale)) % (b.digits * 10n ** BigInt(scale - b.scale)) === 0n;
}

/** A finite number as an integer of its digits and a power of ten to divide it by: 1.25e-3 is 125 and 5. */
function decimal(n: number): { digits: bigint; scale: number } {
  const [, sign, whole, fraction = '', exponent = '0'] = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(n))!;
  const scale = fraction.length - Number(exponent);
  const digits = BigInt(`${sign}${whole}${fraction}`);
  return scale >= 0 ? { digits, scale } : { digits: digits * 10n ** BigInt(-scale), scale: 0 };
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/** RFC 3339 `date-time`, what JSON Schema's format means by it (a leap second allowed). */
function isDateTime(text: string): boolean {
  const match = DATE_TIME.exec(text);
  if (!match) return false;
  const [year, month, day, hour, minute, second, offsetHours = 0, offsetMinutes = 0] = match.slice(1).map((part) => (part === undefined ? undefined : Number(part))) as number[];
  const leap = year! % 4 === 0 && (year! % 100 !== 0 || year! % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month! - 1];
  return days !== undefined && day! >= 1 && day! <= days && hour! <= 23 && minute! <= 59 && second! <= 60 && offsetHours <= 23 && offsetMinutes <= 59;
}

/** Where `target` sits in `root`, as a JSON pointer, for naming it in an error. */
function pointerTo(root: unknown, target: object, pointer = '#'): string | undefined {
  if (root === target) return pointer;
  if (!isObject(root) && !Array.isArray(root)) return undefined;
  for (const [key, child] of Object.entries(root)) {
    const found = pointerTo(child, target, `${pointer}/${escape(key)}`);
    if (found) return found;
  }
  return undefined;
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

function escape(name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
