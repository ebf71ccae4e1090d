import express, { type Express } from 'express';
import { statsRoutes } from '../analytics/stats/stats-routes.ts';
import type { EventStore } from '../event-store/event-store.ts';
import { NotFoundError } from '../shared/errors.ts';
import { accessRoutes } from '../write/access/access-routes.ts';
import { auditRoutes } from '../write/audit/audit-routes.ts';
import { environmentRollbackRoutes } from '../write/environments/environment-rollback-routes.ts';
import { environmentRoutes } from '../write/environments/environment-routes.ts';
import { flagRoutes } from '../write/flags/flag-routes.ts';
import { segmentRoutes } from '../write/segments/segment-routes.ts';
import type { WriteModel } from '../write/write-model.ts';
import { authenticateAdmin } from './admin-auth.ts';
import type { AuthFailureThrottle } from './auth-failure-throttle.ts';
import { commandBody, correlate } from './command-request.ts';
import { openApiRoutes } from './openapi/openapi-routes.ts';
import { jsonBody } from './json-body.ts';
import { problemHandler, type ProblemLog } from './problem.ts';
import { securityHeaders } from './security-headers.ts';

export interface AdminAppOptions {
  store: EventStore;
  model: WriteModel;
  bootstrapTokenHash: string | undefined;
  /** Largest accepted JSON body, in bytes or a size such as "1mb". */
  bodyLimit: string | number;
  /** Liveness and dependencies, for `/health`: 200 when ok, 503 when degraded. */
  health: () => Promise<{ ok: boolean; body: Record<string, unknown> }>;
  /** Routers of other slices (read-side administration, analytics, ...), mounted after authentication. */
  routers?: express.Router[];
  /** Routes that need no admin token (`/metrics`, ...), mounted before authentication. */
  publicRouters?: express.Router[];
  /** Where unexpected errors are logged; stderr when not given. */
  log?: ProblemLog;
  /** Counts failed authentications per client address and refuses an address past its budget. */
  authFailures?: AuthFailureThrottle;
  /** Run on every authenticated admin request, after authentication (rate limits). */
  afterAuthentication?: express.RequestHandler[];
}

/** The admin API on express: every body validated, every error an RFC 9457 problem, every command audited. */
export function createAdminApp(options: AdminAppOptions): Express {
  const { store, model } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // our ETags are stream versions, not body hashes
  app.use(securityHeaders, correlate);

  app.get('/health', async (_req, res) => {
    const { ok, body } = await options.health();
    res.status(ok ? 200 : 503).json(body);
  });
  for (const router of options.publicRouters ?? []) app.use(router);
  // Public, before any authentication, and before the web app's catch-all.
  app.use(openApiRoutes());

  app.use(
    '/admin',
    ...jsonBody(options.bodyLimit),
    authenticateAdmin(model, options.bootstrapTokenHash, options.authFailures),
    ...(options.afterAuthentication ?? []),
    commandBody,
  );
  const deps = { store, model };
  app.use(flagRoutes(deps), segmentRoutes(deps), environmentRoutes(deps), environmentRollbackRoutes(deps), accessRoutes(deps), auditRoutes(deps), statsRoutes(), ...(options.routers ?? []));

  app.use((req) => {
    throw new NotFoundError(`No route for ${req.method} ${req.path}`);
  });
  app.use(problemHandler(options.log));
  return app;
}
