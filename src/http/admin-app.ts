import express, { type Express } from 'express';
import { NotFoundError } from '../shared/errors.ts';
import { authenticateAdmin, type AdminTokens } from './admin-auth.ts';
import type { AuthFailureThrottle } from './auth-failure-throttle.ts';
import { commandBody, correlate } from './command-request.ts';
import { jsonBody } from './json-body.ts';
import { ok, operation, operationRouter, type ServedOperation } from './operation.ts';
import { problemHandler, type ProblemLog } from './problem.ts';
import { securityHeaders } from './security-headers.ts';

export interface AdminAppOptions {
  /** Issued admin tokens, for authentication. */
  tokens: AdminTokens;
  bootstrapTokenHash: string | undefined;
  /** Largest accepted JSON body, in bytes or a size such as "1mb". */
  bodyLimit: string | number;
  /** Liveness and dependencies, for `/health`: 200 when ok, 503 when degraded. */
  health: () => Promise<{ ok: boolean; body: Record<string, unknown> }>;
  /** Every slice's admin operations, mounted after authentication. */
  operations: readonly ServedOperation[];
  /** Routes no operation describes (the web app and its client routes), mounted after the operations. */
  routers?: express.Router[];
  /** Routes that need no admin token (`/metrics`, `/openapi.json`, ...), mounted before authentication. */
  publicRouters?: express.Router[];
  /** Where unexpected errors are logged; stderr when not given. */
  log?: ProblemLog;
  /** Counts failed authentications per client address and refuses an address past its budget. */
  authFailures?: AuthFailureThrottle;
  /** Run on every authenticated admin request, after authentication (rate limits). */
  afterAuthentication?: express.RequestHandler[];
}

export const healthOperation = operation({
  method: 'get', path: '/health', operationId: 'health', tag: 'operations', auth: 'public',
  summary: 'Liveness and dependencies', success: ok('Everything is up'), errors: [503],
});

/** The admin API on express: every body validated, every error an RFC 9457 problem, every command audited. */
export function createAdminApp(options: AdminAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // our ETags are stream versions, not body hashes
  app.use(securityHeaders, correlate);

  app.get('/health', async (_req, res) => {
    const { ok: healthy, body } = await options.health();
    res.status(healthy ? 200 : 503).json(body);
  });
  // Public, before any authentication, and before the web app's catch-all.
  for (const router of options.publicRouters ?? []) app.use(router);

  app.use(
    '/admin',
    ...jsonBody(options.bodyLimit),
    authenticateAdmin(options.tokens, options.bootstrapTokenHash, options.authFailures),
    ...(options.afterAuthentication ?? []),
    commandBody,
  );
  app.use(operationRouter(options.operations), ...(options.routers ?? []));

  app.use((req) => {
    throw new NotFoundError(`No route for ${req.method} ${req.path}`);
  });
  app.use(problemHandler(options.log));
  return app;
}
