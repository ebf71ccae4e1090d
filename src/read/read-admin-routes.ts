import { Router } from 'express';
import type { EventStore } from '../event-store/event-store.ts';
import { requireRole } from '../http/admin-auth.ts';
import { rebuildAndCompare, type ReadProjection } from './read-projection.ts';

/** Administration of the read side: replay the log from zero and prove the live read model equals the result. */
export function readAdminRoutes(deps: { store: EventStore; projection: ReadProjection }): Router {
  const router = Router();
  router.post('/admin/projections/rebuild', requireRole('admin'), async (_req, res) => {
    const report = await rebuildAndCompare(deps.store, deps.projection);
    res.status(report.equal ? 200 : 500).json(report);
  });
  router.get('/admin/projections', async (_req, res) => {
    const status = deps.projection.status();
    const model = deps.projection.model;
    res.json({
      readModel: { ...status, environments: Object.fromEntries(model.environments().map((env) => [env, model.revisionOf(env)])) },
    });
  });
  return router;
}
