import { z } from 'zod';
import type { EventStore } from '../../event-store/event-store.ts';
import { ok, operation, serve, type ServedOperation } from '../../http/operation.ts';
import { streamId } from '../../shared/domain-event.ts';
import { ENVIRONMENT_CATEGORY } from '../../shared/environment-events.ts';
import { DomainRuleViolation, NotFoundError, ValidationError, issue, type FieldIssue } from '../../shared/errors.ts';
import { instantSchema } from '../../shared/instant-schema.ts';
import type { WriteModel } from '../write-model.ts';
import { decideFlag } from '../flags/flag-decider.ts';
import { executeFlagCommand } from '../flags/flag-reservations.ts';
import { contextAfter, FlagsHistory, planEnvironmentRollback } from './environment-rollback.ts';

export const rollbackBody = z.strictObject({
  toTime: instantSchema,
  dryRun: z.boolean().default(false),
});

export const environmentRollbackOperations = {
  rollbackEnvironment: operation({
    method: 'post', path: '/admin/environments/{env}/rollback', operationId: 'rollbackEnvironment', tag: 'environments', auth: { admin: 'editor' },
    summary: "Every flag's targeting in one environment as it was at toTime (one event per changed flag; a reason is required unless dryRun)",
    body: { name: 'EnvironmentRollback', schema: rollbackBody, example: { toTime: '2025-01-31T12:00:00Z', dryRun: true } },
    command: { ifMatch: 'ignored' }, success: ok('What changed (or would change, on a dry run)'),
  }),
};

/**
 * POST /admin/environments/:env/rollback: every flag's targeting in one environment as it was at `toTime`, one
 * event per changed flag. Everything is checked first, against the state the rollback leads to; if anything
 * blocks (a segment or prerequisite gone since), nothing is appended and every blocker is listed. A dry run
 * answers the same without appending.
 */
export function environmentRollbackRoutes(deps: { store: EventStore; model: WriteModel }): ServedOperation[] {
  const { store, model } = deps;
  const history = new FlagsHistory(store);

  return serve(environmentRollbackOperations, {
    rollbackEnvironment: async ({ res, param, body, command: context }) => {
      const environment = param('env');
      if (!body.dryRun && (context.reason === undefined || context.reason.trim() === '')) {
        throw new ValidationError('The request body is invalid', [issue(['reason'], 'is required: say why this environment is rolled back')]);
      }
      const toTime = body.toTime;
      // Recorded as the instant it was read as (see instantSchema), so the event says exactly what was restored.
      const toTimeText = toTime.toISOString();
      await model.refresh();
      if (!model.environmentExists(environment)) throw new NotFoundError(`Environment ${environment} not found`);
      // As a flag's rollback: there is no "as it was" before it existed (year 0 reads as 1970, before every event).
      if ((await store.readStream(streamId(ENVIRONMENT_CATEGORY, environment), { toVersion: 1, toTime })).length === 0) {
        throw new DomainRuleViolation(`Environment ${environment} did not exist yet at ${toTimeText}`, [issue(['toTime'], 'is before the environment was created')]);
      }

      const plan = planEnvironmentRollback(environment, await history.at(toTime), model.flagsByKey.values());
      const after = contextAfter(environment, plan, model);
      const blockers: FieldIssue[] = [];
      for (const change of plan) {
        try {
          decideFlag({ type: 'RollbackTargeting', data: { environment, toTime: toTimeText, targeting: change.targeting } }, model.flag(change.flagKey), after);
        } catch (error) {
          const issues = (error as { issues?: readonly FieldIssue[] }).issues ?? [];
          const detail = issues.length > 0 ? issues : [issue([], (error as Error).message)];
          for (const found of detail) blockers.push({ pointer: found.pointer.replace(/^#/, `#/flags/${change.flagKey}`), detail: found.detail });
        }
      }
      if (blockers.length > 0) throw new DomainRuleViolation(`${environment} cannot be rolled back to ${toTimeText}: ${blockers.length} problem(s), nothing changed`, blockers);

      const changes = [];
      for (const change of plan) {
        const outcome = body.dryRun
          ? undefined
          : await executeFlagCommand(
              { store, model },
              change.flagKey,
              { type: 'RollbackTargeting', data: { environment, toTime: toTimeText, targeting: change.targeting } },
              { ...context, idempotencyKey: undefined },
            );
        changes.push({ flagKey: change.flagKey, action: change.action, fromVersion: change.fromVersion, toVersion: outcome?.version ?? null, changes: change.changes });
      }
      res.json({ environment, toTime: toTimeText, dryRun: body.dryRun, changed: changes.length, changes });
    },
  });
}
