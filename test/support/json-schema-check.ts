type Schema = { [key: string]: unknown };

/**
 * A small JSON Schema (2020-12) checker: the keywords zod's toJSONSchema emits for our request schemas (type,
 * enum, const, string and number bounds, pattern, object properties/required/additionalProperties/propertyNames,
 * array items and bounds, anyOf/oneOf/allOf, local $ref). Enough to show the published schemas accept and refuse
 * what zod does, without a validator dependency. Returns the problems found, empty when the value conforms.
 */
export function checkJsonSchema(root: Schema, schema: Schema, value: unknown, at = '#'): string[] {
  if (typeof schema['$ref'] === 'string') return checkJsonSchema(root, resolveRef(root, schema['$ref']), value, at);
  const problems: string[] = [];
  const fail = (message: string): void => void problems.push(`${at}: ${message}`);

  if (schema['type'] !== undefined) {
    const types = Array.isArray(schema['type']) ? (schema['type'] as string[]) : [schema['type'] as string];
    if (!types.some((t) => hasType(value, t))) return [`${at}: is not of type ${types.join('|')}`];
  }
  if (Array.isArray(schema['enum']) && !schema['enum'].some((e) => e === value)) fail(`is not one of ${JSON.stringify(schema['enum'])}`);
  if ('const' in schema && schema['const'] !== value) fail(`is not ${JSON.stringify(schema['const'])}`);

  if (typeof value === 'string') {
    if (typeof schema['minLength'] === 'number' && [...value].length < schema['minLength']) fail('is too short');
    if (typeof schema['maxLength'] === 'number' && [...value].length > schema['maxLength']) fail('is too long');
    if (typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern'], 'u').test(value)) fail(`does not match ${schema['pattern']}`);
  }
  if (typeof value === 'number') {
    if (typeof schema['minimum'] === 'number' && value < schema['minimum']) fail('is below the minimum');
    if (typeof schema['maximum'] === 'number' && value > schema['maximum']) fail('is above the maximum');
    if (typeof schema['exclusiveMinimum'] === 'number' && value <= schema['exclusiveMinimum']) fail('is not above the exclusive minimum');
    if (typeof schema['exclusiveMaximum'] === 'number' && value >= schema['exclusiveMaximum']) fail('is not below the exclusive maximum');
  }
  if (Array.isArray(value)) {
    if (typeof schema['minItems'] === 'number' && value.length < schema['minItems']) fail('has too few items');
    if (typeof schema['maxItems'] === 'number' && value.length > schema['maxItems']) fail('has too many items');
    if (isSchema(schema['items'])) value.forEach((item, i) => problems.push(...checkJsonSchema(root, schema['items'] as Schema, item, `${at}/${i}`)));
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
    for (const name of (schema['required'] as string[] | undefined) ?? []) if (!(name in value)) fail(`lacks required ${name}`);
    for (const [name, v] of Object.entries(value)) {
      const where = `${at}/${name}`;
      if (isSchema(schema['propertyNames'])) problems.push(...checkJsonSchema(root, schema['propertyNames'] as Schema, name, where));
      if (properties[name]) problems.push(...checkJsonSchema(root, properties[name], v, where));
      else if (schema['additionalProperties'] === false) problems.push(`${where}: is not allowed`);
      else if (isSchema(schema['additionalProperties'])) problems.push(...checkJsonSchema(root, schema['additionalProperties'] as Schema, v, where));
    }
  }
  if (Array.isArray(schema['allOf'])) for (const s of schema['allOf'] as Schema[]) problems.push(...checkJsonSchema(root, s, value, at));
  if (Array.isArray(schema['anyOf']) && !(schema['anyOf'] as Schema[]).some((s) => checkJsonSchema(root, s, value, at).length === 0)) fail('matches none of anyOf');
  if (Array.isArray(schema['oneOf'])) {
    const matching = (schema['oneOf'] as Schema[]).filter((s) => checkJsonSchema(root, s, value, at).length === 0).length;
    if (matching !== 1) fail(`matches ${matching} of oneOf, not exactly one`);
  }
  return problems;
}

/** Resolves a local reference (`#/components/schemas/Key`) in the document; throws when it does not resolve. */
export function resolveRef(root: Schema, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`not a local reference: ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    node = node !== null && typeof node === 'object' ? (node as Schema)[key] : undefined;
    if (node === undefined) throw new Error(`unresolved reference: ${ref}`);
  }
  return node as Schema;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    default:
      return typeof value === type;
  }
}

function isSchema(value: unknown): boolean {
  return value !== null && typeof value === 'object';
}
