import { z } from 'zod';
import { parseWith } from '../http/validation.ts';
import { ValidationError, issue } from '../shared/errors.ts';
import { keySchema } from '../shared/keys.ts';

/** Flags per report, and variants per flag (a flag declares at most 100). */
export const MAX_USAGE_FLAGS = 10_000;
export const MAX_USAGE_VARIANTS = 100;

const dateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone, such as 2025-01-31T12:00:00Z' });
/** A safe integer (zod's int() refuses what a double cannot count exactly); a variant served no time is left out. */
const count = z.number().int('must be a whole number').min(1, 'must be at least 1');
const variantCounts = z
  .record(keySchema, count)
  .refine((variants) => Object.keys(variants).length <= MAX_USAGE_VARIANTS, `must name at most ${MAX_USAGE_VARIANTS} variants`);

/**
 * `POST /api/v1/usage`: how often an SDK's local evaluations served each variant of each flag over a period, as
 * Unleash's SDKs report a metrics bucket (`{ start, stop, toggles }`), so that the stale-flags report counts
 * evaluations that never reached the server.
 */
export const usageReportBody = z.strictObject({
  start: dateTime,
  stop: dateTime,
  flags: z
    .record(keySchema, variantCounts)
    .refine((flags) => Object.keys(flags).length <= MAX_USAGE_FLAGS, `must name at most ${MAX_USAGE_FLAGS.toLocaleString('en-US')} flags`),
});

export type UsageReportBody = z.infer<typeof usageReportBody>;

/**
 * Validates a report: the shape, then the period (start no later than stop, stop no later than the server's clock
 * allows). Every bad field is named; a bad report changes nothing.
 */
export function parseUsageReport(body: unknown, policy: { maxFutureSkewMs: number; now?: () => number }): UsageReportBody {
  const report = parseWith(usageReportBody, body);
  const issues = [];
  const start = Date.parse(report.start);
  const stop = Date.parse(report.stop);
  if (start > stop) issues.push(issue(['start'], 'must not be after stop'));
  if (stop > (policy.now ?? Date.now)() + policy.maxFutureSkewMs) issues.push(issue(['stop'], `is in the future: more than ${policy.maxFutureSkewMs} ms ahead of the server's clock`));
  if (issues.length > 0) throw new ValidationError('The request body is invalid', issues);
  return report;
}
