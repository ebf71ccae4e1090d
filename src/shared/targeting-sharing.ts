import type { Targeting } from './targeting.ts';

/**
 * A flag's environments mostly target alike (staging mirrors production): each part of `targeting` (rules,
 * targets, prerequisites, serve) equal to the same part of another environment's reuses that one's objects, so
 * it is held once. Safe because stored targeting is never changed in place.
 */
export function shareParts(targeting: Targeting, others: readonly Targeting[]): Targeting {
  if (others.length === 0) return targeting;
  let shared: Record<string, unknown> | undefined;
  for (const [part, value] of Object.entries(targeting)) {
    if (value === null || typeof value !== 'object') continue;
    let json: string | undefined;
    for (const other of others) {
      const candidate = (other as unknown as Record<string, unknown>)[part];
      if (candidate === value) break;
      if (candidate === null || typeof candidate !== 'object' || Array.isArray(candidate) !== Array.isArray(value)) continue;
      if (Array.isArray(value) && (candidate as unknown[]).length !== value.length) continue;
      json ??= JSON.stringify(value);
      if (JSON.stringify(candidate) === json) {
        (shared ??= { ...targeting })[part] = candidate;
        break;
      }
    }
  }
  return (shared as Targeting | undefined) ?? targeting;
}

/** Environments as one record holds them (a loaded file, a rollback event), their equal parts shared again. */
export function shareAll(environments: Readonly<Record<string, Targeting>>): Record<string, Targeting> {
  const shared: Record<string, Targeting> = {};
  for (const [name, targeting] of Object.entries(environments)) shared[name] = shareParts(targeting, Object.values(shared));
  return shared;
}
