import type { z } from 'zod';
import { resultsQuery } from '../../analytics/results-routes.ts';
import { compareBody, powerBody } from '../../analytics/stats/stats-schemas.ts';
import {
  changeExperimentBody,
  changeMetricBody,
  concludeExperimentBody,
  createExperimentBody,
  defineMetricBody,
  restartExperimentBody,
} from '../../experiments/experiment-schemas.ts';
import { eventsEnvelope, MAX_EVENTS_PER_REQUEST } from '../../read/ingest.ts';
import { ofrepRequestBody } from '../../read/ofrep.ts';
import { batchBody } from '../../read/read-api.ts';
import { explainBody, snapshotQuery } from '../../read/time-travel/time-travel-routes.ts';
import { trackedEventSchema } from '../../shared/tracked-events.ts';
import { issueAdminTokenBody, issueApiKeyBody } from '../../write/access/access-routes.ts';
import { auditQuery } from '../../write/audit/audit-routes.ts';
import { rollbackBody as environmentRollbackBody } from '../../write/environments/environment-rollback-routes.ts';
import { changeEnvironmentBody, createEnvironmentBody } from '../../write/environments/environment-routes.ts';
import { diffQuery, flagAsOfQuery, rollbackBody as flagRollbackBody } from '../../write/flags/flag-history-routes.ts';
import { changeFlagBody, createFlagBody, listFlagsQuery, targetingBody, toggleBody } from '../../write/flags/flag-schemas.ts';
import { changeSegmentBody, createSegmentBody } from '../../write/segments/segment-routes.ts';

/**
 * Every HTTP operation Flagstaff serves, described once. The request schemas are the very zod schemas the
 * handlers validate with (imported, never copied), so the OpenAPI document cannot drift from validation;
 * test/http/openapi.int.test.ts fails when a route is served but missing here, or listed here but not served.
 */
export interface OperationSpec {
  readonly method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI path template: `/admin/flags/{key}`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: Tag;
  /** Who may call it: any admin token of at least this role, an SDK key, or anyone. */
  readonly auth: { readonly admin: 'viewer' | 'editor' | 'admin' } | { readonly sdk: 'any' | 'server' } | 'public';
  /** The JSON body, validated by `schema`; `name` is its component name; `example` must parse (tested). */
  readonly body?: { readonly name: string; readonly schema: z.ZodType; readonly example: unknown; readonly required?: boolean };
  /** Query parameters: the properties of this object schema. */
  readonly query?: z.ZodType;
  /** Parameters no zod schema describes (the read API parses its query by hand, on the hot path). */
  readonly parameters?: readonly Readonly<Record<string, unknown>>[];
  /** A command that appends events: Idempotency-Key, and how it treats If-Match. */
  readonly command?: { readonly ifMatch: 'required' | 'optional' | 'ignored'; readonly creates?: boolean };
  /** The success response. */
  readonly success: Success;
  /** Error statuses this operation can answer besides the ones its shape implies (see openapi-document.ts). */
  readonly errors?: readonly number[];
}

export interface Success {
  readonly status: number;
  readonly description: string;
  /** Defaults to application/json with an object body. */
  readonly content?: 'json' | 'text/html' | 'text/plain' | 'text/event-stream' | 'none';
  /** A component name of a schema the response body follows (Targeting, Problem, ...). */
  readonly schema?: string;
  /** The response carries the resource's ETag (its stream version). */
  readonly etag?: boolean;
  /** Also answers 304 Not Modified to a matching If-None-Match. */
  readonly notModified?: boolean;
}

export const TAGS = {
  flags: 'Feature flags, their targeting per environment, history and rollback',
  segments: 'Reusable audiences',
  environments: 'Environments, their snapshots and rollbacks',
  experiments: 'Experiments, metrics and results',
  stats: 'The stats engine on supplied statistics',
  access: 'Admin tokens and SDK keys',
  audit: 'The global change feed',
  operations: 'Health, read-model administration, this document',
  evaluation: 'Evaluation for applications and SDKs (SDK keys)',
  ofrep: 'OpenFeature Remote Evaluation Protocol (SDK keys)',
} as const;
export type Tag = keyof typeof TAGS;

const ok = (description: string, extra: Partial<Success> = {}): Success => ({ status: 200, description, ...extra });
const resource = (what: string): Success => ok(`The ${what}, with its version as ETag`, { etag: true });
const created = (what: string): Success => ({ status: 201, description: `The new ${what}, with Location and ETag`, etag: true });

const environmentParameter = {
  name: 'environment', in: 'query', required: false, schema: { $ref: '#/components/schemas/Key' },
  description: "The key's environment (another one is refused with 403); may be left out",
};
const ifNoneMatch = { name: 'If-None-Match', in: 'header', required: false, description: 'The ETag last received: 304 while nothing changed', schema: { type: 'string' } };

const targetingExample = {
  enabled: true,
  offVariant: 'off',
  bucketBy: 'targetingKey',
  targets: [{ variant: 'on', units: ['user-1', 'user-2'] }],
  rules: [
    {
      id: 'us-premium',
      conditions: [
        { attribute: 'country', operator: 'in', values: ['US', 'CA'] },
        { attribute: 'plan', operator: 'eq', values: ['premium'] },
      ],
      serve: { variant: 'on' },
    },
  ],
  defaultServe: { split: [{ variant: 'on', weight: 25_000 }, { variant: 'off', weight: 75_000 }] },
};
const experimentDesign = {
  flagKey: 'new-checkout',
  environment: 'production',
  hypothesis: 'The new checkout raises purchases by 2%',
  controlVariant: 'off',
  variants: [{ variant: 'off', weight: 50_000 }, { variant: 'on', weight: 50_000 }],
  trafficPercent: 100,
  primaryMetric: 'purchase',
  secondaryMetrics: ['revenue'],
  guardrailMetrics: [],
  method: 'frequentist',
  alpha: 0.05,
  cuped: true,
};

/**
 * `POST /api/v1/events` validates the envelope first, then each event with the tracked-event schema (so a bad
 * event is reported by index); documented as the envelope whose items are that schema.
 */
const documentedEventsBody = eventsEnvelope.extend({ events: trackedEventSchema.array().min(1).max(MAX_EVENTS_PER_REQUEST) });

export const OPERATIONS: readonly OperationSpec[] = [
  // ── Flags ──────────────────────────────────────────────────────────────────────────────────────────────
  {
    method: 'get', path: '/admin/flags', operationId: 'listFlags', tag: 'flags', auth: { admin: 'viewer' },
    summary: 'List flags, filtered and paged by key (nextCursor)', query: listFlagsQuery, success: ok('A page of flags'),
  },
  {
    method: 'post', path: '/admin/flags', operationId: 'createFlag', tag: 'flags', auth: { admin: 'editor' },
    summary: 'Create a flag (a boolean flag gets variants on/off when none are given)',
    body: { name: 'CreateFlag', schema: createFlagBody, example: { key: 'new-checkout', type: 'boolean', description: 'New checkout flow', tags: ['checkout'] } },
    command: { ifMatch: 'ignored', creates: true }, success: created('flag'),
  },
  {
    method: 'get', path: '/admin/flags/{key}', operationId: 'getFlag', tag: 'flags', auth: { admin: 'viewer' },
    summary: 'A flag; with ?version=N or ?at=<time> the flag as it was then (historical, no ETag)',
    query: flagAsOfQuery, success: resource('flag'),
  },
  {
    method: 'put', path: '/admin/flags/{key}', operationId: 'changeFlag', tag: 'flags', auth: { admin: 'editor' },
    summary: "Change a flag's description, tags or variants (fields left out keep their value)",
    body: { name: 'ChangeFlag', schema: changeFlagBody, example: { description: 'New checkout flow, second try', tags: ['checkout', 'q3'] } },
    command: { ifMatch: 'required' }, success: resource('changed flag'),
  },
  {
    method: 'delete', path: '/admin/flags/{key}', operationId: 'archiveFlag', tag: 'flags', auth: { admin: 'editor' },
    summary: 'Archive a flag (its history stays)', command: { ifMatch: 'optional' }, success: resource('archived flag'),
  },
  {
    method: 'post', path: '/admin/flags/{key}/restore', operationId: 'restoreFlag', tag: 'flags', auth: { admin: 'editor' },
    summary: 'Restore an archived flag', command: { ifMatch: 'optional' }, success: resource('restored flag'),
  },
  {
    method: 'get', path: '/admin/flags/{key}/environments/{env}', operationId: 'getTargeting', tag: 'flags', auth: { admin: 'viewer' },
    summary: "A flag's targeting in one environment", success: ok("The targeting, with the flag's version as ETag", { etag: true, schema: 'Targeting' }),
  },
  {
    method: 'put', path: '/admin/flags/{key}/environments/{env}', operationId: 'changeTargeting', tag: 'flags', auth: { admin: 'editor' },
    summary: "Replace a flag's targeting in one environment: enabled, rules, default serve, individual targets",
    body: { name: 'Targeting', schema: targetingBody, example: targetingExample },
    command: { ifMatch: 'required' }, success: resource('changed flag'),
  },
  {
    method: 'post', path: '/admin/flags/{key}/environments/{env}/toggle', operationId: 'toggleFlag', tag: 'flags', auth: { admin: 'editor' },
    summary: 'Turn a flag on or off in one environment (the kill switch)',
    body: { name: 'Toggle', schema: toggleBody, example: { enabled: false } },
    command: { ifMatch: 'optional' }, success: resource('toggled flag'),
  },
  {
    method: 'get', path: '/admin/flags/{key}/history', operationId: 'flagHistory', tag: 'flags', auth: { admin: 'viewer' },
    summary: "Every event of a flag: version, type, actor, reason, time, the change", success: ok('The history, oldest first'),
  },
  {
    method: 'get', path: '/admin/flags/{key}/diff', operationId: 'diffFlag', tag: 'flags', auth: { admin: 'viewer' },
    summary: 'The structural difference between two versions of a flag (to defaults to the latest)', query: diffQuery, success: ok('The changes from one version to the other'),
  },
  {
    method: 'post', path: '/admin/flags/{key}/rollback', operationId: 'rollbackFlag', tag: 'flags', auth: { admin: 'editor' },
    summary: 'Roll a flag back to an earlier version or time; appends an event (history is never rewritten). A reason is required.',
    body: { name: 'FlagRollback', schema: flagRollbackBody, example: { toVersion: 3 } },
    command: { ifMatch: 'required' }, success: resource('flag after the rollback, with rolledBackTo'),
  },
  // ── Segments ───────────────────────────────────────────────────────────────────────────────────────────
  { method: 'get', path: '/admin/segments', operationId: 'listSegments', tag: 'segments', auth: { admin: 'viewer' }, summary: 'List segments', success: ok('Every segment') },
  {
    method: 'post', path: '/admin/segments', operationId: 'createSegment', tag: 'segments', auth: { admin: 'editor' }, summary: 'Create a segment',
    body: { name: 'CreateSegment', schema: createSegmentBody, example: { key: 'beta-testers', description: 'Opted in', conditions: [{ attribute: 'plan', operator: 'eq', values: ['beta'] }], included: ['user-1'] } },
    command: { ifMatch: 'ignored', creates: true }, success: created('segment'),
  },
  { method: 'get', path: '/admin/segments/{key}', operationId: 'getSegment', tag: 'segments', auth: { admin: 'viewer' }, summary: 'A segment', success: resource('segment') },
  {
    method: 'put', path: '/admin/segments/{key}', operationId: 'changeSegment', tag: 'segments', auth: { admin: 'editor' },
    summary: "Replace a segment's definition (what is left out is emptied)",
    body: { name: 'ChangeSegment', schema: changeSegmentBody, example: { conditions: [{ attribute: 'plan', operator: 'in', values: ['beta', 'staff'] }] } },
    command: { ifMatch: 'required' }, success: resource('changed segment'),
  },
  {
    method: 'delete', path: '/admin/segments/{key}', operationId: 'archiveSegment', tag: 'segments', auth: { admin: 'editor' },
    summary: 'Archive a segment no flag uses', command: { ifMatch: 'optional' }, success: resource('archived segment'),
  },
  {
    method: 'post', path: '/admin/segments/{key}/restore', operationId: 'restoreSegment', tag: 'segments', auth: { admin: 'editor' },
    summary: 'Restore an archived segment', command: { ifMatch: 'optional' }, success: resource('restored segment'),
  },
  { method: 'get', path: '/admin/segments/{key}/history', operationId: 'segmentHistory', tag: 'segments', auth: { admin: 'viewer' }, summary: 'Every event of a segment', success: ok('The history, oldest first') },
  // ── Environments ───────────────────────────────────────────────────────────────────────────────────────
  { method: 'get', path: '/admin/environments', operationId: 'listEnvironments', tag: 'environments', auth: { admin: 'viewer' }, summary: 'List environments', success: ok('Every environment') },
  {
    method: 'post', path: '/admin/environments', operationId: 'createEnvironment', tag: 'environments', auth: { admin: 'admin' }, summary: 'Create an environment',
    body: { name: 'CreateEnvironment', schema: createEnvironmentBody, example: { key: 'staging', name: 'Staging', production: false } },
    command: { ifMatch: 'ignored', creates: true }, success: created('environment'),
  },
  { method: 'get', path: '/admin/environments/{key}', operationId: 'getEnvironment', tag: 'environments', auth: { admin: 'viewer' }, summary: 'An environment', success: resource('environment') },
  {
    method: 'put', path: '/admin/environments/{key}', operationId: 'changeEnvironment', tag: 'environments', auth: { admin: 'admin' }, summary: "Rename an environment or change whether it is production",
    body: { name: 'ChangeEnvironment', schema: changeEnvironmentBody, example: { name: 'Production (EU)', production: true } },
    command: { ifMatch: 'required' }, success: resource('changed environment'),
  },
  {
    method: 'post', path: '/admin/environments/{env}/rollback', operationId: 'rollbackEnvironment', tag: 'environments', auth: { admin: 'editor' },
    summary: "Every flag's targeting in one environment as it was at toTime (one event per changed flag; a reason is required unless dryRun)",
    body: { name: 'EnvironmentRollback', schema: environmentRollbackBody, example: { toTime: '2025-01-31T12:00:00Z', dryRun: true } },
    command: { ifMatch: 'ignored' }, success: ok('What changed (or would change, on a dry run)'),
  },
  {
    method: 'get', path: '/admin/environments/{env}/snapshot', operationId: 'environmentSnapshot', tag: 'environments', auth: { admin: 'viewer' },
    summary: "An environment's compiled configuration now, at a time or at a revision of the log", query: snapshotQuery, success: ok('The snapshot and the log position it reflects'),
  },
  {
    method: 'post', path: '/admin/explain', operationId: 'explain', tag: 'environments', auth: { admin: 'viewer' },
    summary: 'Evaluate a flag for a context, against the configuration now or at a time or revision, with the trace of which rule matched',
    body: { name: 'Explain', schema: explainBody, example: { flagKey: 'new-checkout', environment: 'production', context: { targetingKey: 'user-7', country: 'US' } } },
    success: ok('The result and its trace'),
    errors: [404], // an unknown flag or environment, or one that did not exist at that time or revision
  },
  // ── Experiments, metrics, results, stats ───────────────────────────────────────────────────────────────
  { method: 'get', path: '/admin/metrics', operationId: 'listMetrics', tag: 'experiments', auth: { admin: 'viewer' }, summary: 'List metric definitions', success: ok('Every metric') },
  {
    method: 'post', path: '/admin/metrics', operationId: 'defineMetric', tag: 'experiments', auth: { admin: 'editor' }, summary: 'Define a metric (binomial, mean or ratio)',
    body: { name: 'DefineMetric', schema: defineMetricBody, example: { key: 'purchase', kind: 'binomial', event: 'purchase' } },
    command: { ifMatch: 'ignored', creates: true }, success: created('metric'),
  },
  { method: 'get', path: '/admin/metrics/{key}', operationId: 'getMetric', tag: 'experiments', auth: { admin: 'viewer' }, summary: 'A metric definition', success: resource('metric') },
  {
    method: 'put', path: '/admin/metrics/{key}', operationId: 'changeMetric', tag: 'experiments', auth: { admin: 'editor' }, summary: 'Replace a metric definition',
    body: { name: 'ChangeMetric', schema: changeMetricBody, example: { kind: 'mean', event: 'purchase', direction: 'higher' } },
    command: { ifMatch: 'required' }, success: resource('changed metric'),
  },
  {
    method: 'delete', path: '/admin/metrics/{key}', operationId: 'archiveMetric', tag: 'experiments', auth: { admin: 'editor' },
    summary: 'Archive a metric', command: { ifMatch: 'optional' }, success: resource('archived metric'),
  },
  { method: 'get', path: '/admin/experiments', operationId: 'listExperiments', tag: 'experiments', auth: { admin: 'viewer' }, summary: 'List experiments', success: ok('Every experiment') },
  {
    method: 'post', path: '/admin/experiments', operationId: 'createExperiment', tag: 'experiments', auth: { admin: 'editor' }, summary: 'Design an experiment on a flag',
    body: { name: 'CreateExperiment', schema: createExperimentBody, example: { key: 'checkout-test', ...experimentDesign } },
    command: { ifMatch: 'ignored', creates: true }, success: created('experiment'),
  },
  { method: 'get', path: '/admin/experiments/{key}', operationId: 'getExperiment', tag: 'experiments', auth: { admin: 'viewer' }, summary: 'An experiment', success: resource('experiment') },
  {
    method: 'put', path: '/admin/experiments/{key}', operationId: 'changeExperiment', tag: 'experiments', auth: { admin: 'editor' }, summary: "Replace an experiment's design (before it starts)",
    body: { name: 'ChangeExperiment', schema: changeExperimentBody, example: experimentDesign },
    command: { ifMatch: 'required' }, success: resource('changed experiment'),
  },
  {
    method: 'post', path: '/admin/experiments/{key}/start', operationId: 'startExperiment', tag: 'experiments', auth: { admin: 'editor' },
    summary: 'Start an experiment: its flag begins assigning units', command: { ifMatch: 'optional' }, success: resource('started experiment'),
  },
  {
    method: 'post', path: '/admin/experiments/{key}/stop', operationId: 'stopExperiment', tag: 'experiments', auth: { admin: 'editor' },
    summary: 'Stop an experiment', command: { ifMatch: 'optional' }, success: resource('stopped experiment'),
  },
  {
    method: 'post', path: '/admin/experiments/{key}/restart', operationId: 'restartExperiment', tag: 'experiments', auth: { admin: 'editor' },
    summary: 'Restart a stopped experiment, keeping or re-randomising assignments',
    body: { name: 'RestartExperiment', schema: restartExperimentBody, example: { rerandomize: false } },
    command: { ifMatch: 'optional' }, success: resource('restarted experiment'),
  },
  {
    method: 'post', path: '/admin/experiments/{key}/conclude', operationId: 'concludeExperiment', tag: 'experiments', auth: { admin: 'editor' },
    summary: 'Conclude an experiment with a winning variant (or none)',
    body: { name: 'ConcludeExperiment', schema: concludeExperimentBody, example: { winningVariant: 'on' } },
    command: { ifMatch: 'optional' }, success: resource('concluded experiment'),
  },
  { method: 'get', path: '/admin/experiments/{key}/history', operationId: 'experimentHistory', tag: 'experiments', auth: { admin: 'viewer' }, summary: 'Every event of an experiment', success: ok('The history, oldest first') },
  {
    method: 'get', path: '/admin/experiments/{key}/results', operationId: 'experimentResults', tag: 'experiments', auth: { admin: 'viewer' },
    summary: 'Per-variant results of every metric of an experiment, from the analytics store', query: resultsQuery, success: ok('The analysis'),
  },
  {
    method: 'post', path: '/admin/stats/compare', operationId: 'compareVariants', tag: 'stats', auth: { admin: 'viewer' },
    summary: 'Compare a treatment with the control from supplied sufficient statistics',
    body: { name: 'Compare', schema: compareBody, example: { metricType: 'binomial', control: { n: 1_000, sum: 100 }, treatment: { n: 1_000, sum: 120 } } },
    success: ok('The comparison'),
  },
  {
    method: 'post', path: '/admin/stats/power', operationId: 'power', tag: 'stats', auth: { admin: 'viewer' },
    summary: 'Units needed per variant for a minimum detectable effect, or the effect a sample size detects',
    body: { name: 'Power', schema: powerBody, example: { metricType: 'binomial', baselineMean: 0.1, minimumDetectableEffect: 0.05 } },
    success: ok('The plan'),
  },
  // ── Access, audit, operations ──────────────────────────────────────────────────────────────────────────
  { method: 'get', path: '/admin/api-keys', operationId: 'listApiKeys', tag: 'access', auth: { admin: 'admin' }, summary: 'List SDK keys (never their secrets)', success: ok('Every SDK key') },
  {
    method: 'post', path: '/admin/api-keys', operationId: 'issueApiKey', tag: 'access', auth: { admin: 'admin' },
    summary: 'Issue an SDK key for one environment; the secret is in this response only (a replay answers 200 without it)',
    body: { name: 'IssueApiKey', schema: issueApiKeyBody, example: { environment: 'production', kind: 'server' } },
    command: { ifMatch: 'ignored' }, success: { status: 201, description: 'The key, with its secret `key`, shown once' },
  },
  { method: 'delete', path: '/admin/api-keys/{id}', operationId: 'revokeApiKey', tag: 'access', auth: { admin: 'admin' }, summary: 'Revoke an SDK key', command: { ifMatch: 'ignored' }, success: ok('The revoked key') },
  { method: 'get', path: '/admin/tokens', operationId: 'listAdminTokens', tag: 'access', auth: { admin: 'admin' }, summary: 'List admin tokens (never their secrets)', success: ok('Every admin token') },
  {
    method: 'post', path: '/admin/tokens', operationId: 'issueAdminToken', tag: 'access', auth: { admin: 'admin' },
    summary: 'Issue an admin token with a role; the secret is in this response only',
    body: { name: 'IssueAdminToken', schema: issueAdminTokenBody, example: { name: 'ci', role: 'editor' } },
    command: { ifMatch: 'ignored' }, success: { status: 201, description: 'The token, with its secret `token`, shown once' },
  },
  { method: 'delete', path: '/admin/tokens/{id}', operationId: 'revokeAdminToken', tag: 'access', auth: { admin: 'admin' }, summary: 'Revoke an admin token', command: { ifMatch: 'ignored' }, success: ok('The revoked token') },
  {
    method: 'get', path: '/admin/audit', operationId: 'audit', tag: 'audit', auth: { admin: 'viewer' },
    summary: 'The global change feed, newest first, filterable by actor, entity, type and time; format=json|csv exports every match as a file',
    query: auditQuery, success: ok('A page of entries (or, with format, the export)'),
  },
  {
    method: 'post', path: '/admin/projections/rebuild', operationId: 'rebuildReadModel', tag: 'operations', auth: { admin: 'admin' },
    summary: 'Replay the log from zero and compare the result with the live read model', success: ok('The comparison (500 when they differ)'), errors: [500],
  },
  { method: 'get', path: '/admin/projections', operationId: 'readModelStatus', tag: 'operations', auth: { admin: 'viewer' }, summary: "The read model's position per environment and the last rebuild", success: ok('The status') },
  {
    method: 'get', path: '/health', operationId: 'health', tag: 'operations', auth: 'public',
    summary: 'Liveness and dependencies', success: ok('Everything is up'), errors: [503],
  },
  {
    method: 'get', path: '/metrics', operationId: 'metrics', tag: 'operations', auth: 'public',
    summary: 'Prometheus metrics: evaluations, latencies, projection lag, SSE connections, ingestion, pipeline, event store',
    success: ok('The metrics in the Prometheus text format', { content: 'text/plain' }),
  },
  { method: 'get', path: '/openapi.json', operationId: 'openApi', tag: 'operations', auth: 'public', summary: 'This document', success: ok('The OpenAPI 3.1 document') },
  { method: 'get', path: '/docs', operationId: 'apiDocs', tag: 'operations', auth: 'public', summary: 'This document, rendered (Swagger UI)', success: ok('The page', { content: 'text/html' }) },
  // ── Read API (SDK keys) ────────────────────────────────────────────────────────────────────────────────
  {
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
  },
  {
    method: 'post', path: '/api/v1/flags/batch', operationId: 'evaluateFlags', tag: 'evaluation', auth: { sdk: 'any' },
    summary: 'Evaluate several flags (all, without flagKeys) for one context',
    body: { name: 'BatchEvaluation', schema: batchBody, example: { environment: 'production', context: { targetingKey: 'user-7', country: 'US' }, flagKeys: ['new-checkout'] } },
    success: ok('{ flags: [result…], revision }'),
  },
  {
    method: 'get', path: '/api/v1/snapshot', operationId: 'snapshot', tag: 'evaluation', auth: { sdk: 'server' },
    summary: 'The compiled configuration for local evaluation (server keys); gzip when accepted',
    parameters: [environmentParameter, ifNoneMatch],
    success: ok('The snapshot, with its revision as ETag', { etag: true, notModified: true }),
  },
  {
    method: 'get', path: '/api/v1/stream', operationId: 'stream', tag: 'evaluation', auth: { sdk: 'any' },
    summary: 'Server-Sent Events: server keys get the snapshot then changes, client keys revisions; Last-Event-ID resumes',
    parameters: [
      environmentParameter,
      { name: 'Last-Event-ID', in: 'header', required: false, description: 'The last revision received: only the changes after it follow', schema: { type: 'string', pattern: '^\\d{1,15}$' } },
      { name: 'lastEventId', in: 'query', required: false, description: 'Last-Event-ID for clients that cannot set headers (browsers)', schema: { type: 'string', pattern: '^\\d{1,15}$' } },
    ],
    success: ok('An event stream: `id: <revision>`, `event: snapshot|change|revision`; when the key is revoked, a last `event: end` with `{"status":401,"reason":"revoked"}`, then the stream ends', { content: 'text/event-stream' }),
    errors: [429],
  },
  {
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
  },
  {
    method: 'get', path: '/ofrep/v1/configuration', operationId: 'ofrepConfiguration', tag: 'ofrep', auth: { sdk: 'any' },
    summary: "OFREP provider configuration: capabilities and polling interval", success: ok('The configuration'),
  },
  {
    method: 'post', path: '/ofrep/v1/evaluate/flags/{key}', operationId: 'ofrepEvaluateFlag', tag: 'ofrep', auth: { sdk: 'any' },
    summary: 'OFREP single-flag evaluation; errors are OFREP bodies ({ key, errorCode, errorDetails }), not problems',
    body: { name: 'OfrepRequest', schema: ofrepRequestBody, example: { context: { targetingKey: 'user-7', country: 'US' } } },
    success: ok('The evaluation'),
  },
  {
    method: 'post', path: '/ofrep/v1/evaluate/flags', operationId: 'ofrepEvaluateFlags', tag: 'ofrep', auth: { sdk: 'any' },
    summary: 'OFREP bulk evaluation, with the revision as ETag (304 until something changes)',
    parameters: [ifNoneMatch],
    body: { name: 'OfrepRequest', schema: ofrepRequestBody, example: { context: { targetingKey: 'user-7' } } },
    success: ok('{ flags: [evaluation…] }', { etag: true, notModified: true }),
  },
];
