import { describe, expect, it } from 'vitest';
import { describeChange, describeOutcome, refreshDelay } from './schedules.ts';
import type { Targeting } from './types.ts';

const targeting: Targeting = {
  enabled: true,
  offVariant: 'off',
  bucketBy: 'targetingKey',
  prerequisites: [],
  targets: [],
  rules: [{ conditions: [], serve: { variant: 'on' } }, { conditions: [], serve: { variant: 'off' } }],
  defaultServe: { variant: 'off' },
};

describe('describeChange', () => {
  it('says a toggle as the action it takes', () => {
    expect(describeChange({ enabled: true })).toBe('Turn on');
    expect(describeChange({ enabled: false })).toBe('Turn off');
  });

  it('says a targeting change replaces the targeting, and what the new one is', () => {
    expect(describeChange({ targeting })).toBe('Replace targeting (on, 2 rules, default off)');
    expect(describeChange({ targeting: { ...targeting, enabled: false, rules: [] } })).toBe('Replace targeting (off (serves off), 0 rules, default off)');
  });
});

describe('describeOutcome', () => {
  it('says whether an applied schedule kept to its time, and how late it was otherwise', () => {
    expect(describeOutcome({ status: 'applied', late: false, lateByMs: 120 })).toBe('Applied on time');
    expect(describeOutcome({ status: 'applied', late: true, lateByMs: 1_540 })).toBe('Applied 1.5 s late');
    expect(describeOutcome({ status: 'applied', late: true, lateByMs: 125_000 })).toBe('Applied 2 min 5 s late');
  });

  it("gives a failed schedule's reason", () => {
    expect(describeOutcome({ status: 'failed', failure: 'the flag changed after version 3, which the schedule was bound to' })).toBe(
      'Failed: the flag changed after version 3, which the schedule was bound to',
    );
  });

  it('says nothing of a pending one, and that a cancelled one was cancelled', () => {
    expect(describeOutcome({ status: 'pending' })).toBe('');
    expect(describeOutcome({ status: 'cancelled' })).toBe('Cancelled');
  });
});

describe('refreshDelay', () => {
  const now = new Date('2026-12-07T12:00:00Z');

  it('waits for the earliest pending schedule, plus the time it takes to apply', () => {
    const schedules = [
      { status: 'pending' as const, at: '2026-12-07T12:00:30Z' },
      { status: 'pending' as const, at: '2026-12-07T12:00:10Z' },
      { status: 'applied' as const, at: '2026-12-07T12:00:05Z' },
    ];
    expect(refreshDelay(schedules, now, 1_500)).toBe(11_500);
  });

  it('looks again shortly while a pending schedule is overdue', () => {
    expect(refreshDelay([{ status: 'pending', at: '2026-12-07T11:59:00Z' }], now, 1_500)).toBe(1_500);
  });

  it('does not look again when nothing is pending, or the earliest is beyond what a timer reaches', () => {
    expect(refreshDelay([{ status: 'cancelled', at: '2026-12-07T12:00:10Z' }, { status: 'failed', at: '2026-12-07T12:00:10Z' }], now)).toBeNull();
    expect(refreshDelay([{ status: 'pending', at: '2027-12-07T12:00:00Z' }], now)).toBeNull();
  });
});
