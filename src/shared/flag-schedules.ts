import { isBookkeeping, type FlagEvent, type ScheduledChange } from './flag-events.ts';

/** Where a scheduled change is: waiting for `at`, or done one way or another (never twice). */
export type ScheduleStatus = 'pending' | 'applied' | 'failed' | 'cancelled';

/** A scheduled change as its flag's events tell it (see FlagChangeScheduled). */
export interface Schedule {
  readonly id: string;
  readonly environment: string;
  readonly at: string;
  readonly change: ScheduledChange;
  readonly status: ScheduleStatus;
  readonly createdBy: string;
  readonly reason: string | null;
  readonly ifVersion: number | null;
  /** For a schedule bound to `ifVersion`: the flag changed since it was scheduled, so it must fail. */
  readonly flagMoved: boolean;
  /** How it ended: how late it applied, or why it failed. */
  readonly outcome?: { readonly lateByMs: number; readonly late: boolean } | { readonly failure: string };
}

export type Schedules = Readonly<Record<string, Schedule>>;

/** A flag's schedules after `event`. Like reservations they are not content: a rollback of the flag keeps today's. */
export function evolveSchedules(schedules: Schedules, event: FlagEvent): Schedules {
  const settle = (id: string, status: ScheduleStatus, outcome: Schedule['outcome']): Schedules => {
    const schedule = schedules[id];
    if (schedule === undefined) return schedules;
    return { ...schedules, [id]: { ...schedule, status, ...(outcome ? { outcome } : {}) } };
  };
  switch (event.type) {
    case 'FlagChangeScheduled': {
      const { scheduleId: id, environment, at, change, ifVersion, createdBy, reason } = event.data;
      return { ...schedules, [id]: { id, environment, at, change, status: 'pending', createdBy, reason, ifVersion, flagMoved: false } };
    }
    case 'FlagScheduleApplied':
      return settle(event.data.scheduleId, 'applied', { lateByMs: event.data.lateByMs, late: event.data.late });
    case 'FlagScheduleFailed':
      return settle(event.data.scheduleId, 'failed', { failure: event.data.reason });
    case 'FlagScheduleCancelled':
      return settle(event.data.scheduleId, 'cancelled', undefined);
    default: {
      if (isBookkeeping(event)) return schedules; // only a change to the flag itself can move it past an ifVersion
      const moving = Object.values(schedules).filter((s) => s.status === 'pending' && s.ifVersion !== null && !s.flagMoved);
      if (moving.length === 0) return schedules;
      return { ...schedules, ...Object.fromEntries(moving.map((s) => [s.id, { ...s, flagMoved: true }])) };
    }
  }
}
