import type { Response } from 'express';
import { z } from 'zod';
import type { EventStore } from '../../event-store/event-store.ts';
import { replyVersioned } from '../../http/command-request.ts';
import { historyEntry } from '../../http/history.ts';
import { created, ok, operation, resource, serve, type ServedOperation } from '../../http/operation.ts';
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


export const segmentOperations = {
  listSegments: operation({ method: 'get', path: '/admin/segments', operationId: 'listSegments', tag: 'segments', auth: { admin: 'viewer' }, summary: 'List segments', success: ok('Every segment') }),
  createSegment: operation({
    method: 'post', path: '/admin/segments', operationId: 'createSegment', tag: 'segments', auth: { admin: 'editor' }, summary: 'Create a segment',
    body: { name: 'CreateSegment', schema: createSegmentBody, example: { key: 'beta-testers', description: 'Opted in', conditions: [{ attribute: 'plan', operator: 'eq', values: ['beta'] }], included: ['user-1'] } },
    command: { ifMatch: 'ignored', creates: true }, success: created('segment'),
  }),
  getSegment: operation({ method: 'get', path: '/admin/segments/{key}', operationId: 'getSegment', tag: 'segments', auth: { admin: 'viewer' }, summary: 'A segment', success: resource('segment') }),
  changeSegment: operation({
    method: 'put', path: '/admin/segments/{key}', operationId: 'changeSegment', tag: 'segments', auth: { admin: 'editor' },
    summary: "Replace a segment's definition (what is left out is emptied)",
    body: { name: 'ChangeSegment', schema: changeSegmentBody, example: { conditions: [{ attribute: 'plan', operator: 'in', values: ['beta', 'staff'] }] } },
    command: { ifMatch: 'required' }, success: resource('changed segment'),
  }),
  archiveSegment: operation({
    method: 'delete', path: '/admin/segments/{key}', operationId: 'archiveSegment', tag: 'segments', auth: { admin: 'editor' },
    summary: 'Archive a segment no flag uses', command: { ifMatch: 'optional' }, success: resource('archived segment'),
  }),
  restoreSegment: operation({
    method: 'post', path: '/admin/segments/{key}/restore', operationId: 'restoreSegment', tag: 'segments', auth: { admin: 'editor' },
    summary: 'Restore an archived segment', command: { ifMatch: 'optional' }, success: resource('restored segment'),
  }),
  segmentHistory: operation({ method: 'get', path: '/admin/segments/{key}/history', operationId: 'segmentHistory', tag: 'segments', auth: { admin: 'viewer' }, summary: 'Every event of a segment', success: ok('The history, oldest first') }),
};

export function segmentRoutes(deps: { store: EventStore; model: WriteModel }): ServedOperation[] {
  const { store, model } = deps;
  const run = (key: string, command: SegmentCommand, context: CommandContext): Promise<CommandOutcome> =>
    executeCommand(
      deps,
      { streamId: streamId(SEGMENT_CATEGORY, key), current: () => model.segments.get(key), decide: (s) => decideSegment(command, s, model) },
      context,
    );
  const reply = (res: Response, status: number, key: string, outcome?: CommandOutcome): void =>
    replyVersioned(res, status, model.segments.get(key), `Segment ${key}`, segmentResource, outcome);

  return serve(segmentOperations, {
    listSegments: async ({ res }) => {
      await model.refresh();
      const segments = [...model.segments.values()].sort((a, b) => (a.state.key < b.state.key ? -1 : 1));
      res.json({ segments: segments.map(segmentResource) });
    },
    createSegment: async ({ res, body, command }) => {
      const outcome = await run(body.key, { type: 'CreateSegment', data: body }, command);
      res.setHeader('Location', `/admin/segments/${body.key}`);
      reply(res, 201, body.key, outcome);
    },
    getSegment: async ({ res, param }) => {
      await model.refresh();
      reply(res, 200, param('key'));
    },
    changeSegment: async ({ res, param, body, command }) => {
      reply(res, 200, param('key'), await run(param('key'), { type: 'ChangeSegment', data: body }, command));
    },
    archiveSegment: async ({ res, param, command }) => {
      reply(res, 200, param('key'), await run(param('key'), { type: 'ArchiveSegment' }, command));
    },
    restoreSegment: async ({ res, param, command }) => {
      reply(res, 200, param('key'), await run(param('key'), { type: 'RestoreSegment' }, command));
    },
    segmentHistory: async ({ res, param }) => {
      const key = param('key');
      const events = await store.readStream(streamId(SEGMENT_CATEGORY, key));
      if (events.length === 0) throw new NotFoundError(`Segment ${key} not found`);
      res.json({ segmentKey: key, events: events.map(historyEntry) });
    },
  });
}

function segmentResource({ state, version, createdAt, updatedAt, updatedBy }: Versioned<Segment>) {
  return { ...state, version, createdAt, updatedAt, updatedBy };
}
