import { Router } from 'express';
import { z } from 'zod';
import { pathParam } from '../http/command-request.ts';
import { parseWith } from '../http/validation.ts';
import { NotFoundError } from '../shared/errors.ts';
import type { ExperimentCatalog } from '../shared/experiment-catalog.ts';
import type { AnalyticsStore } from './analytics-store.ts';
import { analyseExperiment } from './experiment-results.ts';
import { CORRECTIONS } from './stats/corrections.ts';

export const resultsQuery = z.strictObject({ correction: z.enum(CORRECTIONS).default('none') });

/** `GET /admin/experiments/:key/results`: any admin role may read results. */
export function resultsRoutes(deps: { experiments: ExperimentCatalog; analytics: AnalyticsStore }): Router {
  const router = Router();
  router.get('/admin/experiments/:key/results', async (req, res) => {
    const { correction } = parseWith(resultsQuery, req.query, 'query');
    await deps.experiments.refresh();
    const key = pathParam(req, 'key');
    const experiment = deps.experiments.experimentForAnalysis(key);
    if (!experiment) throw new NotFoundError(`Experiment ${key} not found`);
    res.json(await analyseExperiment(experiment, deps.analytics, { correction }));
  });
  return router;
}
