import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, errorStatuses, ofrepErrorSchema, problemSchema, type OpenApiDocument } from '../../src/http/openapi/openapi-document.ts';
import { API, API_OPERATIONS as OPERATIONS } from '../../src/root/api.ts';
import { toProblem } from '../../src/http/problem.ts';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError, issue } from '../../src/shared/errors.ts';
import { checkJsonSchema, resolveRef } from '../support/json-schema-check.ts';

const doc = buildOpenApiDocument(API);
const root = doc as unknown as Record<string, unknown>;
const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, found));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') found.push(v);
      else refsIn(v, found);
    }
  }
  return found;
}

/** Every schema the document publishes: its components, and those inline (parameters, headers, content). */
function schemasIn(value: unknown, found: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(value)) value.forEach((v) => schemasIn(v, found));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'schema') found.push(v as Record<string, unknown>);
      else if (k === 'schemas') found.push(...Object.values(v as Record<string, Record<string, unknown>>));
      else schemasIn(v, found);
    }
  }
  return found;
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 in the JSON Schema 2020-12 dialect, and survives JSON', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.jsonSchemaDialect).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
    expect(operations.length).toBe(OPERATIONS.length);
  });

  it('resolves every $ref inside itself, and keeps no zod-internal ids or dialect markers in components', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(100);
    for (const ref of refs) expect(() => resolveRef(root, ref), ref).not.toThrow();
    expect(Object.keys(doc.components.schemas)).not.toContain('__shared');
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      expect(schema['$id'], name).toBeUndefined();
      expect(schema['$schema'], name).toBeUndefined();
    }
  });

  // The checker throws on a keyword it does not implement, wherever it is: every published schema can be checked.
  it('uses only JSON Schema keywords the tests can check', () => {
    const schemas = schemasIn(doc);
    expect(schemas.length).toBeGreaterThan(100);
    for (const schema of schemas) expect(() => checkJsonSchema(root, schema, null)).not.toThrow();
  });

  it('gives every operation a unique id, a declared tag, security, a success response and its problems', () => {
    const ids = operations.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const tags = new Set(doc.tags.map((t) => t.name));
    for (const { path, method, op } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(op.tags.every((t) => tags.has(t)), where).toBe(true);
      expect(Object.keys(op.responses).some((s) => s.startsWith('2')), where).toBe(true);
      const admin = path.startsWith('/admin/');
      if (admin) expect(op.security, where).toEqual([{ adminToken: [] }]);
      if (path.startsWith('/api/') || path.startsWith('/ofrep/')) expect(op.security, where).toEqual([{ sdkKey: [] }]);
      if (op.security.length > 0) expect(op.responses['401'], where).toBeDefined();
      if (admin) {
        expect(op.responses['429'], where).toEqual({ $ref: '#/components/responses/Problem429' });
        expect(op.responses['503'], where).toBeDefined();
      }
    }
  });

  it('declares each path parameter of the template, and nothing else in the path', () => {
    for (const { path, method, op } of operations) {
      const template = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters as { in?: string; name?: string }[]).filter((p) => p.in === 'path').map((p) => p.name);
      expect(declared, `${method.toUpperCase()} ${path}`).toEqual(template);
    }
  });

  it('puts If-Match, Idempotency-Key, ETag and the concurrency problems on commands', () => {
    const put = doc.paths['/admin/flags/{key}/environments/{env}']!['put']!;
    expect(put.parameters).toEqual(expect.arrayContaining([{ $ref: '#/components/parameters/IfMatchRequired' }, { $ref: '#/components/parameters/IdempotencyKey' }]));
    expect(Object.keys(put.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404', '412', '422', '428', '429', '503']));
    expect((put.responses['200'] as { headers: Record<string, unknown> }).headers['ETag']).toEqual({ $ref: '#/components/headers/ETag' });

    const create = doc.paths['/admin/flags']!['post']!;
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '409', '422']));
    expect(create.responses['412']).toBeUndefined(); // creation ignores If-Match
    expect((create.responses['201'] as { headers: Record<string, unknown> }).headers['Location']).toBeDefined();

    const toggle = doc.paths['/admin/flags/{key}/environments/{env}/toggle']!['post']!;
    expect(toggle.parameters).toContainEqual({ $ref: '#/components/parameters/IfMatch' });
    expect(toggle.responses['428']).toBeUndefined(); // If-Match is optional on the kill switch

    expect(Object.keys(doc.paths['/api/v1/events']!['post']!.responses)).toEqual(expect.arrayContaining(['202', '400', '401', '413', '415', '429', '503']));
    expect((doc.components.responses['Problem429'] as { headers: Record<string, unknown> }).headers['Retry-After']).toBeDefined();
  });

  it('derives error statuses from the shape of an operation', () => {
    const byId = (id: string) => OPERATIONS.find((op) => op.operationId === id)!;
    expect(errorStatuses(byId('listSegments'))).toEqual([401, 429, 503]);
    // A command may meet a state that refuses it (archived, not running, contention): 409.
    expect(errorStatuses(byId('changeFlag'))).toEqual([400, 401, 403, 404, 409, 412, 413, 415, 422, 428, 429, 503]);
    // A change without a body still has its body read (415), and any path parameter may be malformed (400).
    expect(errorStatuses(byId('startExperiment'))).toEqual(expect.arrayContaining([400, 409, 413, 415]));
    expect(errorStatuses(byId('getSegment'))).toContain(400);
    expect(errorStatuses(byId('explain'))).toContain(404);
    expect(errorStatuses(byId('health'))).toEqual([503]);
    // Wrong SDK keys are throttled per client address too.
    expect(errorStatuses(byId('evaluateFlag'))).toContain(429);
    expect(errorStatuses(byId('ofrepEvaluateFlag'))).toContain(429);
  });

  it('publishes the real query schemas as query parameters (the admin list of flags, the audit feed)', () => {
    const names = (op: OpenApiDocument['paths'][string][string]) => (op.parameters as { in?: string; name?: string }[]).filter((p) => p.in === 'query').map((p) => p.name);
    expect(names(doc.paths['/admin/flags']!['get']!)).toEqual(expect.arrayContaining(['q', 'tag', 'archived', 'limit', 'after']));
    expect(names(doc.paths['/admin/audit']!['get']!)).toEqual(expect.arrayContaining(['actor', 'entity', 'type', 'from', 'to', 'limit', 'before', 'format']));
  });
});

describe('request schemas round-trip between zod and the published JSON Schema', () => {
  const bodies = OPERATIONS.filter((op) => op.body !== undefined);

  it.each(bodies.map((op) => [op.operationId, op] as const))('%s: the example parses with zod and conforms to the published schema', (_id, op) => {
    const body = op.body!;
    const published = doc.components.schemas[body.name]!;
    const parsed = body.schema.safeParse(body.example);
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(checkJsonSchema(root, published, body.example)).toEqual([]);
  });

  it.each(bodies.map((op) => [op.operationId, op] as const))('%s: zod and the published schema agree on broken variants of the example', (_id, op) => {
    const body = op.body!;
    const published = doc.components.schemas[body.name]!;
    const example = body.example as Record<string, unknown>;
    const variants: unknown[] = [
      { ...example, notAField: 1 },
      [example],
      'text',
      ...Object.keys(example).map((k) => ({ ...example, [k]: { nested: [true] } })),
      ...Object.keys(example).map((k) => Object.fromEntries(Object.entries(example).filter(([name]) => name !== k))),
    ];
    for (const variant of variants) {
      const zodAccepts = body.schema.safeParse(variant).success;
      const schemaAccepts = checkJsonSchema(root, published, variant).length === 0;
      // Refinements across fields (exactly one of toVersion and toTime, ...) are zod's alone: the published
      // schema may accept more, never less.
      if (schemaAccepts !== zodAccepts) expect({ variant, zodAccepts, schemaAccepts }).toMatchObject({ zodAccepts: false, schemaAccepts: true });
    }
  });

  it.each(bodies.map((op) => [op.operationId, op] as const))('%s: a field zod requires is required by the published schema too', (_id, op) => {
    const body = op.body!;
    const published = doc.components.schemas[body.name]!;
    const example = body.example as Record<string, unknown>;
    for (const field of Object.keys(example)) {
      const without = Object.fromEntries(Object.entries(example).filter(([name]) => name !== field));
      const missing = (body.schema.safeParse(without).error?.issues ?? []).some((i) => i.path.length === 1 && i.path[0] === field && i.code === 'invalid_type');
      // Looser is tolerated elsewhere (refinements across fields are zod's alone), but not about a required field.
      if (missing) expect({ field, problems: checkJsonSchema(root, published, without) }).not.toMatchObject({ problems: [] });
    }
  });

  it('refuses, in both, an unknown field on a strict body and a key that breaks the pattern', () => {
    const create = OPERATIONS.find((op) => op.operationId === 'createFlag')!.body!;
    for (const bad of [{ key: 'Not A Key' }, { key: 'ok', colour: 'red' }]) {
      expect(create.schema.safeParse(bad).success).toBe(false);
      expect(checkJsonSchema(root, doc.components.schemas['CreateFlag']!, bad)).not.toEqual([]);
    }
    const events = OPERATIONS.find((op) => op.operationId === 'ingestEvents')!.body!;
    const badEvent = { events: [{ type: 'exposure', eventId: 'e-1', flagKey: 'f', variant: 'on', unitId: 'u', timestamp: 'yesterday' }] };
    expect(events.schema.safeParse(badEvent).success).toBe(false);
    expect(checkJsonSchema(root, doc.components.schemas['TrackedEvents']!, badEvent)).not.toEqual([]);
  });
});

describe('the problem and OFREP error schemas', () => {
  it('describe what the error mapping actually sends', () => {
    const errors = [
      new ValidationError('The request body is invalid', [issue(['key'], 'must match')]),
      new NotFoundError('Flag x not found'),
      new PreconditionFailedError('stale'),
      new ConflictError('Flag x exists already'),
      new Error('boom'),
    ];
    for (const error of errors) {
      const problem = toProblem(error, '/admin/flags/x');
      expect(problemSchema.safeParse(problem).error?.issues ?? []).toEqual([]);
      expect(checkJsonSchema(root, doc.components.schemas['Problem']!, problem)).toEqual([]);
    }
    const ofrep = { key: 'missing', errorCode: 'FLAG_NOT_FOUND', errorDetails: 'Flag missing not found' };
    expect(ofrepErrorSchema.safeParse(ofrep).success).toBe(true);
  });
});
