import type { Serve, Targeting } from './types.ts';
import { formatPercent } from './weights.ts';

/** "on" or "on 25% · off 75%". */
export function describeServe(serve: Serve): string {
  return 'variant' in serve ? serve.variant : serve.split.map((p) => `${p.variant} ${formatPercent(p.weight)}`).join(' · ');
}

/** One line about an environment's targeting, for timelines and snapshots. */
export function describeTargeting(t: Targeting): string {
  const parts = [t.enabled ? 'on' : `off (serves ${t.offVariant})`];
  if (t.prerequisites.length) parts.push(`${t.prerequisites.length} prerequisite${t.prerequisites.length > 1 ? 's' : ''}`);
  if (t.targets.length) parts.push(`${t.targets.reduce((n, x) => n + x.units.length, 0)} targeted units`);
  parts.push(`${t.rules.length} rule${t.rules.length === 1 ? '' : 's'}`);
  parts.push(`default ${describeServe(t.defaultServe)}`);
  return parts.join(', ');
}

/** A JSON value on one line, shortened: diffs show before and after side by side. */
export function brief(value: unknown, max = 120): string {
  if (value === undefined) return '–';
  const text = JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
