import { Router } from 'express';
import { parseWith } from '../../http/validation.ts';
import { compareVariants } from './compare.ts';
import { minimumDetectableEffect, sampleSizePerVariant } from './power.ts';
import { compareBody, powerBody } from './stats-schemas.ts';

/**
 * The stats engine over HTTP: a pure computation, so any admin role may call it and nothing is appended.
 * Authentication and the JSON body parser come from the admin app.
 */
export function statsRoutes(): Router {
  const router = Router();

  router.post('/admin/stats/compare', (req, res) => {
    res.json(compareVariants(parseWith(compareBody, req.body)));
  });

  // Planning: the sample size a design needs, or the effect a sample size can detect (two-sided test).
  router.post('/admin/stats/power', (req, res) => {
    const { minimumDetectableEffect: effect, unitsPerVariant, variants, ...input } = parseWith(powerBody, req.body);
    if (effect !== undefined) {
      const perVariant = sampleSizePerVariant({ ...input, effect });
      res.json({ ...input, minimumDetectableEffect: effect, unitsPerVariant: perVariant, totalUnits: perVariant * variants, variants });
      return;
    }
    const detectable = minimumDetectableEffect({ ...input, unitsPerVariant: unitsPerVariant! });
    res.json({ ...input, minimumDetectableEffect: detectable, unitsPerVariant, totalUnits: unitsPerVariant! * variants, variants });
  });

  return router;
}
