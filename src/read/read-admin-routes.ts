import { Router } from 'express';
import type { EventStore } from '../event-store/event-store.ts';
import { requireRole } from '../http/admin-auth.ts';
import { rebuildAndCompare, type ReadProjection, type RebuildProgress } from './read-projection.ts';

/** The last rebuild of this process, as `GET /admin/projections` shows it: while it runs, a progress signal. */
interface RebuildState extends RebuildProgress {
  state: 'running' | 'done' | 'failed';
  startedAt: string;
  finishedAt: string | null;
}

/** Administration of the read side: replay the log from zero and prove the live read model equals the result. */
export function readAdminRoutes(deps: { store: EventStore; projection: ReadProjection }): Router {
  const router = Router();
  let rebuild: RebuildState | null = null;
  router.post('/admin/projections/rebuild', requireRole('admin'), async (_req, res) => {
    const current: RebuildState = { state: 'running', events: 0, position: 0, target: deps.projection.model.position, startedAt: new Date().toISOString(), finishedAt: null };
    rebuild = current;
    try {
      const report = await rebuildAndCompare(deps.store, deps.projection, (progress) => Object.assign(current, progress));
      Object.assign(current, { state: 'done', finishedAt: new Date().toISOString() });
      res.status(report.equal ? 200 : 500).json(report);
    } catch (error) {
      Object.assign(current, { state: 'failed', finishedAt: new Date().toISOString() });
      throw error;
    }
  });
  router.get('/admin/projections', async (_req, res) => {
    const status = deps.projection.status();
    const model = deps.projection.model;
    res.json({
      readModel: { ...status, environments: Object.fromEntries(model.environments().map((env) => [env, model.revisionOf(env)])) },
      rebuild,
    });
  });
  return router;
}
