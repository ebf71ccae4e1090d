import { Router } from 'express';
import { parseWith } from '../../http/validation.ts';
import { compareVariants } from './compare.ts';
import { compareBody } from './stats-schemas.ts';

/**
 * The stats engine over HTTP: a pure computation, so any admin role may call it and nothing is appended.
 * Authentication and the JSON body parser come from the admin app.
 */
export function statsRoutes(): Router {
  const router = Router();

  router.post('/admin/stats/compare', (req, res) => {
    res.json(compareVariants(parseWith(compareBody, req.body)));
  });

  return router;
}
