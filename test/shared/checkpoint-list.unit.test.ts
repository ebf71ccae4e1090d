import { describe, expect, it } from 'vitest';
import { CheckpointList } from '../../src/shared/checkpoint-list.ts';

const at = (n: number) => ({ at: n, recordedAt: n * 10, state: `s${n}` });

describe('CheckpointList: bounded checkpoints along a growing sequence', () => {
  it('is due once the sequence is the spacing past the last checkpoint, and keeps only checkpoints past the last', () => {
    const list = new CheckpointList<string>(5, 4);
    expect(list.isDue(4)).toBe(false);
    expect(list.isDue(5)).toBe(true);
    list.keep(at(5));
    expect(list.isDue(9)).toBe(false);
    expect(list.isDue(10)).toBe(true);
    list.keep(at(3)); // behind the frontier: another reader got further
    expect(list.size).toBe(1);
  });

  it('past its bound drops every second checkpoint, keeping the newest, and doubles the spacing', () => {
    const list = new CheckpointList<string>(1, 4);
    for (const n of [1, 2, 3, 4, 5]) list.keep(at(n));
    expect(list.size).toBe(3);
    expect(list.spacing).toBe(2);
    expect(list.latest(() => true)?.state).toBe('s5');
    expect([5, 4, 3, 2, 1].map((n) => list.latest((a) => a <= n)?.at)).toEqual([5, 3, 3, 1, 1]);
  });

  it('finds the latest checkpoint within a bound of position or time, none before the first', () => {
    const list = new CheckpointList<string>(10, 8);
    for (const n of [10, 20, 30]) list.keep(at(n));
    expect(list.latest((a) => a <= 25)?.state).toBe('s20');
    expect(list.latest((_a, recordedAt) => recordedAt <= 300)?.state).toBe('s30');
    expect(list.latest((a) => a < 10)).toBeUndefined();
  });

  it('refuses a spacing below 1 or a bound below 2', () => {
    expect(() => new CheckpointList(0, 4)).toThrow('spacing must be at least 1');
    expect(() => new CheckpointList(1, 1)).toThrow('spacing must be at least 1');
  });
});
