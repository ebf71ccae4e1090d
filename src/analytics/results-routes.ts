import { z } from 'zod';
import { ok, operation, serve, type ServedOperation } from '../http/operation.ts';
import { NotFoundError } from '../shared/errors.ts';
import type { ExperimentCatalog } from '../shared/experiment-catalog.ts';
import type { AnalyticsStore } from './analytics-store.ts';
import { analyseExperiment } from './experiment-results.ts';
import { CORRECTIONS } from './stats/corrections.ts';

const resultsQuery = z.strictObject({ correction: z.enum(CORRECTIONS).default('none') });

export const resultsOperations = {
  experimentResults: operation({
    method: 'get', path: '/admin/experiments/{key}/results', operationId: 'experimentResults', tag: 'experiments', auth: { admin: 'viewer' },
    summary: 'Per-variant results of every metric of an experiment, from the analytics store', query: resultsQuery, success: ok('The analysis'),
  }),
};

/** `GET /admin/experiments/{key}/results`: any admin role may read results. */
export function resultsRoutes(deps: { experiments: ExperimentCatalog; analytics: AnalyticsStore }): ServedOperation[] {
  return serve(resultsOperations, {
    experimentResults: async ({ res, query, param }) => {
      await deps.experiments.refresh();
      const key = param('key');
      const experiment = deps.experiments.experimentForAnalysis(key);
      if (!experiment) throw new NotFoundError(`Experiment ${key} not found`);
      res.json(await analyseExperiment(experiment, deps.analytics, { correction: query.correction }));
    },
  });
}
