import type { DiffEntry } from '../../shared/structural-diff.ts';
import type { ImportPlan, PlannedCommand } from '../import-plan.ts';
import { brief } from '../output.ts';

const SIGNS: Record<PlannedCommand['action'], string> = {
  create: '+',
  change: '~',
  targeting: '~',
  toggle: '~',
  restore: '+',
  archive: '-',
  start: '>',
  stop: '>',
  conclude: '>',
};

/** At most this many changed fields per command; a new flag's full targeting would drown the plan. */
const MAX_CHANGES = 12;

/** The dry-run diff of an import: one line per command, then the fields it changes. */
export function renderPlan(plan: ImportPlan): string {
  const lines: string[] = [];
  const count = plan.commands.length;
  lines.push(count === 0 ? 'No changes: the server already has this configuration.' : `Import plan: ${count} command${count === 1 ? '' : 's'} (${summary(plan.commands)})`);
  for (const command of plan.commands) {
    lines.push(`  ${SIGNS[command.action]} ${describeCommand(command)}`);
    for (const change of command.changes.slice(0, MAX_CHANGES)) lines.push(`      ${renderChange(change)}`);
    if (command.changes.length > MAX_CHANGES) lines.push(`      … ${command.changes.length - MAX_CHANGES} more`);
  }
  if (plan.blockers.length > 0) lines.push(`Cannot import: ${plan.blockers.length} problem${plan.blockers.length === 1 ? '' : 's'}`);
  return lines.join('\n');
}

export function describeCommand(command: PlannedCommand): string {
  const [kind, key] = splitEntity(command.entity);
  const where = command.environment ? ` in ${command.environment}` : '';
  if (command.action === 'toggle') return `toggle ${kind} ${key}${where} ${(command.body as { enabled: boolean }).enabled ? 'on' : 'off'}`;
  if (command.action === 'targeting') return `set targeting of ${kind} ${key}${where}`;
  return `${command.action} ${kind} ${key}`;
}

function renderChange(change: DiffEntry): string {
  if (change.op === 'added') return `+ ${change.path}: ${brief(change.after, 80)}`;
  if (change.op === 'removed') return `- ${change.path}: ${brief(change.before, 80)}`;
  return `~ ${change.path}: ${brief(change.before, 40)} → ${brief(change.after, 40)}`;
}

function summary(commands: readonly PlannedCommand[]): string {
  const counts = new Map<string, number>();
  for (const command of commands) {
    const label = `${command.action === 'targeting' ? 'targeting' : command.action}`;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts].map(([label, n]) => `${n} ${label}`).join(', ');
}

function splitEntity(entity: string): [string, string] {
  const at = entity.indexOf(':');
  return [entity.slice(0, at), entity.slice(at + 1)];
}
