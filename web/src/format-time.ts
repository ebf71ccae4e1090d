/**
 * A moment as people read it, always with its time zone ("7 Dec 2026, 21:40 UTC"), so a time copied into a
 * ticket or read by a colleague elsewhere means the same instant. The zone and locale are the browser's unless
 * given (tests give them).
 */
export function formatTime(iso: string | null | undefined, options: { timeZone?: string; locale?: string } = {}): string {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(options.locale, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
  });
}
