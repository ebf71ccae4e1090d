import { ConflictError, DomainRuleViolation, FlagstaffError, NotFoundError, ValidationError, issue, throwIfAny } from '../../shared/errors.ts';
import type { FlagEvent, ScheduledChange } from '../../shared/flag-events.ts';
import type { Flag } from '../../shared/flag-evolution.ts';
import type { Schedule } from '../../shared/flag-schedules.ts';
import { withRuleIds, type TargetingInput } from '../../shared/targeting.ts';
import { decideFlag, requireLive, targetingIssues, type FlagCommand, type FlagDecisionContext } from './flag-decider.ts';

/**
 * How far in the past `at` may be and still be taken (it then applies at once): a client's clock is a little
 * off, and a "now" it sends arrives a little later. Further back is a mistake, refused.
 */
export const AT_SKEW_MS = 5_000;
/** A schedule applied more than this after `at` says it was late: the promise is within a second. */
export const LATE_AFTER_MS = 1_000;

export type ScheduleCommand =
  | {
      type: 'ScheduleChange';
      data: {
        scheduleId: string;
        environment: string;
        at: Date;
        change: { enabled: boolean } | { targeting: TargetingInput };
        ifVersion?: number | undefined;
        createdBy: string;
        reason?: string | undefined;
      };
    }
  | { type: 'ApplySchedule'; data: { scheduleId: string } }
  /** `environment`: the one in the path; a schedule of another environment is not found there. */
  | { type: 'CancelSchedule'; data: { scheduleId: string; environment: string } };

/**
 * Pure: a flag's state, the command and the clock in, the events out, or a domain error. Applying decides the
 * change with the flag decider itself, so a scheduled change is held to exactly the rules of one made by hand.
 */
export function decideSchedule(command: ScheduleCommand, state: Flag | undefined, context: FlagDecisionContext, now: Date): FlagEvent[] {
  if (!state) throw new NotFoundError('Flag not found');
  switch (command.type) {
    case 'ScheduleChange':
      return [scheduled(command.data, state, context, now)];
    case 'ApplySchedule': {
      const schedule = existing(state, command.data.scheduleId);
      if (schedule.status !== 'pending') return []; // done already, here or by another process
      if (Date.parse(schedule.at) > now.getTime()) return [];
      return applied(schedule, state, context, now);
    }
    case 'CancelSchedule': {
      const schedule = existing(state, command.data.scheduleId, command.data.environment);
      if (schedule.status !== 'pending') throw new ConflictError(`Schedule ${schedule.id} is ${schedule.status}: only a pending schedule can be cancelled`);
      return [{ type: 'FlagScheduleCancelled', data: { scheduleId: schedule.id, environment: schedule.environment } }];
    }
    default: {
      const exhaustive: never = command;
      throw new Error(`unknown command ${(exhaustive as ScheduleCommand).type}`);
    }
  }
}

function scheduled(data: Extract<ScheduleCommand, { type: 'ScheduleChange' }>['data'], state: Flag, context: FlagDecisionContext, now: Date): FlagEvent {
  requireLive(state);
  const { scheduleId, environment, at, ifVersion, createdBy } = data;
  if (!context.environmentExists(environment)) throw new NotFoundError(`Environment ${environment} not found`);
  if (at.getTime() < now.getTime() - AT_SKEW_MS) {
    throw new ValidationError('Invalid schedule', [issue(['at'], `is in the past (${at.toISOString()}; it is now ${now.toISOString()})`)]);
  }
  const version = context.flagVersion(state.key);
  if (ifVersion !== undefined && ifVersion !== version) {
    throw new ConflictError('Invalid schedule', [issue(['ifVersion'], `the flag is at version ${version}, not ${ifVersion}: reload it and retry`)]);
  }
  let change: ScheduledChange;
  if ('targeting' in data.change) {
    const targeting = withRuleIds(data.change.targeting);
    // The same checks as PUT …/environments/:env, pointing into the change.
    // Stryker disable next-line Regex: every pointer starts with '#' (pointerOf), so the first '#' that /#/ finds is that one
    const issues = targetingIssues(state, environment, targeting, context).map((found) => ({ ...found, pointer: found.pointer.replace(/^#/, '#/change/targeting') }));
    throwIfAny(DomainRuleViolation, 'Invalid targeting', issues);
    change = { targeting };
  } else {
    change = { enabled: data.change.enabled };
  }
  return {
    type: 'FlagChangeScheduled',
    data: { scheduleId, environment, at: at.toISOString(), change, ifVersion: ifVersion ?? null, createdBy, reason: data.reason ?? null },
  };
}

/** The change and FlagScheduleApplied, or FlagScheduleFailed saying why the change cannot be made any more. */
function applied(schedule: Schedule, state: Flag, context: FlagDecisionContext, now: Date): FlagEvent[] {
  const { id: scheduleId, environment } = schedule;
  const failed = (reason: string): FlagEvent[] => [{ type: 'FlagScheduleFailed', data: { scheduleId, environment, reason } }];
  if (schedule.flagMoved) {
    return failed(`the flag changed after version ${schedule.ifVersion}, which the schedule was bound to`);
  }
  const flagCommand: FlagCommand =
    'enabled' in schedule.change
      ? { type: 'ToggleFlag', data: { environment, enabled: schedule.change.enabled } }
      : { type: 'ChangeTargeting', data: { environment, targeting: schedule.change.targeting } };
  let changes: FlagEvent[];
  try {
    changes = decideFlag(flagCommand, state, context);
  } catch (error) {
    if (!(error instanceof FlagstaffError)) throw error;
    // Stryker disable next-line Regex: every pointer starts with '#' (pointerOf), so the first '#' that /#/ finds is that one
    return failed([error.message, ...error.issues.map((i) => `${i.pointer.replace(/^#/, '#/change/targeting')} ${i.detail}`)].join('; '));
  }
  const lateByMs = Math.max(0, now.getTime() - Date.parse(schedule.at));
  return [
    ...changes.map((event) => ({ ...event, data: { ...event.data, scheduleId } }) as FlagEvent),
    { type: 'FlagScheduleApplied', data: { scheduleId, environment, late: lateByMs > LATE_AFTER_MS, lateByMs, changed: changes.length > 0 } },
  ];
}

function existing(state: Flag, scheduleId: string, environment?: string): Schedule {
  const schedule = state.schedules[scheduleId];
  if (!schedule || (environment !== undefined && schedule.environment !== environment)) throw new NotFoundError(`Schedule ${scheduleId} not found on flag ${state.key}`);
  return schedule;
}
