import { Router } from 'express';
import { ok, operation } from '../http/operation.ts';
import type { Metrics } from './metrics.ts';

export const metricsOperation = operation({
  method: 'get', path: '/metrics', operationId: 'metrics', tag: 'operations', auth: 'public',
  summary: 'Prometheus metrics: evaluations, latencies, projection lag, SSE connections, ingestion, pipeline, event store',
  success: ok('The metrics in the Prometheus text format', { content: 'text/plain' }),
});

/** `GET /metrics`, Prometheus' text format. Public like /health: put it behind the network, not a token. */
export function metricsRoutes(metrics: Metrics): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
