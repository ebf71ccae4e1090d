import { describe, expect, it } from 'vitest';
import { ConflictError, DomainRuleViolation, NotFoundError, ValidationError, type FieldIssue } from '../../src/shared/errors.ts';
import type { FlagChangeScheduled, FlagCreated, FlagEvent } from '../../src/shared/flag-events.ts';
import { evolveFlag, type Flag } from '../../src/shared/flag-evolution.ts';
import { withRuleIds, type TargetingInput } from '../../src/shared/targeting.ts';
import type { FlagDecisionContext } from '../../src/write/flags/flag-decider.ts';
import { decideSchedule, type ScheduleCommand } from '../../src/write/flags/schedule-decider.ts';
import { deciderSpec } from '../support/decider-spec.ts';

const created: FlagCreated = {
  type: 'FlagCreated',
  data: { key: 'launch', type: 'boolean', description: '', tags: [], variants: { on: true, off: false }, hashVersion: 1 },
};
const AT = '2030-01-01T09:00:00.000Z';
const at = (offsetMs: number): Date => new Date(Date.parse(AT) + offsetMs);

/** The decider's view of the world; the flag's version is the number of given events (its stream's version). */
function world(versions: Record<string, number> = {}): FlagDecisionContext {
  return {
    environmentExists: (key) => ['staging', 'production'].includes(key),
    segmentExists: () => false,
    flag: () => undefined,
    flags: () => [],
    flagVersion: (key) => versions[key] ?? 1,
    experiment: () => undefined,
  };
}

/** Given/when/then with the clock at `now`. */
const spec = (now: Date, context: FlagDecisionContext = world()) =>
  deciderSpec<Flag, ScheduleCommand, FlagEvent>({ evolve: evolveFlag, decide: (c, s) => decideSchedule(c, s, context, now) });

const targeting = (overrides: Partial<TargetingInput> = {}): TargetingInput => ({
  enabled: true,
  offVariant: 'off',
  bucketBy: 'targetingKey',
  prerequisites: [],
  targets: [],
  rules: [],
  defaultServe: { variant: 'on' },
  ...overrides,
});

const schedule = (data: Partial<Extract<ScheduleCommand, { type: 'ScheduleChange' }>['data']> = {}): ScheduleCommand => ({
  type: 'ScheduleChange',
  data: { scheduleId: 's1', environment: 'production', at: new Date(AT), change: { enabled: true }, createdBy: 'alice', reason: 'launch at nine', ...data },
});
const scheduled = (data: Partial<FlagChangeScheduled['data']> = {}): FlagChangeScheduled => ({
  type: 'FlagChangeScheduled',
  data: { scheduleId: 's1', environment: 'production', at: AT, change: { enabled: true }, ifVersion: null, createdBy: 'alice', reason: 'launch at nine', ...data },
});
const apply: ScheduleCommand = { type: 'ApplySchedule', data: { scheduleId: 's1' } };
const cancel: ScheduleCommand = { type: 'CancelSchedule', data: { scheduleId: 's1', environment: 'production' } };
const pointers = (error: Error): string[] => ((error as { issues?: FieldIssue[] }).issues ?? []).map((i) => i.pointer);

describe('schedule decider', () => {
  describe('ScheduleChange', () => {
    it('schedules a toggle, recording who and why', () => {
      spec(at(-60_000))([created]).when(schedule()).then([scheduled()]);
    });

    it('schedules a targeting change, with rule ids as PUT gives them', () => {
      const change = targeting({ rules: [{ conditions: [{ attribute: 'country', operator: 'eq', values: ['NZ'] }], serve: { variant: 'on' } }] });
      spec(at(-60_000))([created])
        .when(schedule({ change: { targeting: change } }))
        .then([scheduled({ change: { targeting: withRuleIds(change) } })]);
    });

    it('takes an `at` up to 5 seconds past (a client clock a little behind), and refuses one further back, naming #/at', () => {
      spec(at(5_000))([created]).when(schedule()).then([scheduled()]);
      const error = spec(at(5_001))([created]).when(schedule()).thenThrows(ValidationError, /in the past/);
      expect(error.message).toBe('Invalid schedule');
      expect(pointers(error)).toEqual(['#/at']);
    });

    it('binds to ifVersion only when it is the flag version now', () => {
      spec(at(-1), world({ launch: 3 }))([created]).when(schedule({ ifVersion: 3 })).then([scheduled({ ifVersion: 3 })]);
      const error = spec(at(-1), world({ launch: 3 }))([created]).when(schedule({ ifVersion: 2 })).thenThrows(ConflictError, /version 3, not 2/);
      expect(error.message).toBe('Invalid schedule');
      expect(pointers(error)).toEqual(['#/ifVersion']);
    });

    it('refuses an invalid targeting with the checks of PUT, pointing into the change', () => {
      const error = spec(at(-1))([created])
        .when(schedule({ change: { targeting: targeting({ defaultServe: { variant: 'maybe' } }) } }))
        .thenThrows(DomainRuleViolation, /names no variant/);
      expect(error.message).toBe('Invalid targeting');
      expect(pointers(error)).toEqual(['#/change/targeting/defaultServe/variant']);
    });

    it('refuses an unknown flag, an unknown environment and an archived flag', () => {
      spec(at(-1))([]).when(schedule()).thenThrows(NotFoundError, /Flag not found/);
      spec(at(-1))([created]).when(schedule({ environment: 'moon' })).thenThrows(NotFoundError, /Environment moon/);
      spec(at(-1))([created, { type: 'FlagArchived', data: {} }]).when(schedule()).thenThrows(ConflictError, /archived/);
    });
  });

  describe('ApplySchedule', () => {
    it('makes the change, carrying the schedule id, and says it applied on time', () => {
      spec(at(300))([created, scheduled()])
        .when(apply)
        .then([
          { type: 'FlagToggled', data: { environment: 'production', enabled: true, scheduleId: 's1' } },
          { type: 'FlagScheduleApplied', data: { scheduleId: 's1', environment: 'production', late: false, lateByMs: 300, changed: true } },
        ]);
    });

    it('is on time up to a second after `at`', () => {
      spec(at(1_000))([created, scheduled()])
        .when(apply)
        .then([
          { type: 'FlagToggled', data: { environment: 'production', enabled: true, scheduleId: 's1' } },
          { type: 'FlagScheduleApplied', data: { scheduleId: 's1', environment: 'production', late: false, lateByMs: 1_000, changed: true } },
        ]);
    });

    it('says how late it is when applied more than a second after `at` (every process was down)', () => {
      spec(at(3_600_000))([created, scheduled()])
        .when(apply)
        .then([
          { type: 'FlagToggled', data: { environment: 'production', enabled: true, scheduleId: 's1' } },
          { type: 'FlagScheduleApplied', data: { scheduleId: 's1', environment: 'production', late: true, lateByMs: 3_600_000, changed: true } },
        ]);
    });

    it('applies a targeting change', () => {
      const change = withRuleIds(targeting({ defaultServe: { variant: 'off' } }));
      spec(at(0))([created, scheduled({ change: { targeting: change } })])
        .when(apply)
        .then([
          { type: 'FlagTargetingChanged', data: { environment: 'production', targeting: change, scheduleId: 's1' } },
          { type: 'FlagScheduleApplied', data: { scheduleId: 's1', environment: 'production', late: false, lateByMs: 0, changed: true } },
        ]);
    });

    it('applies without a change when the flag already is so', () => {
      const on: FlagEvent = { type: 'FlagToggled', data: { environment: 'production', enabled: true } };
      spec(at(0))([created, on, scheduled()])
        .when(apply)
        .then([{ type: 'FlagScheduleApplied', data: { scheduleId: 's1', environment: 'production', late: false, lateByMs: 0, changed: false } }]);
    });

    it('does nothing before `at`, and nothing once applied, failed or cancelled (exactly once)', () => {
      spec(at(-1))([created, scheduled()]).when(apply).then([]);
      const applied: FlagEvent = { type: 'FlagScheduleApplied', data: { scheduleId: 's1', environment: 'production', late: false, lateByMs: 0, changed: true } };
      spec(at(10))([created, scheduled(), applied]).when(apply).then([]);
      spec(at(10))([created, scheduled(), { type: 'FlagScheduleCancelled', data: { scheduleId: 's1', environment: 'production' } }]).when(apply).then([]);
      spec(at(10))([created, scheduled(), { type: 'FlagScheduleFailed', data: { scheduleId: 's1', environment: 'production', reason: 'x' } }]).when(apply).then([]);
    });

    it('fails, with the reason, when the flag changed after the version it was bound to', () => {
      const moved: FlagEvent = { type: 'FlagDetailsChanged', data: { description: 'moved', tags: [], variants: { on: true, off: false } } };
      spec(at(0))([created, scheduled({ ifVersion: 1 }), moved])
        .when(apply)
        .then([{ type: 'FlagScheduleFailed', data: { scheduleId: 's1', environment: 'production', reason: 'the flag changed after version 1, which the schedule was bound to' } }]);
    });

    it('is not failed by bookkeeping: other schedules, cancelled or not, do not move the flag', () => {
      const other = scheduled({ scheduleId: 's2', at: at(60_000).toISOString() });
      const cancelled: FlagEvent = { type: 'FlagScheduleCancelled', data: { scheduleId: 's2', environment: 'production' } };
      spec(at(0))([created, scheduled({ ifVersion: 1 }), other, cancelled])
        .when(apply)
        .then([
          { type: 'FlagToggled', data: { environment: 'production', enabled: true, scheduleId: 's1' } },
          { type: 'FlagScheduleApplied', data: { scheduleId: 's1', environment: 'production', late: false, lateByMs: 0, changed: true } },
        ]);
    });

    it('fails, with the reason, when the change cannot be made any more (the flag was archived)', () => {
      spec(at(0))([created, scheduled(), { type: 'FlagArchived', data: {} }])
        .when(apply)
        .then([{ type: 'FlagScheduleFailed', data: { scheduleId: 's1', environment: 'production', reason: 'Flag launch is archived: restore it before changing it' } }]);
    });

    it('fails, naming each problem inside the change, when its targeting no longer holds (a segment deleted since)', () => {
      const change = withRuleIds(targeting({ rules: [{ conditions: [{ operator: 'in_segment', values: ['beta'] }], serve: { variant: 'on' } }] }));
      spec(at(0))([created, scheduled({ change: { targeting: change } })])
        .when(apply)
        .then([
          {
            type: 'FlagScheduleFailed',
            data: { scheduleId: 's1', environment: 'production', reason: 'Invalid targeting; #/change/targeting/rules/0/conditions/0/values/0 names no segment (beta does not exist or is archived)' },
          },
        ]);
    });

    it('refuses an unknown schedule', () => {
      spec(at(0))([created]).when(apply).thenThrows(NotFoundError, /Schedule s1 not found/);
    });
  });

  it('refuses a command it does not know (a caller outside the type system)', () => {
    expect(() => decideSchedule({ type: 'Reschedule' } as never, evolveFlag(undefined, created), world(), at(0))).toThrow(new Error('unknown command Reschedule'));
  });

  describe('CancelSchedule', () => {
    it('cancels a pending schedule', () => {
      spec(at(-10))([created, scheduled()]).when(cancel).then([{ type: 'FlagScheduleCancelled', data: { scheduleId: 's1', environment: 'production' } }]);
    });

    it('refuses a schedule that is no longer pending (409) or unknown (404)', () => {
      const applied: FlagEvent = { type: 'FlagScheduleApplied', data: { scheduleId: 's1', environment: 'production', late: false, lateByMs: 0, changed: true } };
      spec(at(10))([created, scheduled(), applied]).when(cancel).thenThrows(ConflictError, /is applied/);
      spec(at(10))([created, scheduled(), { type: 'FlagScheduleCancelled', data: { scheduleId: 's1', environment: 'production' } }]).when(cancel).thenThrows(ConflictError, /is cancelled/);
      spec(at(10))([created]).when(cancel).thenThrows(NotFoundError, /not found/);
    });

    it('does not find a schedule under another environment than its own', () => {
      spec(at(-10))([created, scheduled()])
        .when({ type: 'CancelSchedule', data: { scheduleId: 's1', environment: 'staging' } })
        .thenThrows(NotFoundError, /Schedule s1 not found/);
    });
  });
});
