import type { Targeting } from '../../shared/targeting.ts';
import { renderTable, type Cell } from '../output.ts';
import { serveText } from './explain-render.ts';

/** A schedule as the API answers it (`…/environments/:env/schedules`): its outcome's fields once it ended. */
export interface ScheduleResource {
  id: string;
  flagKey: string;
  environment: string;
  at: string;
  change: { enabled: boolean } | { targeting: Targeting };
  status: 'pending' | 'applied' | 'failed' | 'cancelled';
  createdBy: string;
  reason: string | null;
  ifVersion: number | null;
  lateByMs?: number;
  late?: boolean;
  failure?: string;
}

/** What the schedule will do (or did), as a person says it: "turn on", "set targeting: on, 2 rules, default off". */
export function changeInWords(change: ScheduleResource['change']): string {
  if ('enabled' in change) return change.enabled ? 'turn on' : 'turn off';
  const t = change.targeting;
  const rules = `${t.rules.length} rule${t.rules.length === 1 ? '' : 's'}`;
  return `set targeting: ${t.enabled ? 'on' : 'off'}, ${rules}, default ${serveText(t.defaultServe)}`;
}

/** The status, with why a schedule failed or that it applied late: what an operator looks for first. */
function statusText(schedule: ScheduleResource): string {
  if (schedule.status === 'failed' && schedule.failure !== undefined) return `failed: ${schedule.failure}`;
  if (schedule.status === 'applied' && schedule.late === true && schedule.lateByMs !== undefined) return `applied ${(schedule.lateByMs / 1_000).toFixed(1)}s late`;
  return schedule.status;
}

export function renderSchedules(schedules: readonly ScheduleResource[], flagKey: string, environment: string, status: string | undefined): string {
  if (schedules.length === 0) return `No ${status === undefined ? '' : `${status} `}schedules for ${flagKey} in ${environment}.`;
  const rows: Cell[][] = schedules.map((s) => [s.id, s.at, changeInWords(s.change), statusText(s), s.createdBy, s.reason]);
  return renderTable(['id', 'at', 'change', 'status', 'by', 'reason'], rows);
}
