import { ok, operation } from '../http/operation.ts';
import { documentedEventsBody, MAX_EVENTS_PER_REQUEST } from './ingest.ts';
import { ofrepRequestBody } from './ofrep.ts';
import { batchBody } from './read-api.ts';
import { usageReportBody } from './usage-report.ts';

const environmentParameter = {
  name: 'environment', in: 'query', required: false, schema: { $ref: '#/components/schemas/Key' },
  description: "The key's environment (another one is refused with 403); may be left out",
};
const ifNoneMatch = { name: 'If-None-Match', in: 'header', required: false, description: 'The ETag last received: 304 while nothing changed', schema: { type: 'string' } };

/**
 * The read API's and OFREP's operations (SDK keys), for the OpenAPI document only: the read API's own node:http
 * router (src/read/read-api.ts) serves them, on the hot path, parsing what it reads by hand with the same schemas.
 */
export const readApiOperations = {
  evaluateFlag: operation({
    method: 'get', path: '/api/v1/flags/{key}', operationId: 'evaluateFlag', tag: 'evaluation', auth: { sdk: 'any' },
    summary: 'Evaluate one flag: every query parameter besides environment is a context attribute (targetingKey=user-7&country=US)',
    parameters: [
      environmentParameter,
      {
        name: 'context', in: 'query', required: false, style: 'form', explode: true,
        description: 'Context attributes, each its own query parameter: targetingKey=user-7&country=US',
        schema: { type: 'object', additionalProperties: { type: 'string' } },
      },
    ],
    success: ok('The evaluation result (404 with errorCode FLAG_NOT_FOUND for an unknown flag)'),
    errors: [400], // a context attribute named __proto__
  }),
  evaluateFlags: operation({
    method: 'post', path: '/api/v1/flags/batch', operationId: 'evaluateFlags', tag: 'evaluation', auth: { sdk: 'any' },
    summary: 'Evaluate several flags (all, without flagKeys) for one context',
    body: { name: 'BatchEvaluation', schema: batchBody, example: { environment: 'production', context: { targetingKey: 'user-7', country: 'US' }, flagKeys: ['new-checkout'] } },
    success: ok('{ flags: [result…], revision }'),
  }),
  snapshot: operation({
    method: 'get', path: '/api/v1/snapshot', operationId: 'snapshot', tag: 'evaluation', auth: { sdk: 'server' },
    summary: 'The compiled configuration for local evaluation (server keys); gzip when accepted',
    parameters: [environmentParameter, ifNoneMatch],
    success: ok('The snapshot, with its revision as ETag', { etag: true, notModified: true }),
  }),
  stream: operation({
    method: 'get', path: '/api/v1/stream', operationId: 'stream', tag: 'evaluation', auth: { sdk: 'any' },
    summary: 'Server-Sent Events: server keys get the snapshot then changes, client keys revisions; Last-Event-ID resumes',
    parameters: [
      environmentParameter,
      { name: 'Last-Event-ID', in: 'header', required: false, description: 'The last revision received: only the changes after it follow', schema: { type: 'string', pattern: '^\\d{1,15}$' } },
      { name: 'lastEventId', in: 'query', required: false, description: 'Last-Event-ID for clients that cannot set headers (browsers)', schema: { type: 'string', pattern: '^\\d{1,15}$' } },
    ],
    success: ok('An event stream: `id: <revision>`, `event: snapshot|change|revision`; when the key is revoked, a last `event: end` with `{"status":401,"reason":"revoked"}`, then the stream ends', { content: 'text/event-stream' }),
    errors: [429],
  }),
  ingestEvents: operation({
    method: 'post', path: '/api/v1/events', operationId: 'ingestEvents', tag: 'evaluation', auth: { sdk: 'any' },
    summary: `Exposures and metric events, up to ${MAX_EVENTS_PER_REQUEST.toLocaleString('en-US')} per request; 202 once the bus acknowledged them. All or nothing: a bad event is reported by index and none is accepted. Events are stored under the key's environment (one naming another is refused with 403) and may be dated at most FLAGSTAFF_EVENTS_MAX_FUTURE_SKEW_MS (default 1 hour) ahead of the server's clock.`,
    body: {
      name: 'TrackedEvents',
      schema: documentedEventsBody,
      example: {
        events: [
          { type: 'exposure', eventId: 'e-1', flagKey: 'new-checkout', experimentKey: 'checkout-test', variant: 'on', unitId: 'user-7', revision: 42, timestamp: '2025-01-31T12:00:00Z' },
          { type: 'metric', eventId: 'e-2', name: 'purchase', unitId: 'user-7', value: 49.9, timestamp: '2025-01-31T12:03:00Z' },
        ],
      },
    },
    success: { status: 202, description: '{ accepted: n }' },
    errors: [429, 503],
  }),
  reportUsage: operation({
    method: 'post', path: '/api/v1/usage', operationId: 'reportUsage', tag: 'evaluation', auth: { sdk: 'server' },
    summary:
      "An SDK's local evaluations over a period, counted per flag and variant (as Unleash's client metrics bucket), so the stale-flags report (GET /admin/flags?stale=true) sees flags evaluated only in SDKs. Server keys only; 202 with { accepted, ignored }: flags or variants the key's environment does not define are ignored, not counted. A bad report is refused whole (400 naming the field) and counts nothing.",
    body: { name: 'UsageReport', schema: usageReportBody, example: { start: '2025-01-31T12:00:00Z', stop: '2025-01-31T12:01:00Z', flags: { 'new-checkout': { on: 120, off: 380 } } } },
    success: { status: 202, description: '{ accepted: evaluations counted, ignored: ["flag" or "flag/variant", …] }' },
    errors: [429],
  }),
  ofrepConfiguration: operation({
    method: 'get', path: '/ofrep/v1/configuration', operationId: 'ofrepConfiguration', tag: 'ofrep', auth: { sdk: 'any' },
    summary: "OFREP provider configuration: capabilities and polling interval", success: ok('The configuration'),
  }),
  ofrepEvaluateFlag: operation({
    method: 'post', path: '/ofrep/v1/evaluate/flags/{key}', operationId: 'ofrepEvaluateFlag', tag: 'ofrep', auth: { sdk: 'any' },
    summary: 'OFREP single-flag evaluation; errors are OFREP bodies ({ key, errorCode, errorDetails }), not problems',
    body: { name: 'OfrepRequest', schema: ofrepRequestBody, example: { context: { targetingKey: 'user-7', country: 'US' } } },
    success: ok('The evaluation'),
  }),
  ofrepEvaluateFlags: operation({
    method: 'post', path: '/ofrep/v1/evaluate/flags', operationId: 'ofrepEvaluateFlags', tag: 'ofrep', auth: { sdk: 'any' },
    summary: 'OFREP bulk evaluation, with the revision as ETag (304 until something changes)',
    parameters: [ifNoneMatch],
    body: { name: 'OfrepRequest', schema: ofrepRequestBody, example: { context: { targetingKey: 'user-7' } } },
    success: ok('{ flags: [evaluation…] }', { etag: true, notModified: true }),
  }),
};
