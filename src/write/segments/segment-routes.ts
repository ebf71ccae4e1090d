import { Router, type Response } from 'express';
import { z } from 'zod';
import type { EventStore } from '../../event-store/event-store.ts';
import { requireRole } from '../../http/admin-auth.ts';
import { commandContext, pathParam, replyVersioned } from '../../http/command-request.ts';
import { historyEntry } from '../../http/history.ts';
import { parseWith } from '../../http/validation.ts';
import { streamId } from '../../shared/domain-event.ts';
import { NotFoundError } from '../../shared/errors.ts';
import { keySchema } from '../../shared/keys.ts';
import { SEGMENT_CATEGORY } from '../../shared/segment-events.ts';
import { conditionSchema } from '../../shared/targeting.ts';
import { executeCommand, type CommandContext, type CommandOutcome } from '../../shared/command-handler.ts';
import type { Versioned } from '../../shared/versioned.ts';
import type { WriteModel } from '../write-model.ts';
import { decideSegment, type SegmentCommand } from './segment-decider.ts';
import type { Segment } from './segment.ts';

const units = z.array(z.string().min(1).max(256)).max(10_000).default([]);
const definition = {
  description: z.string().max(1_000).default(''),
  conditions: z.array(conditionSchema).max(100).default([]),
  included: units,
  excluded: units,
};
export const createSegmentBody = z.strictObject({ key: keySchema, ...definition });
/** PUT replaces the whole definition: what is left out is emptied. */
export const changeSegmentBody = z.strictObject(definition);

export function segmentRoutes(deps: { store: EventStore; model: WriteModel }): Router {
  const { store, model } = deps;
  const router = Router();

  const run = (key: string, command: SegmentCommand, context: CommandContext): Promise<CommandOutcome> =>
    executeCommand(
      deps,
      { streamId: streamId(SEGMENT_CATEGORY, key), current: () => model.segments.get(key), decide: (s) => decideSegment(command, s, model) },
      context,
    );
  const reply = (res: Response, status: number, key: string, outcome?: CommandOutcome): void =>
    replyVersioned(res, status, model.segments.get(key), `Segment ${key}`, segmentResource, outcome);

  router.get('/admin/segments', async (_req, res) => {
    await model.refresh();
    const segments = [...model.segments.values()].sort((a, b) => (a.state.key < b.state.key ? -1 : 1));
    res.json({ segments: segments.map(segmentResource) });
  });

  router.post('/admin/segments', requireRole('editor'), async (req, res) => {
    const body = parseWith(createSegmentBody, req.body);
    const outcome = await run(body.key, { type: 'CreateSegment', data: body }, commandContext(req, res, { ifMatch: 'ignored' }));
    res.setHeader('Location', `/admin/segments/${body.key}`);
    reply(res, 201, body.key, outcome);
  });

  router.get('/admin/segments/:key', async (req, res) => {
    await model.refresh();
    reply(res, 200, pathParam(req, 'key'));
  });

  router.put('/admin/segments/:key', requireRole('editor'), async (req, res) => {
    const key = pathParam(req, 'key');
    const body = parseWith(changeSegmentBody, req.body);
    const outcome = await run(key, { type: 'ChangeSegment', data: body }, commandContext(req, res, { ifMatch: 'required' }));
    reply(res, 200, key, outcome);
  });

  router.delete('/admin/segments/:key', requireRole('editor'), async (req, res) => {
    const key = pathParam(req, 'key');
    const outcome = await run(key, { type: 'ArchiveSegment' }, commandContext(req, res, { ifMatch: 'optional' }));
    reply(res, 200, key, outcome);
  });

  router.post('/admin/segments/:key/restore', requireRole('editor'), async (req, res) => {
    const key = pathParam(req, 'key');
    const outcome = await run(key, { type: 'RestoreSegment' }, commandContext(req, res, { ifMatch: 'optional' }));
    reply(res, 200, key, outcome);
  });

  router.get('/admin/segments/:key/history', async (req, res) => {
    const key = pathParam(req, 'key');
    const events = await store.readStream(streamId(SEGMENT_CATEGORY, key));
    if (events.length === 0) throw new NotFoundError(`Segment ${key} not found`);
    res.json({ segmentKey: key, events: events.map(historyEntry) });
  });

  return router;
}

function segmentResource({ state, version, createdAt, updatedAt, updatedBy }: Versioned<Segment>) {
  return { ...state, version, createdAt, updatedAt, updatedBy };
}
