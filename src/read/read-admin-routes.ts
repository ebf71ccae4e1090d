import type { EventStore } from '../event-store/event-store.ts';
import { ok, operation, serve, type ServedOperation } from '../http/operation.ts';
import { rebuildAndCompare, type ReadProjection, type RebuildProgress } from './read-projection.ts';

/** The last rebuild of this process, as `GET /admin/projections` shows it: while it runs, a progress signal. */
interface RebuildState extends RebuildProgress {
  state: 'running' | 'done' | 'failed';
  startedAt: string;
  finishedAt: string | null;
}

export const readAdminOperations = {
  rebuildReadModel: operation({
    method: 'post', path: '/admin/projections/rebuild', operationId: 'rebuildReadModel', tag: 'operations', auth: { admin: 'admin' },
    summary: 'Replay the log from zero and compare the result with the live read model', success: ok('The comparison (500 when they differ)'), errors: [500],
  }),
  readModelStatus: operation({ method: 'get', path: '/admin/projections', operationId: 'readModelStatus', tag: 'operations', auth: { admin: 'viewer' }, summary: "The read model's position per environment and the last rebuild", success: ok('The status') }),
};

/** Administration of the read side: replay the log from zero and prove the live read model equals the result. */
export function readAdminRoutes(deps: { store: EventStore; projection: ReadProjection }): ServedOperation[] {
  let rebuild: RebuildState | null = null;
  return serve(readAdminOperations, {
    rebuildReadModel: async ({ res }) => {
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
    },
    readModelStatus: ({ res }) => {
      const status = deps.projection.status();
      const model = deps.projection.model;
      res.json({
        readModel: { ...status, environments: Object.fromEntries(model.environments().map((env) => [env, model.revisionOf(env)])) },
        rebuild,
      });
    },
  });
}
