import { describe, expect, it } from 'vitest';
import { formatTime } from './format-time.ts';

describe('formatTime', () => {
  it('names the time zone it shows the moment in', () => {
    expect(formatTime('2026-12-07T21:40:00Z', { timeZone: 'UTC', locale: 'en-GB' })).toBe('7 Dec 2026, 21:40 UTC');
    expect(formatTime('2026-12-07T21:40:00Z', { timeZone: 'Asia/Tokyo', locale: 'en-GB' })).toBe('8 Dec 2026, 06:40 GMT+9');
  });

  it('shows a dash for no time and the raw text for one it cannot read', () => {
    expect(formatTime(null)).toBe('–');
    expect(formatTime('yesterday')).toBe('yesterday');
  });
});
