import { Router, type Response } from 'express';
import type { EventStore } from '../../event-store/event-store.ts';
import { requireRole } from '../../http/admin-auth.ts';
import { commandContext, etagOf, pathParam, replyVersioned } from '../../http/command-request.ts';
import { historyEntry } from '../../http/history.ts';
import { parseWith } from '../../http/validation.ts';
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
import { targetingIn, type Flag } from './flag.ts';
import { staleReason } from '../../usage/flag-usage.ts';
import { FlagHistory } from './flag-history.ts';
import { flagAsOfQuery, flagHistoryRoutes, replyFlagAsOf } from './flag-history-routes.ts';
import { flagResource } from './flag-resource.ts';

export function flagRoutes(deps: { store: EventStore; model: WriteModel }): Router {
  const { store, model } = deps;
  const router = Router();
  const history = new FlagHistory(store);
  model.onFlagFolded((key, event, flag) => history.observe(key, event.version, event.recordedAt, flag));
  router.use(flagHistoryRoutes({ store, model, history }));

  const run = (key: string, command: FlagCommand, context: CommandContext): Promise<CommandOutcome> => executeFlagCommand(deps, key, command, context);

  const environments = (): string[] => [...model.environments.keys()];
  const represent = (versioned: Versioned<Flag>) => flagResource(versioned, environments());
  const reply = (res: Response, status: number, key: string, outcome?: CommandOutcome): void =>
    replyVersioned(res, status, model.flagsByKey.get(key), `Flag ${key}`, represent, outcome);

  router.get('/admin/flags', async (req, res) => {
    const query = parseWith(listFlagsQuery, req.query, 'query');
    await model.refresh();
    const needle = query.q?.toLowerCase();
    const matching = [...model.flagsByKey.values()]
      .filter(({ state }) => (query.archived === 'all' ? true : state.archived === (query.archived === 'true')))
      .filter(({ state }) => query.tag === undefined || state.tags.includes(query.tag))
      .filter(({ state }) => !needle || state.key.includes(needle) || state.description.toLowerCase().includes(needle))
      .filter(({ state }) => query.after === undefined || state.key > query.after)
      .sort((a, b) => (a.state.key < b.state.key ? -1 : 1));
    // The stale report: usage over the period, from evaluation telemetry (src/usage/flag-usage.ts).
    const since = new Date(Date.now() - query.staleDays * 86_400_000);
    const usageOf = (key: string) => model.usage.summary(key, since);
    const selected =
      query.stale === 'true'
        ? matching.flatMap((versioned) => {
            const usage = usageOf(versioned.state.key);
            const reason = staleReason(usage, versioned.createdAt, since);
            return reason ? [{ versioned, stale: { reason, staleDays: query.staleDays, ...usage } }] : [];
          })
        : matching.map((versioned) => ({ versioned, stale: undefined }));
    const page = selected.slice(0, query.limit);
    const envs = environments();
    res.json({
      flags: page.map(({ versioned: { state, version, updatedAt }, stale }) => ({
        key: state.key,
        type: state.type,
        description: state.description,
        tags: state.tags,
        archived: state.archived,
        version,
        updatedAt,
        enabled: Object.fromEntries(envs.map((env) => [env, targetingIn(state, env).enabled])),
        ...(stale ? { stale } : {}),
      })),
      nextCursor: selected.length > page.length ? page[page.length - 1]!.versioned.state.key : null,
    });
  });

  router.post('/admin/flags', requireRole('editor'), async (req, res) => {
    const body = parseWith(createFlagBody, req.body);
    const outcome = await run(body.key, { type: 'CreateFlag', data: body }, commandContext(req, res, { ifMatch: 'ignored' }));
    res.setHeader('Location', `/admin/flags/${body.key}`);
    reply(res, 201, body.key, outcome);
  });

  router.get('/admin/flags/:key', async (req, res) => {
    const asOf = parseWith(flagAsOfQuery, req.query, 'query');
    if (asOf.version !== undefined || asOf.at !== undefined) return replyFlagAsOf(req, res, { model, history }, asOf);
    await model.refresh();
    reply(res, 200, pathParam(req, 'key'));
  });

  router.put('/admin/flags/:key', requireRole('editor'), async (req, res) => {
    const key = knownKey(pathParam(req, 'key'));
    const body = parseWith(changeFlagBody, req.body);
    const outcome = await run(key, { type: 'ChangeFlagDetails', data: body }, commandContext(req, res, { ifMatch: 'required' }));
    reply(res, 200, key, outcome);
  });

  router.delete('/admin/flags/:key', requireRole('editor'), async (req, res) => {
    const key = knownKey(pathParam(req, 'key'));
    const outcome = await run(key, { type: 'ArchiveFlag' }, commandContext(req, res, { ifMatch: 'optional' }));
    reply(res, 200, key, outcome);
  });

  router.post('/admin/flags/:key/restore', requireRole('editor'), async (req, res) => {
    const key = knownKey(pathParam(req, 'key'));
    const outcome = await run(key, { type: 'RestoreFlag' }, commandContext(req, res, { ifMatch: 'optional' }));
    reply(res, 200, key, outcome);
  });

  router.get('/admin/flags/:key/environments/:env', async (req, res) => {
    await model.refresh();
    const versioned = existing(model, pathParam(req, 'key'));
    if (!model.environmentExists(pathParam(req, 'env'))) throw new NotFoundError(`Environment ${pathParam(req, 'env')} not found`);
    res.setHeader('ETag', etagOf(versioned.version)).json(targetingIn(versioned.state, pathParam(req, 'env')));
  });

  router.put('/admin/flags/:key/environments/:env', requireRole('editor'), async (req, res) => {
    const key = knownKey(pathParam(req, 'key'));
    const targeting = parseWith(targetingBody, req.body);
    const command: FlagCommand = { type: 'ChangeTargeting', data: { environment: pathParam(req, 'env'), targeting } };
    const outcome = await run(key, command, commandContext(req, res, { ifMatch: 'required' }));
    reply(res, 200, key, outcome);
  });

  router.post('/admin/flags/:key/environments/:env/toggle', requireRole('editor'), async (req, res) => {
    const key = knownKey(pathParam(req, 'key'));
    const { enabled } = parseWith(toggleBody, req.body);
    const command: FlagCommand = { type: 'ToggleFlag', data: { environment: pathParam(req, 'env'), enabled } };
    const outcome = await run(key, command, commandContext(req, res, { ifMatch: 'optional' }));
    reply(res, 200, key, outcome);
  });

  router.get('/admin/flags/:key/history', async (req, res) => {
    const key = knownKey(pathParam(req, 'key'));
    const events = await store.readStream(streamId(FLAG_CATEGORY, key));
    if (events.length === 0) throw new NotFoundError(`Flag ${key} not found`);
    res.json({ flagKey: key, events: events.map(historyEntry) });
  });

  return router;
}

/** A path key that cannot be a flag key names no flag: 404 before any work. */
function knownKey(key: string): string {
  if (!KEY_PATTERN.test(key)) throw new NotFoundError(`Flag ${key} not found`);
  return key;
}

function existing(model: WriteModel, key: string): Versioned<Flag> {
  const versioned = model.flagsByKey.get(key);
  if (!versioned) throw new NotFoundError(`Flag ${key} not found`);
  return versioned;
}
