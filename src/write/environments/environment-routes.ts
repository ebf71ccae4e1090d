import { z } from 'zod';
import type { EventStore } from '../../event-store/event-store.ts';
import { etagOf } from '../../http/command-request.ts';
import { created, ok, operation, resource, serve, type ServedOperation } from '../../http/operation.ts';
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

export const environmentOperations = {
  listEnvironments: operation({ method: 'get', path: '/admin/environments', operationId: 'listEnvironments', tag: 'environments', auth: { admin: 'viewer' }, summary: 'List environments', success: ok('Every environment') }),
  getEnvironment: operation({ method: 'get', path: '/admin/environments/{key}', operationId: 'getEnvironment', tag: 'environments', auth: { admin: 'viewer' }, summary: 'An environment', success: resource('environment') }),
  createEnvironment: operation({
    method: 'post', path: '/admin/environments', operationId: 'createEnvironment', tag: 'environments', auth: { admin: 'admin' }, summary: 'Create an environment',
    body: { name: 'CreateEnvironment', schema: createEnvironmentBody, example: { key: 'staging', name: 'Staging', production: false } },
    command: { ifMatch: 'ignored', creates: true }, success: created('environment'),
  }),
  changeEnvironment: operation({
    method: 'put', path: '/admin/environments/{key}', operationId: 'changeEnvironment', tag: 'environments', auth: { admin: 'admin' }, summary: "Rename an environment or change whether it is production",
    body: { name: 'ChangeEnvironment', schema: changeEnvironmentBody, example: { name: 'Production (EU)', production: true } },
    command: { ifMatch: 'required' }, success: resource('changed environment'),
  }),
};

export function environmentRoutes(deps: { store: EventStore; model: WriteModel }): ServedOperation[] {
  const { model } = deps;
  const run = (key: string, command: EnvironmentCommand, context: CommandContext) =>
    executeCommand(
      deps,
      { streamId: streamId(ENVIRONMENT_CATEGORY, key), current: () => model.environments.get(key), decide: (s) => decideEnvironment(command, s) },
      context,
    );

  return serve(environmentOperations, {
    listEnvironments: async ({ res }) => {
      await model.refresh();
      res.json({ environments: [...model.environments.values()].map(environmentResource) });
    },
    getEnvironment: async ({ res, param }) => {
      await model.refresh();
      const versioned = existing(model, param('key'));
      res.setHeader('ETag', etagOf(versioned.version)).json(environmentResource(versioned));
    },
    createEnvironment: async ({ res, body, command }) => {
      const data = { key: body.key, name: body.name ?? body.key, production: body.production };
      const outcome = await run(body.key, { type: 'CreateEnvironment', data }, command);
      const versioned = existing(model, body.key);
      if (outcome.replayed) res.setHeader('Idempotent-Replayed', 'true');
      res.status(201).setHeader('Location', `/admin/environments/${body.key}`).setHeader('ETag', etagOf(versioned.version));
      res.json(environmentResource(versioned));
    },
    changeEnvironment: async ({ res, param, body, command }) => {
      const key = param('key');
      const outcome = await run(key, { type: 'ChangeEnvironment', data: body }, command);
      const versioned = existing(model, key);
      if (outcome.replayed) res.setHeader('Idempotent-Replayed', 'true');
      res.setHeader('ETag', etagOf(versioned.version)).json(environmentResource(versioned));
    },
  });
}

function existing(model: WriteModel, key: string): Versioned<Environment> {
  const versioned = model.environments.get(key);
  if (!versioned) throw new NotFoundError(`Environment ${key} not found`);
  return versioned;
}

function environmentResource({ state, version, createdAt, updatedAt }: Versioned<Environment>) {
  return { ...state, version, createdAt, updatedAt };
}
