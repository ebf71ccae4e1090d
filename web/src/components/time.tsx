import { formatTime } from '../format-time.ts';

/** An instant, shown with its zone (format-time.ts); the machine-readable value stays in `dateTime`. */
export function Time({ value }: { value: string }) {
  return <time dateTime={value}>{formatTime(value)}</time>;
}
