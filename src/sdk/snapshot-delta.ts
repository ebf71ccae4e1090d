import type { EnvironmentSnapshot, FlagSnapshot, SnapshotDelta } from '../shared/snapshot.ts';

export type { SnapshotDelta };
import type { Condition } from '../shared/targeting.ts';

/** The snapshot a delta leads to. Unchanged flags keep their objects, so the engine recompiles only what changed. */
export function applyDelta(snapshot: EnvironmentSnapshot, delta: SnapshotDelta): EnvironmentSnapshot {
  const flags: Record<string, FlagSnapshot> = { ...snapshot.flags, ...delta.flags };
  for (const key of delta.deletedFlags) delete flags[key];
  const segments = { ...snapshot.segments, ...delta.segments };
  for (const key of delta.deletedSegments) delete segments[key];
  return { ...snapshot, revision: delta.revision, flags, segments };
}

/**
 * The flags whose evaluation may differ between two snapshots: those whose definition changed, those testing a
 * segment that changed, and, transitively, those with a changed flag as a prerequisite. A full snapshot after a
 * reconnect has new objects throughout, so definitions are compared by value, not identity.
 */
export function changedFlagKeys(previous: EnvironmentSnapshot | undefined, next: EnvironmentSnapshot): string[] {
  if (previous === undefined) return Object.keys(next.flags);
  const differs = <T>(a: T | undefined, b: T | undefined): boolean => a !== b && JSON.stringify(a) !== JSON.stringify(b);
  const changedSegments = new Set<string>();
  for (const key of new Set([...Object.keys(previous.segments), ...Object.keys(next.segments)])) {
    if (differs(previous.segments[key], next.segments[key])) changedSegments.add(key);
  }
  const changed = new Set<string>();
  for (const key of new Set([...Object.keys(previous.flags), ...Object.keys(next.flags)])) {
    const flag = next.flags[key];
    if (differs(previous.flags[key], flag) || (flag !== undefined && changedSegments.size > 0 && testsSegment(flag, changedSegments))) changed.add(key);
  }
  // Prerequisites form a DAG (the write side refuses cycles); a fixpoint stops anyway if one slipped through.
  for (let grew = changed.size > 0; grew; ) {
    grew = false;
    for (const [key, flag] of Object.entries(next.flags)) {
      if (!changed.has(key) && flag.prerequisites.some((p) => changed.has(p.flagKey))) {
        changed.add(key);
        grew = true;
      }
    }
  }
  return [...changed];
}

function testsSegment(flag: FlagSnapshot, segments: ReadonlySet<string>): boolean {
  const conditions: Condition[] = [...flag.rules.flatMap((rule) => rule.conditions), ...(flag.experiment?.audience ?? [])];
  return conditions.some((c) => (c.operator === 'in_segment' || c.operator === 'not_in_segment') && c.values.some((v) => segments.has(String(v))));
}
