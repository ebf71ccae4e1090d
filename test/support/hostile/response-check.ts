import { checkJsonSchema } from '../json-schema-check.ts';
import type { HostileRequest } from './hostile-request.ts';
import type { WireResponse } from './send-hostile.ts';

type Schema = { [key: string]: unknown };

/** Breaks the contract: the fuzz test fails on it. */
export interface Violation {
  readonly kind: 'server error' | 'state changed on a 4xx' | 'not a problem' | 'not an OFREP error' | 'duplicate keys accepted' | 'stack trace leaked';
  readonly detail: string;
}

/** Worth a look but not (yet) a failure: collected into the report. */
export interface Observation {
  readonly kind: 'no field pointer on 400/422' | 'undocumented status' | 'prototype key accepted';
  readonly detail: string;
}

export interface Verdict {
  readonly violations: Violation[];
  readonly observations: Observation[];
}

/** Statuses whose cause is not a field of the request: a problem without `errors` is fine for them. */
const FIELDLESS = new Set([401, 403, 404, 405, 406, 408, 409, 412, 413, 415, 428, 429, 431]);

/**
 * Judges one answer to a hostile request: never a 5xx; every 4xx an RFC 9457 problem (OFREP: its own error body)
 * whose field errors carry JSON pointers; nothing appended to the event store on a 4xx.
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

  if (status >= 200 && status < 300 && request.body && takesBody) {
    if (request.body.label.startsWith('duplicate key')) violations.push({ kind: 'duplicate keys accepted', detail: `${status} ${snippet}` });
    if (request.body.label.startsWith('key "__proto__"')) observations.push({ kind: 'prototype key accepted', detail: `${request.body.label} → ${status}` });
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
      // A reused Idempotency-Key is about a header, not a field of the body.
      else if (!FIELDLESS.has(status) && errors.length === 0 && (body as Schema)['type'] !== 'urn:flagstaff:problem:idempotency-key-reused') observations.push({ kind: 'no field pointer on 400/422', detail: `${status} ${String((body as Schema)['detail'])}` });
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
