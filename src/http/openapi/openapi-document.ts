import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { keySchema } from '../../shared/keys.ts';
import type { OperationSpec } from '../operation.ts';

export type JsonSchema = { [key: string]: unknown };

export interface OpenApiDocument {
  openapi: '3.1.0';
  jsonSchemaDialect: string;
  info: { title: string; version: string; description: string };
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, unknown>;
    parameters: Record<string, unknown>;
    headers: Record<string, unknown>;
    securitySchemes: Record<string, unknown>;
  };
}

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  tags: string[];
  security: Record<string, string[]>[];
  parameters: JsonSchema[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema; example?: unknown }> };
  responses: Record<string, unknown>;
  [extension: `x-${string}`]: unknown;
}

/** What every problem answer looks like (src/http/problem.ts builds them; a test parses real ones with this). */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string(),
  instance: z.string().optional(),
  errors: z.array(z.strictObject({ pointer: z.string(), detail: z.string() })).optional(),
});

/** OFREP answers its errors in its own shape, as OpenFeature's providers expect (src/read/ofrep.ts). */
export const ofrepErrorSchema = z.object({ key: z.string().optional(), errorCode: z.string(), errorDetails: z.string().optional() });

const PROBLEM_TITLES: Record<number, string> = {
  400: 'The request is malformed or invalid: every bad field is listed with a JSON pointer',
  401: 'No valid token was sent',
  403: 'The token may not do this',
  404: 'Nothing found by that name',
  409: 'It exists already, or its current state does not allow this (archived, not running, too much contention)',
  412: 'If-Match names an older version: read the resource again and retry',
  413: 'The body is larger than the limit',
  415: 'The body is not application/json',
  422: 'The request breaks a domain rule (or reuses an Idempotency-Key for a different request)',
  428: 'This update needs If-Match with the ETag last read',
  429: 'Over the rate limit or the connection bound: retry after Retry-After seconds',
  500: 'An unexpected error',
  503: 'A dependency (event store, bus) is unavailable, or the request timed out; retry',
};

const version = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** What the document describes: every operation served, and the groups (tags) they fall in, in display order. */
export interface ApiDescription {
  readonly operations: readonly OperationSpec[];
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The OpenAPI 3.1 document, built from the operations' declarations and the zod schemas they carry: request
 * bodies become named components (JSON Schema 2020-12, OpenAPI 3.1's own dialect), query schemas become
 * parameters. It depends on nothing but code.
 */
export function buildOpenApiDocument({ operations, tags }: ApiDescription): OpenApiDocument {
  const named = new Map<string, z.ZodType>([
    ['Key', keySchema],
    ['Problem', problemSchema],
    ['OfrepError', ofrepErrorSchema],
  ]);
  for (const op of operations) {
    if (!(op.tag in tags)) throw new Error(`${op.operationId} is tagged ${op.tag}, which is not a listed tag`);
    if (!op.body) continue;
    const known = named.get(op.body.name);
    if (known !== undefined && known !== op.body.schema) throw new Error(`Two different schemas are named ${op.body.name}`);
    named.set(op.body.name, op.body.schema);
  }

  const paths: OpenApiDocument['paths'] = {};
  for (const op of operations) {
    const item = (paths[op.path] ??= {});
    if (item[op.method]) throw new Error(`${op.method.toUpperCase()} ${op.path} is listed twice`);
    item[op.method] = operation(op);
  }

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Flagstaff',
      version,
      description:
        'Event-sourced feature flags and experiments. The admin API takes an admin token (`Authorization: Bearer <token>`, roles viewer < editor < admin); ' +
        'the read API and OFREP take an SDK key of one environment. Errors are RFC 9457 `application/problem+json`. ' +
        'Commands take `Idempotency-Key`; updates take `If-Match` with the weak ETag (`W/"7"`) last read.',
    },
    tags: Object.entries(tags).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: componentSchemas(named),
      responses: Object.fromEntries(Object.entries(PROBLEM_TITLES).map(([status, description]) => [`Problem${status}`, problemResponse(Number(status), description)])),
      parameters: {
        IfMatch: { name: 'If-Match', in: 'header', required: false, description: 'The ETag last read (`W/"7"`), or `*`: the command fails with 412 if the resource changed since', schema: { type: 'string' } },
        IfMatchRequired: { name: 'If-Match', in: 'header', required: true, description: 'The ETag last read (`W/"7"`), or `*`; without it 428, when it is stale 412', schema: { type: 'string' } },
        IdempotencyKey: {
          name: 'Idempotency-Key', in: 'header', required: false,
          description: 'Retrying with the same key replays the first outcome (`Idempotent-Replayed: true`) instead of acting twice',
          schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
        },
        RequestId: { name: 'X-Request-Id', in: 'header', required: false, description: 'Correlates logs and the events a command appends; generated when absent', schema: { type: 'string', pattern: '^[\\w.:-]{1,128}$' } },
      },
      headers: {
        ETag: { description: 'The version of the resource, weak: `W/"7"`', schema: { type: 'string' } },
        Location: { description: 'Where the new resource is', schema: { type: 'string' } },
        IdempotentReplayed: { description: '`true` when an earlier request with the same Idempotency-Key did the work', schema: { type: 'string', enum: ['true'] } },
        RequestId: { description: 'The request id (the caller’s, or a new one)', schema: { type: 'string' } },
        RetryAfter: { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } },
      },
      securitySchemes: {
        adminToken: { type: 'http', scheme: 'bearer', description: 'An admin token (bootstrap token from FLAGSTAFF_ADMIN_TOKEN, or issued by POST /admin/tokens)' },
        sdkKey: { type: 'http', scheme: 'bearer', description: 'An SDK key of one environment (POST /admin/api-keys): server keys may read the snapshot, client keys only evaluate' },
      },
    },
  };
}

function operation(op: OperationSpec): OpenApiOperation {
  const admin = typeof op.auth === 'object' && 'admin' in op.auth ? op.auth.admin : undefined;
  const parameters: JsonSchema[] = pathParameters(op.path);
  if (op.query) parameters.push(...queryParameters(op.query, op.operationId));
  parameters.push(...(op.parameters ?? []));
  if (op.command) {
    if (op.command.ifMatch !== 'ignored') parameters.push(ref('parameters', op.command.ifMatch === 'required' ? 'IfMatchRequired' : 'IfMatch'));
    parameters.push(ref('parameters', 'IdempotencyKey'));
  }
  if (op.path.startsWith('/admin/')) parameters.push(ref('parameters', 'RequestId'));

  const result: OpenApiOperation = {
    operationId: op.operationId,
    summary: op.summary,
    tags: [op.tag],
    security: op.auth === 'public' ? [] : [{ [admin !== undefined ? 'adminToken' : 'sdkKey']: [] }],
    parameters,
    responses: { [String(op.success.status)]: successResponse(op), ...errorResponses(op) },
  };
  const description = [op.description, admin !== undefined && admin !== 'viewer' ? `Needs the ${admin} role.` : undefined].filter(Boolean).join(' ');
  if (description) Object.assign(result, { description });
  if (admin !== undefined) result['x-flagstaff-role'] = admin;
  if (op.body) {
    result.requestBody = {
      required: op.body.required ?? true,
      content: { 'application/json': { schema: ref('schemas', op.body.name), example: op.body.example } },
    };
  }
  return result;
}

function successResponse(op: OperationSpec): JsonSchema {
  const { success } = op;
  const headers: JsonSchema = {};
  if (op.path.startsWith('/admin/')) headers['X-Request-Id'] = ref('headers', 'RequestId');
  if (success.etag) headers['ETag'] = ref('headers', 'ETag');
  if (op.command?.creates || success.status === 201) headers['Location'] = ref('headers', 'Location');
  if (op.command) headers['Idempotent-Replayed'] = ref('headers', 'IdempotentReplayed');
  const content = success.content ?? 'json';
  const schema = success.schema !== undefined ? ref('schemas', success.schema) : { type: 'object' };
  const body =
    content === 'none'
      ? {}
      : { content: { [content === 'json' ? 'application/json' : content]: { schema: content === 'json' ? schema : { type: 'string' } } } };
  return { description: success.description, ...(Object.keys(headers).length > 0 ? { headers } : {}), ...body };
}

/**
 * The errors an operation can answer, mostly from its shape: who may call it, whether it has a body, a query,
 * path parameters, whether it is a command and how it treats If-Match; plus what the spec lists explicitly.
 */
export function errorStatuses(op: OperationSpec): number[] {
  const statuses = new Set(op.errors ?? []);
  const admin = typeof op.auth === 'object' && 'admin' in op.auth ? op.auth.admin : undefined;
  if (op.auth !== 'public') {
    statuses.add(401);
    statuses.add(429); // failed authentications are throttled per client address; the admin API also per token
  }
  if (admin !== undefined) {
    statuses.add(503); // the event store is down, or the request timed out
    if (admin !== 'viewer') statuses.add(403);
  } else if (op.auth !== 'public') {
    statuses.add(403); // a key of another environment, or a client key where a server key is needed
    statuses.add(404); // the key's environment has no configuration yet
    statuses.add(503); // the request timed out
  }
  if (op.body) [400, 413, 415].forEach((s) => statuses.add(s));
  if (op.query) statuses.add(400);
  if (op.path.includes('{')) statuses.add(404);
  // The admin API reads any body sent with a change (and a path parameter that is not valid percent-encoding is a 400).
  if (admin !== undefined && op.method !== 'get') [413, 415].forEach((s) => statuses.add(s));
  if (admin !== undefined && op.path.includes('{')) statuses.add(400);
  if (op.command) {
    statuses.add(400); // a malformed If-Match or Idempotency-Key
    statuses.add(422);
    statuses.add(409); // it exists already, or its state refuses the command (archived, not running, contention)
    if (op.command.ifMatch !== 'ignored') statuses.add(412);
    if (op.command.ifMatch === 'required') statuses.add(428);
  }
  return [...statuses].sort((a, b) => a - b);
}

function errorResponses(op: OperationSpec): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const status of errorStatuses(op)) {
    // OFREP reports invalid contexts and unknown flags in its own shape; authentication is still a problem.
    if (op.tag === 'ofrep' && (status === 400 || status === 404)) {
      responses[String(status)] = { description: PROBLEM_TITLES[status], content: { 'application/json': { schema: ref('schemas', 'OfrepError') } } };
    } else {
      responses[String(status)] = ref('responses', `Problem${status}`);
    }
  }
  if (op.success.notModified) responses['304'] = { description: 'Not modified since the ETag sent in If-None-Match', headers: { ETag: ref('headers', 'ETag') } };
  return responses;
}

function problemResponse(status: number, description: string): JsonSchema {
  const headers: JsonSchema = {};
  if (status === 401) headers['WWW-Authenticate'] = { description: '`Bearer`', schema: { type: 'string' } };
  if (status === 429) headers['Retry-After'] = ref('headers', 'RetryAfter');
  return { description, ...(Object.keys(headers).length > 0 ? { headers } : {}), content: { 'application/problem+json': { schema: ref('schemas', 'Problem') } } };
}

function pathParameters(path: string): JsonSchema[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    // Keys of flags, segments, environments, experiments and metrics follow one pattern; ids of keys and tokens do not.
    schema: name === 'id' ? { type: 'string' } : ref('schemas', 'Key'),
  }));
}

const toJsonSchema = (schema: z.ZodType): JsonSchema =>
  z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as JsonSchema;

/** A query schema's properties as query parameters (refinements across fields stay server-side: 400 names them). */
function queryParameters(schema: z.ZodType, operationId: string): JsonSchema[] {
  const json = toJsonSchema(schema);
  if (json['type'] !== 'object') throw new Error(`${operationId}: a query schema must be an object`);
  const required = new Set((json['required'] as string[] | undefined) ?? []);
  return Object.entries((json['properties'] as Record<string, JsonSchema> | undefined) ?? {}).map(([name, property]) => {
    if (JSON.stringify(property).includes('"$ref"')) throw new Error(`${operationId}: query parameter ${name} is not a flat schema`);
    const { description, ...rest } = property;
    return { name, in: 'query', required: required.has(name), schema: rest, ...(typeof description === 'string' ? { description } : {}) };
  });
}

/**
 * The named schemas as components. zod puts what recursive schemas share (z.json(), one per call) under a
 * `__shared` entry's $defs; each distinct one becomes a component of its own, identical ones one component.
 */
function componentSchemas(named: Map<string, z.ZodType>): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of named) registry.add(schema, { id });
  const uri = (id: string): string => `#/components/schemas/${id}`;
  const { schemas } = z.toJSONSchema(registry, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any', uri }) as { schemas: Record<string, JsonSchema> };

  const sharedDefs = ((schemas['__shared'] as JsonSchema | undefined)?.['$defs'] ?? {}) as Record<string, JsonSchema>;
  delete schemas['__shared'];
  const renamed = new Map<string, string>();
  const byShape = new Map<string, string>();
  const components: Record<string, JsonSchema> = {};
  for (const [defName, def] of Object.entries(sharedDefs)) {
    const shape = JSON.stringify(def).replaceAll(`${uri('__shared')}#/$defs/${defName}"`, 'SELF"');
    let name = byShape.get(shape);
    if (name === undefined) {
      name = isJsonValue(def) && !('JsonValue' in components) ? 'JsonValue' : `Shared${byShape.size + 1}`;
      byShape.set(shape, name);
      components[name] = def;
    }
    renamed.set(`${uri('__shared')}#/$defs/${defName}`, uri(name));
  }
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _dialect, $id: _id, ...rest } = schema;
    components[id] = rest;
  }
  return rewriteRefs(components, renamed) as Record<string, JsonSchema>;
}

/** z.json(): any of string, number, boolean, null, an array of itself, a record of itself. */
function isJsonValue(def: JsonSchema): boolean {
  const branches = def['anyOf'];
  return Array.isArray(branches) && branches.length === 6 && branches.some((b) => (b as JsonSchema)['type'] === 'null');
}

function rewriteRefs(value: unknown, renamed: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v, renamed));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? (renamed.get(v) ?? v) : rewriteRefs(v, renamed)]),
  );
}

function ref(section: keyof OpenApiDocument['components'], name: string): { $ref: string } {
  return { $ref: `#/components/${section}/${name}` };
}
