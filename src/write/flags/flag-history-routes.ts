import type { Request, Response } from 'express';
import { z } from 'zod';
import type { EventStore } from '../../event-store/event-store.ts';
import { pathParam, replyVersioned } from '../../http/command-request.ts';
import { ok, operation, resource, serve, type ServedOperation } from '../../http/operation.ts';
import { DomainRuleViolation, NotFoundError, ValidationError, issue } from '../../shared/errors.ts';
import { instantSchema } from '../../shared/instant-schema.ts';
import { KEY_PATTERN } from '../../shared/keys.ts';
import { structuralDiff } from '../../shared/structural-diff.ts';
import type { Versioned } from '../../shared/versioned.ts';
import type { WriteModel } from '../write-model.ts';
import type { FlagHistory, FlagMoment } from './flag-history.ts';
import { targetingIn, type Flag } from '../../shared/flag-evolution.ts';
import { flagResource } from './flag-resource.ts';
import { executeFlagCommand } from './flag-reservations.ts';

const version = z.coerce.number({ error: 'must be a version number' }).int('must be a whole version number').min(1, 'versions start at 1');

/** `?version=N` or `?at=<time>` on GET /admin/flags/:key; other parameters are ignored, as before. */
export const flagAsOfQuery = z
  .object({ version: version.optional(), at: instantSchema.optional() })
  .superRefine((q, ctx) => {
    if (q.version !== undefined && q.at !== undefined) ctx.addIssue({ code: 'custom', path: ['at'], message: 'give either version or at, not both' });
  });
export type FlagAsOf = z.infer<typeof flagAsOfQuery>;

export const diffQuery = z.strictObject({ from: version, to: version.optional() });

export const rollbackBody = z
  .strictObject({ toVersion: z.number().int().min(1).optional(), toTime: instantSchema.optional() })
  .superRefine((b, ctx) => {
    if ((b.toVersion === undefined) === (b.toTime === undefined)) ctx.addIssue({ code: 'custom', path: ['toVersion'], message: 'give exactly one of toVersion and toTime' });
  });

export const flagHistoryOperations = {
  diffFlag: operation({
    method: 'get', path: '/admin/flags/{key}/diff', operationId: 'diffFlag', tag: 'flags', auth: { admin: 'viewer' },
    summary: 'The structural difference between two versions of a flag (to defaults to the latest)', query: diffQuery, success: ok('The changes from one version to the other'),
  }),
  rollbackFlag: operation({
    method: 'post', path: '/admin/flags/{key}/rollback', operationId: 'rollbackFlag', tag: 'flags', auth: { admin: 'editor' },
    summary: 'Roll a flag back to an earlier version or time; appends an event (history is never rewritten). A reason is required.',
    body: { name: 'FlagRollback', schema: rollbackBody, example: { toVersion: 3 } },
    command: { ifMatch: 'required' }, success: resource('flag after the rollback, with rolledBackTo'),
  }),
};

/** Past versions of flags, their differences, and rollbacks (which append; history is never rewritten). */
export function flagHistoryRoutes(deps: { store: EventStore; model: WriteModel; history: FlagHistory }): ServedOperation[] {
  const { store, model, history } = deps;
  const environments = (): string[] => [...model.environments.keys()];

  return serve(flagHistoryOperations, {
    diffFlag: async ({ res, param, query }) => {
      const key = param('key');
      const current = await currentFlag(model, key);
      const from = await versionOf(history, key, query.from, current.version, 'from');
      const to = await versionOf(history, key, query.to ?? current.version, current.version, 'to');
      const envs = environments();
      res.json({
        flagKey: key,
        from: summary(from),
        to: summary(to),
        changes: structuralDiff(flagView(from.state, envs), flagView(to.state, envs)),
      });
    },
    rollbackFlag: async ({ res, param, body, command: context }) => {
      const key = param('key');
      if (context.reason === undefined || context.reason.trim() === '') {
        throw new ValidationError('The request body is invalid', [issue(['reason'], 'is required: say why this flag is rolled back')]);
      }
      const current = await currentFlag(model, key);
      const target =
        body.toVersion !== undefined
          ? await versionOf(history, key, body.toVersion, current.version, 'toVersion')
          : await history.at(key, { time: body.toTime! });
      if (!target) throw new DomainRuleViolation(`Flag ${key} did not exist yet at ${body.toTime!.toISOString()}`, [issue(['toTime'], 'is before the flag was created')]);
      const outcome = await executeFlagCommand({ store, model }, key, { type: 'RollbackFlag', data: { toVersion: target.version, target: target.state } }, context);
      const envs = environments();
      replyVersioned(res, 200, model.flagsByKey.get(key), `Flag ${key}`, (v) => ({ ...flagResource(v, envs), rolledBackTo: target.version }), outcome);
    },
  });
}

/** Answers GET /admin/flags/:key?version=N|at=T: the flag as it was, marked historical, and without an ETag
 * (an old version cannot be the precondition of an update). */
export async function replyFlagAsOf(req: Request, res: Response, deps: { model: WriteModel; history: FlagHistory }, asOf: FlagAsOf): Promise<void> {
  const key = pathParam(req, 'key');
  const current = await currentFlag(deps.model, key);
  const moment: FlagMoment = asOf.version !== undefined ? { version: asOf.version } : { time: asOf.at! };
  const past = 'version' in moment ? await versionOf(deps.history, key, moment.version, current.version, 'version') : await deps.history.at(key, moment);
  if (!past) throw new NotFoundError(`Flag ${key} did not exist yet at ${asOf.at!.toISOString()}`, [issue(['at'], 'is before the flag was created')]);
  res.setHeader('Cache-Control', 'no-cache').json({ ...flagResource(past, [...deps.model.environments.keys()]), historical: true, latestVersion: current.version });
}

async function currentFlag(model: WriteModel, key: string): Promise<Versioned<Flag>> {
  if (!KEY_PATTERN.test(key)) throw new NotFoundError(`Flag ${key} not found`);
  await model.refresh();
  const current = model.flagsByKey.get(key);
  if (!current) throw new NotFoundError(`Flag ${key} not found`);
  return current;
}

async function versionOf(history: FlagHistory, key: string, wanted: number, latest: number, field: string): Promise<Versioned<Flag>> {
  if (wanted > latest) throw new NotFoundError(`Flag ${key} has no version ${wanted}`, [issue([field], `is beyond the latest version, ${latest}`)]);
  const found = await history.at(key, { version: wanted });
  if (!found) throw new NotFoundError(`Flag ${key} has no version ${wanted}`, [issue([field], 'names no version of this flag')]);
  return found;
}

function summary(v: Versioned<Flag>) {
  return { version: v.version, time: v.updatedAt, actor: v.updatedBy };
}

/** What a diff compares: the flag's content, every environment's targeting included, not its bookkeeping. */
export function flagView(flag: Flag, environments: readonly string[]) {
  return {
    description: flag.description,
    tags: flag.tags,
    variants: flag.variants,
    archived: flag.archived,
    environments: Object.fromEntries(environments.map((env) => [env, targetingIn(flag, env)])),
  };
}
