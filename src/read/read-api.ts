import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { z } from 'zod';
import { evaluateFlag, type CompiledEnvironment } from '../evaluation/compile.ts';
import type { EvaluationContext, EvaluationResult } from '../evaluation/evaluation-result.ts';
import type { AuthFailureThrottle } from '../http/auth-failure-throttle.ts';
import { toProblem, type ProblemLog } from '../http/problem.ts';
import { parseWith } from '../http/validation.ts';
import { FlagstaffError, ForbiddenError, NotFoundError, TooManyRequestsError, UnauthorizedError, ValidationError, issue } from '../shared/errors.ts';
import { KEY_PATTERN, keySchema } from '../shared/keys.ts';
import { readJsonBody, sendJson, sendProblem, splitUrl } from '../http/http-io.ts';
import type { EventBus } from '../shared/event-bus.ts';
import type { ExposurePublisher } from './exposure-publisher.ts';
import { DEFAULT_MAX_FUTURE_SKEW_MS, ingestEvents } from './ingest.ts';
import { handleOfrep } from './ofrep.ts';
import type { ReadModel } from './read-model.ts';
import { ResultJsonCache } from './result-json.ts';
import type { SdkKeys, SdkPrincipal } from './sdk-keys.ts';
import type { StreamHub } from './stream-hub.ts';
import { parseUsageReport, type UsageReportBody } from './usage-report.ts';

const contextSchema = z.record(z.string(), z.json());
export const batchBody = z.strictObject({
  environment: keySchema.optional(),
  context: contextSchema.default({}),
  flagKeys: z.array(keySchema).max(10_000).optional(),
});

export interface ReadApiOptions {
  model: () => ReadModel;
  keys: SdkKeys;
  streams: StreamHub;
  bodyLimit: number;
  /** Where `POST /api/v1/events` publishes. */
  bus: EventBus;
  /** Records the exposures of server-side evaluations that a running experiment assigned. */
  exposures: ExposurePublisher;
  /** How far ahead of the server's clock an event's timestamp may be on `POST /api/v1/events` (default one hour). */
  eventsMaxFutureSkewMs?: number;
  /** Counts failed SDK-key authentications per client address and refuses an address past its budget. */
  authFailures?: AuthFailureThrottle;
  /** Telemetry and limits; all optional so the API runs bare in unit tests. */
  observe?: ReadApiObserver;
  /** Where errors nobody expected are reported (the admin app reports its own the same way). */
  log?: ProblemLog;
}

export interface ReadApiObserver {
  /** Every evaluation served (counted on the hot path: keep it to a map increment). */
  evaluated?(environment: string, result: EvaluationResult): void;
  /** Time to evaluate the flags of one request. */
  evaluationSeconds?(route: 'flag' | 'batch' | 'ofrep', seconds: number): void;
  /**
   * What an SDK reported of its local evaluations (POST /api/v1/usage), for the flag usage behind the stale-flags
   * report: counts per flag and variant, flags and variants the environment does not define left out.
   */
  usageReported?(environment: string, flags: UsageReportBody['flags']): void;
  /** Events accepted or rejected by POST /api/v1/events. */
  ingested?(outcome: 'accepted' | 'rejected', count: number): void;
  /** Throws TooManyRequestsError when the key may not send `events` events now. */
  admitEvents?(keyId: string, events: number): void;
  /** Open SSE streams allowed per SDK key. */
  maxStreamsPerKey?: number;
}

/** A batch of 10,000 events needs more room than a flag does. */
const EVENTS_BODY_LIMIT = 16 * 1024 * 1024;

/**
 * The read API on bare node:http, for applications and SDKs: `/api/v1/...` and OFREP's `/ofrep/v1/...`.
 * Returns false for any other path so the caller can hand the request to the admin app.
 */
export function createReadApi(options: ReadApiOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { model, keys, streams, exposures } = options;
  const observe = options.observe ?? {};
  const evaluated = observe.evaluated;
  /** Evaluates, and records an exposure when an experiment assigned the unit. */
  const evaluate = (env: CompiledEnvironment, flagKey: string, context: EvaluationContext): EvaluationResult => {
    const result = evaluateFlag(env, flagKey, context);
    evaluated?.(env.environment, result);
    if (result.experimentKey !== undefined) {
      const unit = env.flags.get(flagKey)?.unitOf(context);
      if (unit !== undefined) exposures.record(result, unit, env.environment);
    }
    return result;
  };
  const resultJson = new ResultJsonCache();
  const toJson = (result: EvaluationResult): string => resultJson.json(result);

  const { authFailures } = options;
  const authenticate = (req: IncomingMessage): SdkPrincipal => {
    authFailures?.admit(req);
    const principal = keys.authenticate(req);
    if (principal) return principal;
    // A wrong key counts against the address; no key at all is a client not configured yet, not a guess.
    if (req.headers.authorization !== undefined || req.headers['x-api-key'] !== undefined) authFailures?.failed(req);
    throw new UnauthorizedError('An SDK key is required: send Authorization: Bearer <key>');
  };

  /** The key's environment; a different `environment` asked for is refused, not silently ignored. */
  const environmentFor = (principal: SdkPrincipal, requested: string | null | undefined): CompiledEnvironment => {
    if (requested && requested !== principal.environment) {
      throw new ForbiddenError(`This key belongs to ${principal.environment}, not ${requested}`);
    }
    const env = model().compiledEnvironment(principal.environment);
    if (!env) throw new NotFoundError(`Environment ${principal.environment} has no configuration yet`);
    return env;
  };

  const route = async (req: IncomingMessage, res: ServerResponse, path: string, query: string): Promise<void> => {
    if (path.startsWith('/ofrep/')) return handleOfrep(req, res, path, { authenticate, environmentFor, evaluate, bodyLimit: options.bodyLimit });
    const principal = authenticate(req);
    const method = req.method ?? 'GET';

    if (path.startsWith('/api/v1/flags/') && method === 'GET') {
      const flagKey = path.slice('/api/v1/flags/'.length);
      const params = new URLSearchParams(query);
      const env = environmentFor(principal, params.get('environment'));
      if (!KEY_PATTERN.test(flagKey)) throw new NotFoundError(`Flag ${flagKey} not found`);
      const context: Record<string, string> = {};
      for (const [name, value] of params) {
        if (name === 'environment') continue;
        // Assigned, `__proto__` would vanish (a string cannot be a prototype): refused, as the batch's body refuses it.
        if (name === '__proto__') throw new ValidationError('The query is invalid', [issue(['__proto__'], 'is a reserved attribute name (__proto__)')]);
        context[name] = value;
      }
      const started = performance.now();
      const result = evaluate(env, flagKey, context);
      observe.evaluationSeconds?.('flag', (performance.now() - started) / 1000);
      return sendJson(res, result.errorCode === 'FLAG_NOT_FOUND' ? 404 : 200, toJson(result));
    }
    if (path === '/api/v1/flags/batch' && method === 'POST') {
      const body = parseWith(batchBody, await readJsonBody(req, options.bodyLimit));
      const env = environmentFor(principal, body.environment);
      const context = body.context as EvaluationContext;
      const flagKeys = body.flagKeys ?? [...env.flags.keys()];
      const started = performance.now();
      const results = flagKeys.map((key) => toJson(evaluate(env, key, context)));
      observe.evaluationSeconds?.('batch', (performance.now() - started) / 1000);
      return sendJson(res, 200, `{"flags":[${results.join(',')}],"revision":${env.revision}}`);
    }
    if (path === '/api/v1/events' && method === 'POST') {
      const policy = { environment: principal.environment, maxFutureSkewMs: options.eventsMaxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS };
      const { accepted } = await ingestEvents(options.bus, await readJsonBody(req, EVENTS_BODY_LIMIT), policy, {
        admit: (count) => observe.admitEvents?.(principal.keyId, count),
        ...(observe.ingested ? { counted: observe.ingested } : {}),
      });
      return sendJson(res, 202, JSON.stringify({ accepted }));
    }
    if (path === '/api/v1/usage' && method === 'POST') {
      // Only server keys evaluate locally; a client key's evaluations are the server's own, already counted. And a
      // client key is public (it ships in browsers): it must not be able to make a flag look in use.
      if (principal.kind !== 'server') throw new ForbiddenError("Only server keys report usage: a client key's evaluations are counted by the server that answers them");
      const report = parseUsageReport(await readJsonBody(req, options.bodyLimit), { maxFutureSkewMs: options.eventsMaxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS });
      observe.admitEvents?.(principal.keyId, 1);
      const { counted, evaluations, ignored } = knownUsage(model().compiledEnvironment(principal.environment), report.flags);
      if (evaluations > 0) observe.usageReported?.(principal.environment, counted);
      return sendJson(res, 202, JSON.stringify({ accepted: evaluations, ignored }));
    }
    if (path === '/api/v1/snapshot' && method === 'GET') {
      if (principal.kind !== 'server') throw new ForbiddenError('Only server keys may read the full configuration');
      const env = environmentFor(principal, new URLSearchParams(query).get('environment'));
      const etag = `W/"${env.revision}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag });
        res.end();
        return;
      }
      return sendSnapshot(req, res, env, etag);
    }
    if (path === '/api/v1/stream' && method === 'GET') {
      const params = new URLSearchParams(query);
      environmentFor(principal, params.get('environment'));
      const lastEventId = req.headers['last-event-id'] ?? params.get('lastEventId') ?? undefined;
      const parsed = typeof lastEventId === 'string' && /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : undefined;
      const max = observe.maxStreamsPerKey ?? Number.POSITIVE_INFINITY;
      if (streams.streamsOf(principal.keyId) >= max) throw new TooManyRequestsError(`At most ${max} open streams per SDK key; close one or retry later`, 5);
      // Authenticated and registered in the same tick: a revocation applied later finds this stream and ends it.
      streams.open(res, principal, parsed);
      return;
    }
    throw new NotFoundError(`No route for ${method} ${path}`);
  };

  /**
   * The snapshot is gzipped once per revision and environment, and kept only gzipped: a tenth of the size of
   * its JSON (10,000 flags: ~0.8 MB instead of ~6 MB per environment). Every HTTP client an SDK uses asks for
   * gzip; one that does not gets JSON built for it.
   */
  const snapshotCache = new WeakMap<CompiledEnvironment, Promise<Buffer>>();
  const sendSnapshot = async (req: IncomingMessage, res: ServerResponse, env: CompiledEnvironment, etag: string): Promise<void> => {
    const headers = { etag, 'cache-control': 'no-cache', vary: 'accept-encoding' };
    if (!acceptsGzip(req.headers['accept-encoding'])) return sendJson(res, 200, JSON.stringify(env.snapshot), headers);
    let body = snapshotCache.get(env);
    if (body === undefined) {
      body = gzip(JSON.stringify(env.snapshot), { level: 1 });
      snapshotCache.set(env, body);
      body.catch(() => snapshotCache.delete(env));
    }
    const gzipped = await body;
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': gzipped.length, 'x-content-type-options': 'nosniff', ...headers });
    res.end(gzipped);
  };

  return (req, res) => {
    const url = req.url ?? '/';
    if (!url.startsWith('/api/') && !url.startsWith('/ofrep/')) return false;
    const { path, query } = splitUrl(url);
    route(req, res, path, query).catch((error: unknown) => {
      if (!(error instanceof FlagstaffError) && toProblem(error).status >= 500) options.log?.error({ method: req.method, path, err: (error as Error)?.stack ?? String(error) }, 'unexpected error');
      if (res.headersSent) return void res.destroy();
      sendProblem(res, error, path, (error as { status?: number }).status === 401 ? { 'www-authenticate': 'Bearer' } : undefined);
    });
    return true;
  };
}

/**
 * The part of a usage report the environment can take: a flag it does not define (archived since, or never there)
 * or a variant the flag does not declare cannot be usage of this configuration, and is named in `ignored`
 * (`flag` or `flag/variant`) instead of counted.
 */
export function knownUsage(
  env: CompiledEnvironment | undefined,
  flags: UsageReportBody['flags'],
): { counted: UsageReportBody['flags']; evaluations: number; ignored: string[] } {
  const counted: UsageReportBody['flags'] = {};
  const ignored: string[] = [];
  let evaluations = 0;
  for (const [flagKey, variants] of Object.entries(flags)) {
    const declared = env?.flags.get(flagKey)?.source.variants;
    if (declared === undefined) {
      ignored.push(flagKey);
      continue;
    }
    for (const [variant, count] of Object.entries(variants)) {
      if (!Object.hasOwn(declared, variant)) {
        ignored.push(`${flagKey}/${variant}`);
        continue;
      }
      (counted[flagKey] ??= {})[variant] = count;
      evaluations += count;
    }
  }
  return { counted, evaluations, ignored };
}

const gzip = promisify(zlib.gzip);

/** Whether an Accept-Encoding header allows gzip: `gzip` (or `x-gzip`), else `*`, with a q above 0 (RFC 9110 12.5.3). */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  let gzipQ: number | undefined;
  let anyQ: number | undefined;
  for (const entry of header.split(',')) {
    const [coding = '', ...params] = entry.split(';').map((part) => part.trim().toLowerCase());
    const q = params.find((param) => param.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (coding === 'gzip' || coding === 'x-gzip') gzipQ = Math.max(gzipQ ?? 0, weight);
    else if (coding === '*') anyQ = weight;
  }
  return (gzipQ ?? anyQ ?? 0) > 0;
}
