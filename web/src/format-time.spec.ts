import { describe, expect, it } from 'vitest';
import { formatTime, localZoneLabel } from './format-time.ts';

describe('formatTime', () => {
  it('shows the wall-clock time in the zone with its offset', () => {
    expect(formatTime('2026-12-07T13:03:22Z', 'Europe/Berlin')).toBe('2026-12-07 14:03:22 UTC+1');
    expect(formatTime('2026-12-07T13:03:22.987Z', 'UTC')).toBe('2026-12-07 13:03:22 UTC');
  });

  it('follows daylight saving time: the offset is the one at that instant', () => {
    expect(formatTime('2026-07-01T12:00:00Z', 'Europe/Berlin')).toBe('2026-07-01 14:00:00 UTC+2');
    expect(formatTime('2026-07-01T12:00:00Z', 'America/New_York')).toBe('2026-07-01 08:00:00 UTC-4');
    expect(formatTime('2026-01-01T12:00:00Z', 'America/New_York')).toBe('2026-01-01 07:00:00 UTC-5');
  });

  it('keeps the minutes of offsets that have them, and the date across midnight', () => {
    expect(formatTime('2026-12-07T20:00:00Z', 'Asia/Kolkata')).toBe('2026-12-08 01:30:00 UTC+5:30');
    expect(formatTime('2026-12-07T12:00:00Z', 'America/St_Johns')).toBe('2026-12-07 08:30:00 UTC-3:30');
  });

  it('writes midnight as 00, never 24', () => {
    expect(formatTime('2026-12-06T23:00:30Z', 'Europe/Berlin')).toBe('2026-12-07 00:00:30 UTC+1');
  });

  it('takes Date objects, and shows what is not an instant as it came', () => {
    expect(formatTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), 'UTC')).toBe('2026-01-02 03:04:05 UTC');
    expect(formatTime('yesterday', 'UTC')).toBe('yesterday');
  });

  it("uses the viewer's zone when none is given", () => {
    const instant = new Date('2026-12-07T13:03:22Z');
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect(formatTime(instant)).toBe(formatTime(instant, zone));
    expect(formatTime(instant)).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC([+-]\d{1,2}(:\d{2})?)?$/);
  });
});

describe('localZoneLabel', () => {
  it('names the offset alone, for inputs that carry no zone', () => {
    expect(localZoneLabel(new Date('2026-12-07T13:03:22Z'), 'Europe/Berlin')).toBe('UTC+1');
    expect(localZoneLabel(new Date('2026-12-07T13:03:22Z'), 'UTC')).toBe('UTC');
  });
});
