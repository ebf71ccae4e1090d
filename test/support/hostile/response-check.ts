import { checkJsonSchema } from '../json-schema-check.ts';
import type { HostileRequest } from './hostile-request.ts';
import type { WireResponse } from './send-hostile.ts';

type Schema = { [key: string]: unknown };

/** Breaks the contract: the fuzz test fails on it. */
export interface Violation {
  readonly kind:
    | 'server error'
    | 'state changed on a 4xx'
    | 'not a problem'
    | 'not an OFREP error'
    | 'no field pointer on 400/422'
    | 'duplicate keys accepted'
    | 'prototype key accepted'
    | 'stack trace leaked';
  readonly detail: string;
}

/** Worth a look but not (yet) a failure: collected into the report. */
export interface Observation {
  readonly kind: 'undocumented status';
  readonly detail: string;
}

export interface Verdict {
  readonly violations: Violation[];
  readonly observations: Observation[];
}

/**
 * What "a pointer where a field is at fault" means here. A 400 or a 422 refuses what the request says, so its
 * problem names what is at fault in `errors`, each with a JSON pointer: a member of the body or a query parameter
 * by its own (`#/rules/0/id`, `#/at`); the body as a whole, a header (If-Match, Idempotency-Key) or the path by
 * `#`, its detail saying which. The judge cannot tell from outside whether a fieldless 400 was about the body,
 * so none may be fieldless. Other statuses are not about a field (authentication, a missing resource, a stale
 * version, a media type, a size, a rate): `errors` is optional for them. The one 400 exempt is node's own
 * refusal of a request it could not parse as HTTP, before any body or query was read.
 */
const NOT_ABOUT_A_FIELD = 'urn:flagstaff:problem:unparsable-request';

/** A JSON body sent with a member named `__proto__` (written plainly or with escapes), at any depth. */
export function hasPrototypeMember(request: HostileRequest): boolean {
  if (!request.body || !/^application\/([\w.+-]+\+)?json\b/i.test(request.headers['content-type'] ?? '')) return false;
  const { body } = request.body;
  const text = body.kind === 'json' ? JSON.stringify(body.value) : body.kind === 'text' ? body.text : undefined;
  if (text === undefined) return false;
  let found = false;
  try {
    // JSON.parse hands a reviver every member name decoded, `\u005f_proto__` as `__proto__`.
    JSON.parse(text, (key, value: unknown) => {
      if (key === '__proto__') found = true;
      return value;
    });
  } catch {
    return false; // not JSON: refused before any member is read
  }
  return found;
}

/**
 * A query parameter named `__proto__` sent to an operation that reads its query as free-form attributes (the
 * evaluation context of GET /api/v1/flags/{key}): assigned to an object, such a name vanishes.
 */
export function hasPrototypeQueryParameter(document: Schema, request: HostileRequest): boolean {
  const parameters = ((request.operation.spec['parameters'] as Schema[] | undefined) ?? []).map((p) => resolve(document, p));
  const freeForm = parameters.some((p) => p['in'] === 'query' && (p['schema'] as Schema | undefined)?.['type'] === 'object');
  const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
  return freeForm && [...new URLSearchParams(query).keys()].includes('__proto__');
}

function resolve(document: Schema, value: Schema): Schema {
  if (typeof value['$ref'] !== 'string') return value;
  return value['$ref'].split('/').slice(1).reduce<Schema>((node, part) => (node[part] ?? {}) as Schema, document);
}

/**
 * Judges one answer to a hostile request: never a 5xx; every 4xx an RFC 9457 problem (OFREP: its own error body)
 * whose 400s and 422s name what is at fault with JSON pointers; nothing appended to the event store on a 4xx; no
 * body with a duplicate member or a `__proto__` member accepted (the JSON body parser refuses both), nor a context
 * attribute `__proto__` in a query.
 */
export function judge(document: Schema, request: HostileRequest, response: WireResponse, head: { before: number; after: number }): Verdict {
  const violations: Violation[] = [];
  const observations: Observation[] = [];
  const { status } = response;
  const type = String(response.headers['content-type'] ?? '');
  const snippet = response.text.slice(0, 300);

  if (status >= 500) violations.push({ kind: 'server error', detail: `${status} ${type} ${snippet}` });
  if (/\n\s+at .+:\d+:\d+/.test(response.text)) violations.push({ kind: 'stack trace leaked', detail: snippet });

  const sameOperation = request.method === request.operation.method;
  const responses = (request.operation.spec['responses'] ?? {}) as Record<string, unknown>;
  // A body the operation does not take may well be refused (415, 400): that is not what its document is about.
  const takesBody = request.operation.spec['requestBody'] !== undefined;
  const strayBody = request.body !== undefined && !takesBody;
  // 431 comes from node's HTTP parser before the app (judged below); 5xx are failures of their own.
  if (sameOperation && !strayBody && status >= 400 && status < 500 && status !== 431 && !(String(status) in responses)) observations.push({ kind: 'undocumented status', detail: `${status} ${snippet}` });

  if (status >= 200 && status < 300 && sameOperation && hasPrototypeQueryParameter(document, request)) violations.push({ kind: 'prototype key accepted', detail: `query ${request.url.slice(0, 200)} → ${status}` });
  if (status >= 200 && status < 300 && request.body && takesBody) {
    if (request.body.label.startsWith('duplicate key')) violations.push({ kind: 'duplicate keys accepted', detail: `${status} ${snippet}` });
    if (hasPrototypeMember(request)) violations.push({ kind: 'prototype key accepted', detail: `${request.body.label} → ${status} ${snippet}` });
  }

  if (status >= 400 && status < 500) {
    if (head.after !== head.before) violations.push({ kind: 'state changed on a 4xx', detail: `the event store's head moved from ${head.before} to ${head.after}; ${status} ${snippet}` });
    const body = parse(response.text);
    const ofrep = sameOperation && request.operation.template.startsWith('/ofrep/') && (status === 400 || status === 404);
    // GET /api/v1/flags/{key} answers an unknown flag with its evaluation result (errorCode FLAG_NOT_FOUND), as SDKs
    // expect; GET /api/v1/flags/batch is such a flag too.
    const notFoundEvaluation = request.method === 'GET' && request.url.startsWith('/api/v1/flags/') && status === 404 && isObject(body) && body['errorCode'] === 'FLAG_NOT_FOUND';
    if (ofrep) {
      const problems = type.startsWith('application/json') ? checkJsonSchema(document, ref('OfrepError'), body) : [`content-type ${type}`];
      if (problems.length > 0) violations.push({ kind: 'not an OFREP error', detail: `${status} ${problems.join('; ')}: ${snippet}` });
    } else if (!notFoundEvaluation && request.method !== 'HEAD') {
      const problems = type.startsWith('application/problem+json') ? checkJsonSchema(document, ref('Problem'), body) : [`content-type ${type || 'none'}`];
      if (isObject(body) && body['status'] !== status) problems.push(`its status ${String(body['status'])} is not the answer's ${status}`);
      const errors = isObject(body) && Array.isArray(body['errors']) ? (body['errors'] as unknown[]) : [];
      for (const e of errors) if (!isObject(e) || typeof e['pointer'] !== 'string' || !e['pointer'].startsWith('#')) problems.push(`field error without a #pointer: ${JSON.stringify(e)}`);
      if (problems.length > 0) violations.push({ kind: 'not a problem', detail: `${status} ${problems.join('; ')}: ${snippet}` });
      else if ((status === 400 || status === 422) && errors.length === 0 && (body as Schema)['type'] !== NOT_ABOUT_A_FIELD) {
        violations.push({ kind: 'no field pointer on 400/422', detail: `${status} ${String((body as Schema)['type'])}: ${String((body as Schema)['detail'])}` });
      }
    }
  }
  return { violations, observations };
}

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Schema {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
