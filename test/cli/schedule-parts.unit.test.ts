import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/cli-errors.ts';
import { changeInWords, renderSchedules, type ScheduleResource } from '../../src/cli/render/schedule-render.ts';
import { scheduleTime } from '../../src/cli/schedule-time.ts';

const NOW = new Date('2026-12-08T09:00:00.000Z');

describe('the time of a schedule (--at)', () => {
  it('reads +<n> seconds, minutes, hours or days as that long from now', () => {
    expect(scheduleTime('--at', '+30s', NOW)).toBe('2026-12-08T09:00:30.000Z');
    expect(scheduleTime('--at', '+10m', NOW)).toBe('2026-12-08T09:10:00.000Z');
    expect(scheduleTime('--at', '+2h', NOW)).toBe('2026-12-08T11:00:00.000Z');
    expect(scheduleTime('--at', '+1d', NOW)).toBe('2026-12-09T09:00:00.000Z');
    expect(scheduleTime('--at', '+90m', new Date('2026-12-31T23:00:00.000Z'))).toBe('2027-01-01T00:30:00.000Z');
  });

  it('passes an ISO 8601 time with a zone on as it is, and a date alone as its midnight UTC', () => {
    expect(scheduleTime('--at', '2027-01-31T09:00:00+01:00', NOW)).toBe('2027-01-31T09:00:00+01:00');
    expect(scheduleTime('--at', '2027-01-31T08:00:00Z', NOW)).toBe('2027-01-31T08:00:00Z');
    expect(scheduleTime('--at', '2027-01-31', NOW)).toBe('2027-01-31T00:00:00Z');
  });

  it.each(['10m', '+10', '+m', '+0m', '+-5m', '-10m', '+1.5h', '+2w', '+2 h', ' +2h', '+2H', '+01m', 'tomorrow', '', '2027-01-31T09:00:00', '+99999999999d'])(
    'refuses %j with a usage error naming the option and the accepted forms',
    (value) => {
      expect(() => scheduleTime('--at', value, NOW)).toThrow(UsageError);
      expect(() => scheduleTime('--at', value, NOW)).toThrow(/^--at /);
    },
  );

  it('names both forms it takes, and says when a time from now is too far off', () => {
    const forms = '--at must be an ISO 8601 time with a zone, such as 2027-01-31T09:00:00Z, or a time from now: +<n> with s, m, h or d, such as +30s, +10m, +2h, +1d;';
    expect(() => scheduleTime('--at', '-10m', NOW)).toThrow(`${forms} not "-10m"`);
    expect(() => scheduleTime('--at', 'soon', NOW)).toThrow(`${forms} not "soon"`);
    expect(() => scheduleTime('--at', '+9999999999d', NOW)).toThrow('--at +9999999999d is further off than a date can be');
  });
});

describe('schedules for people', () => {
  const targeting = {
    enabled: true,
    offVariant: 'off',
    bucketBy: 'targetingKey',
    prerequisites: [],
    targets: [],
    rules: [{ id: 'us', conditions: [], serve: { variant: 'on' } }],
    defaultServe: { split: [{ variant: 'on', weight: 25_000 }, { variant: 'off', weight: 75_000 }] },
  } as unknown as Extract<ScheduleResource['change'], { targeting: unknown }>['targeting'];

  it('says a change in words', () => {
    expect(changeInWords({ enabled: true })).toBe('turn on');
    expect(changeInWords({ enabled: false })).toBe('turn off');
    expect(changeInWords({ targeting })).toBe('set targeting: on, 1 rule, default on 25% / off 75%');
    expect(changeInWords({ targeting: { ...targeting, enabled: false, rules: [], defaultServe: { variant: 'off' } } })).toBe('set targeting: off, 0 rules, default off');
  });

  it('lists id, time, change, status (why it failed, how late it applied), who and why', () => {
    const base = { flagKey: 'launch', environment: 'production', createdBy: 'token:ci#1', ifVersion: null };
    const text = renderSchedules(
      [
        { ...base, id: 'a1', at: '2026-12-08T09:00:00.000Z', change: { enabled: true }, status: 'applied', reason: 'launch', lateByMs: 2_345, late: true },
        { ...base, id: 'b2', at: '2026-12-08T10:00:00.000Z', change: { enabled: false }, status: 'failed', reason: null, failure: 'the flag changed after version 3' },
        { ...base, id: 'c3', at: '2026-12-08T11:00:00.000Z', change: { enabled: false }, status: 'pending', reason: null },
      ],
      'launch',
      'production',
      undefined,
    );
    const lines = text.split('\n');
    expect(lines[1]).toMatch(/^│ id +│ at +│ change +│ status +│ by +│ reason +│$/);
    expect(lines[2]).toMatch(/^│ a1 +│ 2026-12-08T09:00:00\.000Z │ turn on +│ applied 2\.3s late +│ token:ci#1 │ launch +│$/);
    expect(lines[3]).toMatch(/^│ b2 +│ 2026-12-08T10:00:00\.000Z │ turn off +│ failed: the flag changed after version 3 │ token:ci#1 │ — +│$/);
    expect(lines[4]).toMatch(/^│ c3 +│ 2026-12-08T11:00:00\.000Z │ turn off +│ pending +│ token:ci#1 │ — +│$/);
  });

  it('says when there are none, with the status asked for', () => {
    expect(renderSchedules([], 'launch', 'production', 'pending')).toBe('No pending schedules for launch in production.');
    expect(renderSchedules([], 'launch', 'staging', undefined)).toBe('No schedules for launch in staging.');
  });
});
