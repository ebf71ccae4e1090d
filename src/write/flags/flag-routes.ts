import type { Response } from 'express';
import type { EventStore } from '../../event-store/event-store.ts';
import { etagOf, replyVersioned } from '../../http/command-request.ts';
import { historyEntry } from '../../http/history.ts';
import { created, ok, operation, resource, serve, type ServedOperation } from '../../http/operation.ts';
import { streamId } from '../../shared/domain-event.ts';
import { NotFoundError } from '../../shared/errors.ts';
import { FLAG_CATEGORY } from '../../shared/flag-events.ts';
import { KEY_PATTERN } from '../../shared/keys.ts';
import type { CommandContext, CommandOutcome } from '../../shared/command-handler.ts';
import type { Versioned } from '../../shared/versioned.ts';
import type { WriteModel } from '../write-model.ts';
import type { FlagCommand } from './flag-decider.ts';
import { executeFlagCommand } from './flag-reservations.ts';
import { changeFlagBody, createFlagBody, listFlagsQuery, targetingBody, toggleBody } from './flag-schemas.ts';
import { targetingIn, type Flag } from '../../shared/flag-evolution.ts';
import { staleReason } from './flag-usage.ts';
import { FlagHistory } from './flag-history.ts';
import { flagAsOfQuery, flagHistoryRoutes, replyFlagAsOf } from './flag-history-routes.ts';
import { flagResource } from './flag-resource.ts';

const targetingExample = {
  enabled: true,
  offVariant: 'off',
  bucketBy: 'targetingKey',
  targets: [{ variant: 'on', units: ['user-1', 'user-2'] }],
  rules: [
    {
      id: 'us-premium',
      conditions: [
        { attribute: 'country', operator: 'in', values: ['US', 'CA'] },
        { attribute: 'plan', operator: 'eq', values: ['premium'] },
      ],
      serve: { variant: 'on' },
    },
  ],
  defaultServe: { split: [{ variant: 'on', weight: 25_000 }, { variant: 'off', weight: 75_000 }] },
};

export const flagOperations = {
  listFlags: operation({
    method: 'get', path: '/admin/flags', operationId: 'listFlags', tag: 'flags', auth: { admin: 'viewer' },
    summary: 'List flags, filtered and paged by key (nextCursor)',
    description:
      'Each flag with its state per environment (`enabled`). A flag that evaluation telemetry finds stale over the last `staleDays` days ' +
      '(not evaluated, or serving one variant to everyone; never a flag younger than the period) carries `stale`: ' +
      '`{ reason: "not-evaluated" | "single-variant", staleDays, evaluations, variants, lastEvaluatedAt }`. With `stale=true` only those are listed.',
    query: listFlagsQuery, success: ok('A page of flags'),
  }),
  createFlag: operation({
    method: 'post', path: '/admin/flags', operationId: 'createFlag', tag: 'flags', auth: { admin: 'editor' },
    summary: 'Create a flag (a boolean flag gets variants on/off when none are given)',
    body: { name: 'CreateFlag', schema: createFlagBody, example: { key: 'new-checkout', type: 'boolean', description: 'New checkout flow', tags: ['checkout'] } },
    command: { ifMatch: 'ignored', creates: true }, success: created('flag'),
  }),
  getFlag: operation({
    method: 'get', path: '/admin/flags/{key}', operationId: 'getFlag', tag: 'flags', auth: { admin: 'viewer' },
    summary: 'A flag; with ?version=N or ?at=<time> the flag as it was then (historical, no ETag)',
    query: flagAsOfQuery, success: resource('flag'),
  }),
  changeFlag: operation({
    method: 'put', path: '/admin/flags/{key}', operationId: 'changeFlag', tag: 'flags', auth: { admin: 'editor' },
    summary: "Change a flag's description, tags or variants (fields left out keep their value)",
    body: { name: 'ChangeFlag', schema: changeFlagBody, example: { description: 'New checkout flow, second try', tags: ['checkout', 'q3'] } },
    command: { ifMatch: 'required' }, success: resource('changed flag'),
  }),
  archiveFlag: operation({
    method: 'delete', path: '/admin/flags/{key}', operationId: 'archiveFlag', tag: 'flags', auth: { admin: 'editor' },
    summary: 'Archive a flag (its history stays)', command: { ifMatch: 'optional' }, success: resource('archived flag'),
  }),
  restoreFlag: operation({
    method: 'post', path: '/admin/flags/{key}/restore', operationId: 'restoreFlag', tag: 'flags', auth: { admin: 'editor' },
    summary: 'Restore an archived flag', command: { ifMatch: 'optional' }, success: resource('restored flag'),
  }),
  getTargeting: operation({
    method: 'get', path: '/admin/flags/{key}/environments/{env}', operationId: 'getTargeting', tag: 'flags', auth: { admin: 'viewer' },
    summary: "A flag's targeting in one environment", success: ok("The targeting, with the flag's version as ETag", { etag: true, schema: 'Targeting' }),
  }),
  changeTargeting: operation({
    method: 'put', path: '/admin/flags/{key}/environments/{env}', operationId: 'changeTargeting', tag: 'flags', auth: { admin: 'editor' },
    summary: "Replace a flag's targeting in one environment: enabled, rules, default serve, individual targets",
    body: { name: 'Targeting', schema: targetingBody, example: targetingExample },
    command: { ifMatch: 'required' }, success: resource('changed flag'),
  }),
  toggleFlag: operation({
    method: 'post', path: '/admin/flags/{key}/environments/{env}/toggle', operationId: 'toggleFlag', tag: 'flags', auth: { admin: 'editor' },
    summary: 'Turn a flag on or off in one environment (the kill switch)',
    body: { name: 'Toggle', schema: toggleBody, example: { enabled: false } },
    command: { ifMatch: 'optional' }, success: resource('toggled flag'),
  }),
  flagHistory: operation({
    method: 'get', path: '/admin/flags/{key}/history', operationId: 'flagHistory', tag: 'flags', auth: { admin: 'viewer' },
    summary: "Every event of a flag: version, type, actor, reason, time, the change", success: ok('The history, oldest first'),
  }),
};

/** Flags, their targeting per environment and their history; diff and rollback (flag-history-routes.ts) come first, as they always did. */
export function flagRoutes(deps: { store: EventStore; model: WriteModel }): ServedOperation[] {
  const { store, model } = deps;
  const history = new FlagHistory(store);
  model.onFlagFolded((key, event, flag) => history.observe(key, event.version, event.recordedAt, flag));

  const run = (key: string, command: FlagCommand, context: CommandContext): Promise<CommandOutcome> => executeFlagCommand(deps, key, command, context);

  const environments = (): string[] => [...model.environments.keys()];
  const represent = (versioned: Versioned<Flag>) => flagResource(versioned, environments());
  const reply = (res: Response, status: number, key: string, outcome?: CommandOutcome): void =>
    replyVersioned(res, status, model.flagsByKey.get(key), `Flag ${key}`, represent, outcome);

  return [
    ...flagHistoryRoutes({ store, model, history }),
    ...serve(flagOperations, {
      listFlags: async ({ res, query }) => {
        await model.refresh();
        const needle = query.q?.toLowerCase();
        const matching = [...model.flagsByKey.values()]
          .filter(({ state }) => (query.archived === 'all' ? true : state.archived === (query.archived === 'true')))
          .filter(({ state }) => query.tag === undefined || state.tags.includes(query.tag))
          .filter(({ state }) => !needle || state.key.includes(needle) || state.description.toLowerCase().includes(needle))
          .filter(({ state }) => query.after === undefined || state.key > query.after)
          .sort((a, b) => (a.state.key < b.state.key ? -1 : 1));
        // Staleness over the period, from evaluation telemetry (flag-usage.ts): every listed flag found stale
        // carries it; `stale=true` lists only those.
        const since = new Date(Date.now() - query.staleDays * 86_400_000);
        const staleness = (versioned: Versioned<Flag>) => {
          const usage = model.usage.summary(versioned.state.key, since);
          const reason = staleReason(usage, versioned.createdAt, since);
          return reason ? { reason, staleDays: query.staleDays, ...usage } : undefined;
        };
        const selected = query.stale === 'true' ? matching.filter((versioned) => staleness(versioned) !== undefined) : matching;
        const page = selected.slice(0, query.limit);
        const envs = environments();
        res.json({
          flags: page.map((versioned) => {
            const { state, version, updatedAt } = versioned;
            const stale = staleness(versioned);
            return {
              key: state.key,
              type: state.type,
              description: state.description,
              tags: state.tags,
              archived: state.archived,
              version,
              updatedAt,
              enabled: Object.fromEntries(envs.map((env) => [env, targetingIn(state, env).enabled])),
              ...(stale ? { stale } : {}),
            };
          }),
          nextCursor: selected.length > page.length ? page[page.length - 1]!.state.key : null,
        });
      },
      createFlag: async ({ res, body, command }) => {
        const outcome = await run(body.key, { type: 'CreateFlag', data: body }, command);
        res.setHeader('Location', `/admin/flags/${body.key}`);
        reply(res, 201, body.key, outcome);
      },
      getFlag: async ({ req, res, param, query: asOf }) => {
        if (asOf.version !== undefined || asOf.at !== undefined) return replyFlagAsOf(req, res, { model, history }, asOf);
        await model.refresh();
        reply(res, 200, param('key'));
      },
      changeFlag: async ({ res, param, body, command }) => {
        const key = knownKey(param('key'));
        reply(res, 200, key, await run(key, { type: 'ChangeFlagDetails', data: body }, command));
      },
      archiveFlag: async ({ res, param, command }) => {
        const key = knownKey(param('key'));
        reply(res, 200, key, await run(key, { type: 'ArchiveFlag' }, command));
      },
      restoreFlag: async ({ res, param, command }) => {
        const key = knownKey(param('key'));
        reply(res, 200, key, await run(key, { type: 'RestoreFlag' }, command));
      },
      getTargeting: async ({ res, param }) => {
        await model.refresh();
        const versioned = existing(model, param('key'));
        if (!model.environmentExists(param('env'))) throw new NotFoundError(`Environment ${param('env')} not found`);
        res.setHeader('ETag', etagOf(versioned.version)).json(targetingIn(versioned.state, param('env')));
      },
      changeTargeting: async ({ res, param, body: targeting, command }) => {
        const key = knownKey(param('key'));
        const flagCommand: FlagCommand = { type: 'ChangeTargeting', data: { environment: param('env'), targeting } };
        reply(res, 200, key, await run(key, flagCommand, command));
      },
      toggleFlag: async ({ res, param, body: { enabled }, command }) => {
        const key = knownKey(param('key'));
        const flagCommand: FlagCommand = { type: 'ToggleFlag', data: { environment: param('env'), enabled } };
        reply(res, 200, key, await run(key, flagCommand, command));
      },
      flagHistory: async ({ res, param }) => {
        const key = knownKey(param('key'));
        const events = await store.readStream(streamId(FLAG_CATEGORY, key));
        if (events.length === 0) throw new NotFoundError(`Flag ${key} not found`);
        res.json({ flagKey: key, events: events.map(historyEntry) });
      },
    }),
  ];
}

/** A path key that cannot be a flag key names no flag: 404 before the store is touched (after the body and headers are checked). */
function knownKey(key: string): string {
  if (!KEY_PATTERN.test(key)) throw new NotFoundError(`Flag ${key} not found`);
  return key;
}

function existing(model: WriteModel, key: string): Versioned<Flag> {
  const versioned = model.flagsByKey.get(key);
  if (!versioned) throw new NotFoundError(`Flag ${key} not found`);
  return versioned;
}
