import { ok, operation, serve, type ServedOperation } from '../../http/operation.ts';
import { compareVariants } from './compare.ts';
import { minimumDetectableEffect, sampleSizePerVariant } from './power.ts';
import { compareBody, powerBody } from './stats-schemas.ts';

export const statsOperations = {
  compareVariants: operation({
    method: 'post', path: '/admin/stats/compare', operationId: 'compareVariants', tag: 'stats', auth: { admin: 'viewer' },
    summary: 'Compare a treatment with the control from supplied sufficient statistics',
    body: { name: 'Compare', schema: compareBody, example: { metricType: 'binomial', control: { n: 1_000, sum: 100 }, treatment: { n: 1_000, sum: 120 } } },
    success: ok('The comparison'),
  }),
  power: operation({
    method: 'post', path: '/admin/stats/power', operationId: 'power', tag: 'stats', auth: { admin: 'viewer' },
    summary: 'Units needed per variant for a minimum detectable effect, or the effect a sample size detects',
    body: { name: 'Power', schema: powerBody, example: { metricType: 'binomial', baselineMean: 0.1, minimumDetectableEffect: 0.05 } },
    success: ok('The plan'),
  }),
};

/**
 * The stats engine over HTTP: a pure computation, so any admin role may call it and nothing is appended.
 * Authentication and the JSON body parser come from the admin app.
 */
export function statsRoutes(): ServedOperation[] {
  return serve(statsOperations, {
    compareVariants: ({ res, body }) => {
      res.json(compareVariants(body));
    },
    // Planning: the sample size a design needs, or the effect a sample size can detect (two-sided test).
    power: ({ res, body }) => {
      const { minimumDetectableEffect: effect, unitsPerVariant, variants, ...input } = body;
      if (effect !== undefined) {
        const perVariant = sampleSizePerVariant({ ...input, effect });
        res.json({ ...input, minimumDetectableEffect: effect, unitsPerVariant: perVariant, totalUnits: perVariant * variants, variants });
        return;
      }
      const detectable = minimumDetectableEffect({ ...input, unitsPerVariant: unitsPerVariant! });
      res.json({ ...input, minimumDetectableEffect: detectable, unitsPerVariant, totalUnits: unitsPerVariant! * variants, variants });
    },
  });
}
