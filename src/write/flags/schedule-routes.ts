import type { EventStore } from '../../event-store/event-store.ts';
import { ok, operation, serve, type ServedOperation } from '../../http/operation.ts';
import { NotFoundError } from '../../shared/errors.ts';
import type { Schedule } from '../../shared/flag-schedules.ts';
import { KEY_PATTERN } from '../../shared/keys.ts';
import { newId, sha256 } from '../../shared/tokens.ts';
import type { WriteModel } from '../write-model.ts';
import { executeOnFlag } from './flag-reservations.ts';
import { listSchedulesQuery, scheduleBody } from './flag-schemas.ts';
import { decideSchedule, type ScheduleCommand } from './schedule-decider.ts';

const PATH = '/admin/flags/{key}/environments/{env}/schedules';

export const scheduleOperations = {
  scheduleChange: operation({
    method: 'post', path: PATH, operationId: 'scheduleChange', tag: 'flags', auth: { admin: 'editor' },
    summary: 'Schedule a toggle or a targeting change of one environment for a time',
    description:
      'Applied within a second of `at`, exactly once across processes, as a change made by whoever scheduled it, with its reason; ' +
      '`at` may be at most 5 seconds in the past (it then applies at once). With `ifVersion` (the flag\'s current version) the ' +
      'schedule fails instead, with the reason, if the flag changed since. A schedule is an event in the flag\'s stream: it moves the flag\'s version.',
    body: { name: 'Schedule', schema: scheduleBody, example: { at: '2030-01-31T09:00:00Z', change: { enabled: true } } },
    command: { ifMatch: 'ignored' }, success: { status: 201, description: 'The pending schedule, with Location' },
  }),
  listSchedules: operation({
    method: 'get', path: PATH, operationId: 'listSchedules', tag: 'flags', auth: { admin: 'viewer' },
    summary: "A flag's schedules in one environment, by time, optionally only those with a status",
    query: listSchedulesQuery, success: ok('The schedules'),
  }),
  cancelSchedule: operation({
    method: 'delete', path: `${PATH}/{id}`, operationId: 'cancelSchedule', tag: 'flags', auth: { admin: 'editor' },
    summary: 'Cancel a pending schedule (409 once it applied, failed or was cancelled); a `reason` in the body is recorded',
    command: { ifMatch: 'ignored' }, success: ok('The cancelled schedule'),
  }),
};

/** Scheduled changes of a flag's environments; the scheduler (flag-scheduler.ts) applies them. */
export function scheduleRoutes(deps: { store: EventStore; model: WriteModel }): ServedOperation[] {
  const { model } = deps;
  return serve(scheduleOperations, {
    scheduleChange: async ({ res, param, body, command }) => {
      const key = knownKey(param('key'));
      // Under an Idempotency-Key the id is the key's: a retry finds the schedule its first attempt made.
      const scheduleId = command.idempotencyKey === undefined ? newId() : sha256(command.idempotencyKey).slice(0, 32);
      const { enabled, targeting } = body.change; // exactly one of them (the schema's refinement)
      const change = targeting === undefined ? { enabled: enabled! } : { targeting };
      const scheduleCommand: ScheduleCommand = {
        type: 'ScheduleChange',
        data: { scheduleId, environment: param('env'), at: body.at, change, ifVersion: body.ifVersion, createdBy: command.actor, reason: command.reason },
      };
      await executeOnFlag(deps, key, (state) => decideSchedule(scheduleCommand, state, model, command.now), command);
      res.setHeader('Location', `/admin/flags/${key}/environments/${param('env')}/schedules/${scheduleId}`);
      res.status(201).json(representation(key, scheduleOf(model, key, scheduleId)));
    },
    listSchedules: async ({ res, param, query }) => {
      await model.refresh();
      const key = param('key');
      const flag = model.flagsByKey.get(key);
      if (!flag) throw new NotFoundError(`Flag ${key} not found`);
      if (!model.environmentExists(param('env'))) throw new NotFoundError(`Environment ${param('env')} not found`);
      const schedules = Object.values(flag.state.schedules)
        .filter((s) => s.environment === param('env') && (query.status === undefined || s.status === query.status))
        .sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
      res.json({ flagKey: key, environment: param('env'), schedules: schedules.map((s) => representation(key, s)) });
    },
    cancelSchedule: async ({ res, param, command }) => {
      const key = knownKey(param('key'));
      const scheduleId = param('id');
      const cancel: ScheduleCommand = { type: 'CancelSchedule', data: { scheduleId, environment: param('env') } };
      await executeOnFlag(deps, key, (state) => decideSchedule(cancel, state, model, command.now), command);
      res.json(representation(key, scheduleOf(model, key, scheduleId)));
    },
  });
}

function scheduleOf(model: WriteModel, key: string, scheduleId: string): Schedule {
  const schedule = model.flagsByKey.get(key)?.state.schedules[scheduleId];
  if (!schedule) throw new NotFoundError(`Schedule ${scheduleId} not found`);
  return schedule;
}

function representation(flagKey: string, schedule: Schedule) {
  const { id, environment, at, change, status, createdBy, reason, ifVersion, outcome } = schedule;
  return { id, flagKey, environment, at, change, status, createdBy, reason, ifVersion, ...outcome };
}

/** A path key that cannot be a flag key names no flag: 404 before the store is touched. */
function knownKey(key: string): string {
  if (!KEY_PATTERN.test(key)) throw new NotFoundError(`Flag ${key} not found`);
  return key;
}
