import type { FlagSchedule, ScheduledChange } from './admin-types.ts';
import { describeTargeting } from './describe-serve.ts';

/** A scheduled change in plain words: "Turn on", "Turn off", "Replace targeting (on, 2 rules, default off)". */
export function describeChange(change: ScheduledChange): string {
  if ('enabled' in change) return change.enabled ? 'Turn on' : 'Turn off';
  return `Replace targeting (${describeTargeting(change.targeting)})`;
}

/** How a schedule ended, for those that did: applied on time or late (and by how much), or why it failed. */
export function describeOutcome(schedule: Pick<FlagSchedule, 'status' | 'lateByMs' | 'late' | 'failure'>): string {
  switch (schedule.status) {
    case 'applied':
      return schedule.late ? `Applied ${formatDelay(schedule.lateByMs ?? 0)} late` : 'Applied on time';
    case 'failed':
      return `Failed: ${schedule.failure ?? 'no reason given'}`;
    case 'cancelled':
      return 'Cancelled';
    case 'pending':
      return '';
  }
}

/** 1500 → "1.5 s", 125000 → "2 min 5 s": lateness is seconds at most, unless every process was down. */
function formatDelay(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 60) return `${Number(seconds.toFixed(1))} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

/**
 * When to read the schedules again so the page shows a pending one as applied: a moment after the earliest is
 * due (the server applies within a second), and again every moment while one is overdue. Null when none is
 * pending, or the earliest is further off than a timer reaches (the page is reloaded long before then).
 */
export function refreshDelay(schedules: readonly Pick<FlagSchedule, 'status' | 'at'>[], now: Date, settleMs = 1_500): number | null {
  const due = schedules.filter((s) => s.status === 'pending').map((s) => Date.parse(s.at));
  if (due.length === 0) return null;
  const delay = Math.max(0, Math.min(...due) - now.getTime()) + settleMs;
  return delay > MAX_TIMER_MS ? null : delay;
}

/** setTimeout's longest delay (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;
