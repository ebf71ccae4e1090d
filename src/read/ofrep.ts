import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { CompiledEnvironment } from '../evaluation/compile.ts';
import type { EvaluationContext, EvaluationResult } from '../evaluation/evaluation-result.ts';
import { zodIssues } from '../http/validation.ts';
import { BadRequestError, NotFoundError, type FieldIssue } from '../shared/errors.ts';
import { readJsonBody, sendJson } from '../http/http-io.ts';
import type { SdkPrincipal } from './sdk-keys.ts';

export const ofrepRequestBody = z.object({ context: z.record(z.string(), z.json()).default({}) });

interface OfrepDeps {
  authenticate(req: IncomingMessage): SdkPrincipal;
  environmentFor(principal: SdkPrincipal, requested: string | undefined): CompiledEnvironment;
  evaluate(env: CompiledEnvironment, flagKey: string, context: EvaluationContext): EvaluationResult;
  bodyLimit: number;
}

/**
 * The OpenFeature Remote Evaluation Protocol: single and bulk evaluation, with OFREP's own error bodies
 * (`{ key, errorCode, errorDetails }`) rather than problem documents, as its clients expect. The bulk response
 * carries an ETag (the revision) so polling clients get 304 until something changes.
 */
export async function handleOfrep(req: IncomingMessage, res: ServerResponse, path: string, deps: OfrepDeps): Promise<void> {
  const principal = deps.authenticate(req);
  if (path === '/ofrep/v1/configuration' && req.method === 'GET') {
    return sendJson(res, 200, JSON.stringify({
      name: 'Flagstaff',
      capabilities: { cacheInvalidation: { polling: { enabled: true, minPollingIntervalMs: 1_000 } }, flagEvaluation: { supportedTypes: ['boolean', 'string', 'integer', 'float', 'object'] } },
    }));
  }
  const bulk = path === '/ofrep/v1/evaluate/flags';
  const single = path.startsWith('/ofrep/v1/evaluate/flags/');
  // Routed before the body is read: a body sent to a path that takes none is not OFREP's PARSE_ERROR.
  if (req.method !== 'POST' || !(bulk || single)) throw new NotFoundError(`No route for ${req.method} ${path}`);
  const env = deps.environmentFor(principal, undefined);

  const badRequest = (errorCode: 'PARSE_ERROR' | 'INVALID_CONTEXT', issues: readonly FieldIssue[]): void => {
    const key = single ? path.slice('/ofrep/v1/evaluate/flags/'.length) : undefined;
    const errorDetails = issues.map((i) => `${i.pointer} ${i.detail}`).join('; ');
    sendJson(res, 400, JSON.stringify({ ...(key ? { key } : {}), errorCode, errorDetails }));
  };
  let body: unknown;
  try {
    body = await readJsonBody(req, deps.bodyLimit);
  } catch (error) {
    // A body that is not acceptable JSON is OFREP's PARSE_ERROR; size and media type stay HTTP problems.
    if (error instanceof BadRequestError) return badRequest('PARSE_ERROR', error.issues);
    throw error;
  }
  const parsed = ofrepRequestBody.safeParse(body);
  if (!parsed.success) return badRequest('INVALID_CONTEXT', zodIssues(parsed.error));
  const context = parsed.data.context as EvaluationContext;

  if (bulk) {
    const etag = `W/"${env.revision}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag });
      res.end();
      return;
    }
    const flags = [...env.flags.keys()].map((key) => ofrepResult(deps.evaluate(env, key, context)).body);
    return sendJson(res, 200, JSON.stringify({ flags }), { etag });
  }
  // A key that cannot exist is simply not found, like any other unknown key.
  const { status, body: result } = ofrepResult(deps.evaluate(env, path.slice('/ofrep/v1/evaluate/flags/'.length), context));
  return sendJson(res, status, JSON.stringify(result));
}

function ofrepResult(result: EvaluationResult): { status: number; body: Record<string, unknown> } {
  if (result.errorCode) {
    const status = result.errorCode === 'FLAG_NOT_FOUND' ? 404 : result.errorCode === 'GENERAL' ? 500 : 400;
    return { status, body: { key: result.flagKey, errorCode: result.errorCode, errorDetails: result.errorMessage } };
  }
  return {
    status: 200,
    body: {
      key: result.flagKey,
      value: result.value,
      reason: result.reason,
      variant: result.variant,
      metadata: { revision: result.revision, ...(result.ruleId ? { ruleId: result.ruleId } : {}) },
    },
  };
}
