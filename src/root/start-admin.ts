import type { Express } from 'express';
import type { AnalyticsStore } from '../analytics/analytics-store.ts';
import { resultsRoutes } from '../analytics/results-routes.ts';
import { statsRoutes } from '../analytics/stats/stats-routes.ts';
import type { EventStore } from '../event-store/event-store.ts';
import { experimentRoutes } from '../experiments/experiment-routes.ts';
import { ExperimentModel } from '../experiments/experiment-model.ts';
import { rateLimitAdmin } from '../http/admin-auth.ts';
import { createAdminApp } from '../http/admin-app.ts';
import type { AuthFailureThrottle } from '../http/auth-failure-throttle.ts';
import { openApiRoutes } from '../http/openapi/openapi-routes.ts';
import { RateLimiter } from '../http/rate-limiter.ts';
import { webAppRoutes } from '../http/web-app.ts';
import { metricsRoutes } from '../observability/metrics-routes.ts';
import { readAdminRoutes } from '../read/read-admin-routes.ts';
import type { ReadProjection } from '../read/read-projection.ts';
import { timeTravelRoutes } from '../read/time-travel/time-travel-routes.ts';
import { sleep } from '../shared/sleep.ts';
import { sha256 } from '../shared/tokens.ts';
import { accessRoutes } from '../write/access/access-routes.ts';
import { auditRoutes } from '../write/audit/audit-routes.ts';
import { bootstrap } from '../write/bootstrap.ts';
import { environmentRollbackRoutes } from '../write/environments/environment-rollback-routes.ts';
import { environmentRoutes } from '../write/environments/environment-routes.ts';
import { flagReservations } from '../write/flags/flag-reservations.ts';
import { flagRoutes } from '../write/flags/flag-routes.ts';
import { startFlagScheduler, type FlagScheduler } from '../write/flags/flag-scheduler.ts';
import { scheduleRoutes } from '../write/flags/schedule-routes.ts';
import { segmentRoutes } from '../write/segments/segment-routes.ts';
import { WriteModel } from '../write/write-model.ts';
import { API } from './api.ts';
import type { Config, OperationsConfig } from './config.ts';
import type { Stop } from './shutdown.ts';
import type { Observability } from './start-observability.ts';

/**
 * The admin API, every slice's operations mounted on it, with /health, /metrics, the API description and the
 * admin web app, and the scheduler applying scheduled flag changes, the one part of it to stop (the server it
 * is served by drains its requests).
 */
export function startAdmin(
  deps: {
    config: Pick<Config, 'adminToken' | 'bodyLimit'>;
    ops: OperationsConfig;
    store: EventStore;
    projection: ReadProjection;
    analytics: AnalyticsStore;
    authFailures: AuthFailureThrottle;
    schedulerClock?: (() => Date) | undefined;
  },
  { logger, metrics }: Observability,
): { app: Express; scheduler: FlagScheduler } {
  const { config, store, projection } = deps;
  const adminLimiter = new RateLimiter({ perSecond: deps.ops.adminRequestsPerSecond, burst: 5 * deps.ops.adminRequestsPerSecond });
  const writeModel = new WriteModel(store);
  const experimentModel = new ExperimentModel(store, writeModel);

  const health = async (): Promise<{ ok: boolean; body: Record<string, unknown> }> => {
    const storeUp = await Promise.race([store.headPosition().then(() => true, () => false), sleep(1_000).then(() => false)]);
    const status = projection.status();
    const ok = storeUp && status.live;
    return {
      ok,
      body: {
        status: ok ? 'ok' : 'degraded',
        eventStore: storeUp ? 'ok' : 'unreachable',
        readModel: { position: status.position, live: status.live, ...(status.lastError ? { lastError: status.lastError } : {}) },
      },
    };
  };

  const writeDeps = { store, model: writeModel };
  // The scheduler learns the pending schedules from the store itself: the write model stays unfolded until an admin request needs it.
  const scheduler = startFlagScheduler(writeDeps, {
    ...(deps.schedulerClock ? { now: deps.schedulerClock } : {}),
    onError: (error, context) => logger.warn({ err: error instanceof Error ? error.message : String(error), ...context }, 'scheduler: could not apply a schedule; retrying'),
  });
  const app = createAdminApp({
    tokens: writeModel,
    bootstrapTokenHash: config.adminToken === undefined ? undefined : sha256(config.adminToken),
    bodyLimit: config.bodyLimit,
    health,
    publicRouters: [metricsRoutes(metrics), openApiRoutes(API)],
    log: logger,
    authFailures: deps.authFailures,
    afterAuthentication: [rateLimitAdmin((key) => adminLimiter.take(key))],
    operations: [
      ...flagRoutes(writeDeps),
      ...scheduleRoutes(writeDeps),
      ...segmentRoutes(writeDeps),
      ...environmentRoutes(writeDeps),
      ...environmentRollbackRoutes(writeDeps),
      ...accessRoutes(writeDeps),
      ...auditRoutes(writeDeps),
      ...statsRoutes(),
      ...readAdminRoutes({ store, projection }),
      ...resultsRoutes({ experiments: experimentModel, analytics: deps.analytics }),
      ...experimentRoutes({ store, model: experimentModel, reservations: flagReservations(writeDeps) }),
      ...timeTravelRoutes({ store }),
    ],
    // After every API route: the admin web app and its client routes.
    routers: [webAppRoutes()],
  });
  return { app, scheduler };
}

/**
 * First start: default environments and an admin token. Waits for the store if it is not reachable yet, and
 * retries until it is, or until stopped; its token is set only on the first start without a configured one.
 */
export function startBootstrap(
  deps: { store: EventStore; reachable: Promise<void>; adminTokenConfigured: boolean },
  { logger }: Observability,
): { bootstrapped: Promise<{ newAdminToken?: string }>; stop: Stop } {
  let stopped = false;
  const bootstrapped = (async () => {
    await deps.reachable.catch(() => {});
    for (;;) {
      try {
        return await bootstrap(deps.store, { adminTokenConfigured: deps.adminTokenConfigured });
      } catch (error) {
        if (stopped) return {};
        logger.warn({ err: (error as Error).message }, 'bootstrap: event store not reachable yet; retrying');
        await sleep(1_000);
      }
    }
  })();
  return { bootstrapped, stop: () => void (stopped = true) };
}
