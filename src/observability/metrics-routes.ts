import { Router } from 'express';
import type { Metrics } from './metrics.ts';

/** `GET /metrics`, Prometheus' text format. Public like /health: put it behind the network, not a token. */
export function metricsRoutes(metrics: Metrics): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
