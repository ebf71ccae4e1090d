import { describe, expect, it } from 'vitest';
import { applyDelta, changedFlagKeys } from '../../src/sdk/snapshot-delta.ts';
import type { EnvironmentSnapshot } from '../../src/shared/snapshot.ts';
import { flagSnapshot } from '../support/flag-snapshot.ts';

const flag = flagSnapshot;
const base: EnvironmentSnapshot = {
  formatVersion: 1,
  environment: 'production',
  revision: 10,
  segments: { beta: { key: 'beta', conditions: [], included: ['u1'], excluded: [] } },
  flags: {
    a: flag('a'),
    b: flag('b', { rules: [{ id: 'r', conditions: [{ operator: 'in_segment', values: ['beta'] }], serve: { variant: 'on' } }] }),
    c: flag('c', { prerequisites: [{ flagKey: 'b', variant: 'on' }] }),
    d: flag('d'),
  },
};

describe('snapshot deltas', () => {
  it('applies a delta: upserts, deletions, the new revision; untouched flags keep their objects', () => {
    const next = applyDelta(base, { previousRevision: 10, revision: 12, flags: { a: flag('a', { enabled: false }), e: flag('e') }, deletedFlags: ['d'], segments: {}, deletedSegments: ['beta'] });
    expect(next.revision).toBe(12);
    expect(Object.keys(next.flags).sort()).toEqual(['a', 'b', 'c', 'e']);
    expect(next.flags['b']).toBe(base.flags['b']);
    expect(next.segments).toEqual({});
  });

  it('names the flags that changed, those testing a changed segment, and their dependents by prerequisite', () => {
    expect(changedFlagKeys(base, { ...base, revision: 11 })).toEqual([]);
    expect(changedFlagKeys(base, JSON.parse(JSON.stringify(base)))).toEqual([]); // a fresh copy is not a change
    expect(changedFlagKeys(base, { ...base, flags: { ...base.flags, a: flag('a', { enabled: false }) } })).toEqual(['a']);
    const segmentChanged = { ...base, segments: { beta: { ...base.segments['beta']!, included: ['u2'] } } };
    expect(changedFlagKeys(base, segmentChanged).sort()).toEqual(['b', 'c']);
    const { d: _gone, ...rest } = base.flags;
    expect(changedFlagKeys(base, { ...base, flags: rest })).toEqual(['d']);
    expect(changedFlagKeys(undefined, base).sort()).toEqual(['a', 'b', 'c', 'd']);
  });
});
