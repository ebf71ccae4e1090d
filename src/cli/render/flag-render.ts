import type { Targeting } from '../../shared/targeting.ts';
import { brief, renderPairs, renderTable, type Cell } from '../output.ts';
import { serveText } from './explain-render.ts';

export interface FlagSummary {
  key: string;
  type: string;
  description: string;
  tags: string[];
  archived: boolean;
  version: number;
  updatedAt: string;
  enabled: Record<string, boolean>;
}

/** A flag of the stale report (`GET /admin/flags?stale=true`): why it is stale and its usage over the period. */
export interface StaleFlag extends FlagSummary {
  stale: {
    reason: 'not-evaluated' | 'single-variant';
    staleDays: number;
    lastEvaluatedAt: string | null;
    evaluations: number;
    variants: Record<string, number>;
  };
}

export interface FlagResource {
  key: string;
  type: string;
  description: string;
  tags: string[];
  variants: Record<string, unknown>;
  archived: boolean;
  version: number;
  updatedAt: string;
  updatedBy: string | null;
  environments: Record<string, Targeting>;
  historical?: boolean;
  latestVersion?: number;
}

/** One row per flag, one on/off column per environment. */
export function renderFlagList(flags: readonly FlagSummary[]): string {
  if (flags.length === 0) return 'No flags.';
  const environments = [...new Set(flags.flatMap((f) => Object.keys(f.enabled)))];
  const rows: Cell[][] = flags.map((f) => [
    f.key + (f.archived ? ' (archived)' : ''),
    f.type,
    ...environments.map((env) => (f.enabled[env] ? 'on' : 'off')),
    f.tags.join(', '),
    f.version,
    brief(f.description, 40),
  ]);
  return renderTable(['key', 'type', ...environments, 'tags', 'version', 'description'], rows);
}

const STALE_REASONS = { 'not-evaluated': 'not evaluated', 'single-variant': 'one variant' } as const;

/** The stale report: why each flag is stale, what it served, and when it was last evaluated. */
export function renderStaleFlags(flags: readonly StaleFlag[], days: number): string {
  if (flags.length === 0) return `No stale flags: every flag older than ${days} days was evaluated, serving more than one variant.`;
  const rows: Cell[][] = flags.map((f) => [
    f.key,
    STALE_REASONS[f.stale.reason] ?? f.stale.reason,
    f.stale.evaluations,
    Object.entries(f.stale.variants).map(([variant, count]) => `${variant}=${count}`).join(' ') || '—',
    f.stale.lastEvaluatedAt ?? 'never',
    f.updatedAt,
  ]);
  return `${flags.length} flag(s) stale over the last ${days} days (counting server and SDK evaluations):\n${renderTable(['key', 'why', 'evaluations', 'variants served', 'last evaluated', 'last changed'], rows)}`;
}

export function renderFlag(flag: FlagResource): string {
  const lines: string[] = [];
  const when = flag.historical ? `version ${flag.version} of ${flag.latestVersion} (historical)` : `version ${flag.version}`;
  lines.push(`${flag.key} — ${flag.type} flag, ${when}${flag.archived ? ', archived' : ''}`);
  lines.push(
    renderPairs([
      ['description', flag.description || '—'],
      ['tags', flag.tags.join(', ') || '—'],
      ['variants', Object.entries(flag.variants).map(([name, value]) => `${name}=${brief(value, 30)}`).join('  ')],
      ['updated', `${flag.updatedAt}${flag.updatedBy ? ` by ${flag.updatedBy}` : ''}`],
    ]),
  );
  const rows: Cell[][] = Object.entries(flag.environments).map(([env, t]) => [
    env,
    t.enabled ? 'on' : 'off',
    t.offVariant,
    t.prerequisites.map((p) => `${p.flagKey}=${p.variant}`).join(', ') || '—',
    t.targets.map((target) => `${target.variant}: ${target.units.length} unit${target.units.length === 1 ? '' : 's'}`).join(', ') || '—',
    t.rules.map((r) => `${r.id} → ${serveText(r.serve)}`).join('\n') || '—',
    serveText(t.defaultServe),
  ]);
  lines.push(renderTable(['environment', 'enabled', 'off variant', 'prerequisites', 'targets', 'rules', 'default'], rows));
  return lines.join('\n');
}
