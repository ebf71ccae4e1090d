import { UsageError } from './cli-errors.ts';
import { isoTime } from './cli-context.ts';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * When a schedule is due: an ISO 8601 time with a zone (a date alone is its midnight UTC), or, for convenience, a
 * time from `now` (`+30s`, `+10m`, `+2h`, `+1d`), resolved here against this machine's clock so that the server
 * only ever sees an absolute time.
 */
export function scheduleTime(name: string, value: string, now: Date): string {
  const relative = /^\+([1-9]\d{0,9})([smhd])$/.exec(value);
  if (relative) {
    const at = new Date(now.getTime() + Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS]);
    if (Number.isNaN(at.getTime())) throw new UsageError(`${name} ${value} is further off than a date can be`);
    return at.toISOString();
  }
  try {
    return isoTime(name, value)!;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    // One message for every mistake, naming both forms: "in 10 minutes" may have been meant as either.
    throw new UsageError(
      `${name} must be an ISO 8601 time with a zone, such as 2027-01-31T09:00:00Z, or a time from now: +<n> with s, m, h or d, such as +30s, +10m, +2h, +1d; not ${JSON.stringify(value)}`,
    );
  }
}
