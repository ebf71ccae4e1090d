import { Router } from 'express';
import { z } from 'zod';
import type { EventStore } from '../../event-store/event-store.ts';
import { requireRole } from '../../http/admin-auth.ts';
import { commandContext, etagOf, pathParam } from '../../http/command-request.ts';
import { parseWith } from '../../http/validation.ts';
import { streamId } from '../../shared/domain-event.ts';
import { ENVIRONMENT_CATEGORY } from '../../shared/environment-events.ts';
import { NotFoundError } from '../../shared/errors.ts';
import { keySchema } from '../../shared/keys.ts';
import { executeCommand, type CommandContext } from '../../shared/command-handler.ts';
import type { Versioned } from '../../shared/versioned.ts';
import type { WriteModel } from '../write-model.ts';
import { decideEnvironment, type Environment, type EnvironmentCommand } from './environment-decider.ts';

export const createEnvironmentBody = z.strictObject({
  key: keySchema,
  name: z.string().min(1).max(128).optional(),
  production: z.boolean().default(false),
});
export const changeEnvironmentBody = z.strictObject({ name: z.string().min(1).max(128).optional(), production: z.boolean().optional() });

export function environmentRoutes(deps: { store: EventStore; model: WriteModel }): Router {
  const { model } = deps;
  const router = Router();
  const run = (key: string, command: EnvironmentCommand, context: CommandContext) =>
    executeCommand(
      deps,
      { streamId: streamId(ENVIRONMENT_CATEGORY, key), current: () => model.environments.get(key), decide: (s) => decideEnvironment(command, s) },
      context,
    );

  router.get('/admin/environments', async (_req, res) => {
    await model.refresh();
    res.json({ environments: [...model.environments.values()].map(environmentResource) });
  });

  router.get('/admin/environments/:key', async (req, res) => {
    await model.refresh();
    const versioned = existing(model, pathParam(req, 'key'));
    res.setHeader('ETag', etagOf(versioned.version)).json(environmentResource(versioned));
  });

  router.post('/admin/environments', requireRole('admin'), async (req, res) => {
    const body = parseWith(createEnvironmentBody, req.body);
    const data = { key: body.key, name: body.name ?? body.key, production: body.production };
    const outcome = await run(body.key, { type: 'CreateEnvironment', data }, commandContext(req, res, { ifMatch: 'ignored' }));
    const versioned = existing(model, body.key);
    if (outcome.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(201).setHeader('Location', `/admin/environments/${body.key}`).setHeader('ETag', etagOf(versioned.version));
    res.json(environmentResource(versioned));
  });

  router.put('/admin/environments/:key', requireRole('admin'), async (req, res) => {
    const key = pathParam(req, 'key');
    const body = parseWith(changeEnvironmentBody, req.body);
    const outcome = await run(key, { type: 'ChangeEnvironment', data: body }, commandContext(req, res, { ifMatch: 'required' }));
    const versioned = existing(model, key);
    if (outcome.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.setHeader('ETag', etagOf(versioned.version)).json(environmentResource(versioned));
  });

  return router;
}

function existing(model: WriteModel, key: string): Versioned<Environment> {
  const versioned = model.environments.get(key);
  if (!versioned) throw new NotFoundError(`Environment ${key} not found`);
  return versioned;
}

function environmentResource({ state, version, createdAt, updatedAt }: Versioned<Environment>) {
  return { ...state, version, createdAt, updatedAt };
}
