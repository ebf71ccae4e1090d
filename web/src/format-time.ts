/**
 * One way to show an instant everywhere in the app: `2026-12-07 14:03:22 UTC+1`, the wall-clock time in the
 * viewer's zone (or the one given) followed by that zone's offset at that instant. A bare local time is ambiguous
 * as soon as it is copied into a ticket or read by someone elsewhere, and the offset also tells summer from winter.
 */
export function formatTime(instant: string | Date, timeZone?: string): string {
  const date = typeof instant === 'string' ? new Date(instant) : instant;
  // Not an instant (a malformed string): shown as it came rather than as "Invalid Date".
  if (Number.isNaN(date.getTime())) return String(instant);
  const parts = formatterFor(timeZone).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')} ${utcOffset(part('timeZoneName'))}`;
}

/** The viewer's zone as an offset now (`UTC+1`), for inputs such as `datetime-local` that carry none. */
export function localZoneLabel(now: Date = new Date(), timeZone?: string): string {
  return formatTime(now, timeZone).split(' ')[2] ?? 'local time';
}

// Building an Intl formatter is costly next to using one; a page shows hundreds of times in a few zones at most.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string | undefined): Intl.DateTimeFormat {
  const cacheKey = timeZone ?? '';
  let formatter = formatters.get(cacheKey);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      // h23, not hour12: false, which some engines render as 24:05 after midnight.
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
      ...(timeZone === undefined ? {} : { timeZone }),
    });
    formatters.set(cacheKey, formatter);
  }
  return formatter;
}

/** Intl's `GMT+01:00` / `GMT-09:30` / `GMT` (some ICU versions: `GMT+00:00`) as `UTC+1` / `UTC-9:30` / `UTC`. */
function utcOffset(longOffset: string): string {
  const m = /^GMT([+-])(\d{2}):(\d{2})$/.exec(longOffset);
  if (!m) return longOffset === 'GMT' || longOffset === '' ? 'UTC' : longOffset;
  const [, sign, hours, minutes] = m;
  if (hours === '00' && minutes === '00') return 'UTC';
  return `UTC${sign}${Number(hours)}${minutes === '00' ? '' : `:${minutes}`}`;
}
