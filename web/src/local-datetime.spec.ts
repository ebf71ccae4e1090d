import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isoToLocal, localToIso } from './local-datetime.ts';

// Node reads TZ again when it is assigned: each test sees the viewer in a zone with an odd offset.
const originalZone = process.env['TZ'];
beforeEach(() => {
  process.env['TZ'] = 'America/St_Johns'; // UTC-3:30 in winter, UTC-2:30 in summer
});
afterEach(() => {
  if (originalZone === undefined) delete process.env['TZ'];
  else process.env['TZ'] = originalZone;
});

describe('localToIso', () => {
  it("reads the input's value as the viewer's wall-clock time and gives the instant in UTC", () => {
    expect(localToIso('2026-12-07T08:30')).toBe('2026-12-07T12:00:00.000Z');
    expect(localToIso('2026-12-07T08:30:15')).toBe('2026-12-07T12:00:15.000Z');
    expect(localToIso('2026-07-01T08:30:00')).toBe('2026-07-01T11:00:00.000Z');
  });

  it('keeps the date when the offset crosses midnight', () => {
    expect(localToIso('2026-12-07T22:00')).toBe('2026-12-08T01:30:00.000Z');
  });

  it('gives null for an empty value and for anything that is not the input’s shape', () => {
    expect(localToIso('')).toBeNull();
    expect(localToIso('2026-12-07')).toBeNull();
    expect(localToIso('tomorrow')).toBeNull();
    expect(localToIso('2026-13-45T25:00')).toBeNull();
  });
});

describe('isoToLocal', () => {
  it("writes an instant as the input's value in the viewer's zone, to the second", () => {
    expect(isoToLocal(new Date('2026-12-07T12:00:15.900Z'))).toBe('2026-12-07T08:30:15');
    expect(isoToLocal(new Date('2026-12-08T01:30:00Z'))).toBe('2026-12-07T22:00:00');
  });

  it('is undone by localToIso', () => {
    const instant = '2026-07-01T11:05:09.000Z';
    expect(localToIso(isoToLocal(new Date(instant)))).toBe(instant);
  });
});
