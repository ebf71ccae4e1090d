import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { evaluateFlag, type CompiledEnvironment } from '../evaluation/compile.ts';
import type { EvaluationContext, EvaluationResult } from '../evaluation/evaluation-result.ts';
import { parseWith } from '../http/validation.ts';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../shared/errors.ts';
import { KEY_PATTERN, keySchema } from '../shared/keys.ts';
import { readJsonBody, sendJson, sendProblem, splitUrl } from './http-io.ts';
import type { EventBus } from '../shared/event-bus.ts';
import type { ExposurePublisher } from './exposure-publisher.ts';
import { ingestEvents } from './ingest.ts';
import { handleOfrep } from './ofrep.ts';
import type { ReadModel } from './read-model.ts';
import type { SdkKeys, SdkPrincipal } from './sdk-keys.ts';
import type { StreamHub } from './stream-hub.ts';

const contextSchema = z.record(z.string(), z.json());
const batchBody = z.strictObject({
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
}

/** A batch of 10,000 events needs more room than a flag does. */
const EVENTS_BODY_LIMIT = 16 * 1024 * 1024;

/**
 * The read API on bare node:http, for applications and SDKs: `/api/v1/...` and OFREP's `/ofrep/v1/...`.
 * Returns false for any other path so the caller can hand the request to the admin app.
 */
export function createReadApi(options: ReadApiOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { model, keys, streams, exposures } = options;
  /** Evaluates, and records an exposure when an experiment assigned the unit. */
  const evaluate = (env: CompiledEnvironment, flagKey: string, context: EvaluationContext): EvaluationResult => {
    const result = evaluateFlag(env, flagKey, context);
    if (result.experimentKey !== undefined) {
      const unit = env.flags.get(flagKey)?.unitOf(context);
      if (unit !== undefined) exposures.record(result, unit, env.environment);
    }
    return result;
  };
  /** Results are shared frozen objects: their JSON is computed once. */
  const serialized = new WeakMap<EvaluationResult, string>();
  const toJson = (result: EvaluationResult): string => {
    let json = serialized.get(result);
    if (json === undefined) {
      json = JSON.stringify(result);
      if (Object.isFrozen(result)) serialized.set(result, json);
    }
    return json;
  };

  const authenticate = (req: IncomingMessage): SdkPrincipal => {
    const principal = keys.authenticate(req);
    if (!principal) throw new UnauthorizedError('An SDK key is required: send Authorization: Bearer <key>');
    return principal;
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
      for (const [name, value] of params) if (name !== 'environment') context[name] = value;
      const result = evaluate(env, flagKey, context);
      return sendJson(res, result.errorCode === 'FLAG_NOT_FOUND' ? 404 : 200, toJson(result));
    }
    if (path === '/api/v1/flags/batch' && method === 'POST') {
      const body = parseWith(batchBody, await readJsonBody(req, options.bodyLimit));
      const env = environmentFor(principal, body.environment);
      const context = body.context as EvaluationContext;
      const flagKeys = body.flagKeys ?? [...env.flags.keys()];
      const results = flagKeys.map((key) => toJson(evaluate(env, key, context)));
      return sendJson(res, 200, `{"flags":[${results.join(',')}],"revision":${env.revision}}`);
    }
    if (path === '/api/v1/events' && method === 'POST') {
      const { accepted } = await ingestEvents(options.bus, await readJsonBody(req, EVENTS_BODY_LIMIT), principal.environment);
      return sendJson(res, 202, JSON.stringify({ accepted }));
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
      return sendJson(res, 200, snapshotJson(env), { etag, 'cache-control': 'no-cache' });
    }
    if (path === '/api/v1/stream' && method === 'GET') {
      const params = new URLSearchParams(query);
      environmentFor(principal, params.get('environment'));
      const lastEventId = req.headers['last-event-id'] ?? params.get('lastEventId') ?? undefined;
      const parsed = typeof lastEventId === 'string' && /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : undefined;
      streams.open(res, principal.environment, principal.kind, parsed);
      return;
    }
    throw new NotFoundError(`No route for ${method} ${path}`);
  };

  /** The snapshot's JSON is built once per revision and environment. */
  const snapshotCache = new WeakMap<CompiledEnvironment, string>();
  const snapshotJson = (env: CompiledEnvironment): string => {
    let json = snapshotCache.get(env);
    if (json === undefined) {
      json = JSON.stringify(env.snapshot);
      snapshotCache.set(env, json);
    }
    return json;
  };

  return (req, res) => {
    const url = req.url ?? '/';
    if (!url.startsWith('/api/') && !url.startsWith('/ofrep/')) return false;
    const { path, query } = splitUrl(url);
    route(req, res, path, query).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      sendProblem(res, error, path, (error as { status?: number }).status === 401 ? { 'www-authenticate': 'Bearer' } : undefined);
    });
    return true;
  };
}
