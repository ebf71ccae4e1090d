import type { ExposureRow, MetricEventRow } from '../analytics-store.ts';
import { pointerOf } from '../../shared/errors.ts';
import { boundedReason } from '../bus/dead-letters.ts';
import { trackedEventSchema } from '../../shared/tracked-events.ts';

/**
 * One record's fate in the sink, decided without I/O (PostHog's pipeline steps: an outcome, not an exception).
 * `ok` carries the row to store; `dlq` the reason the record goes to the dead-letter topic instead. There is no
 * `retry` here: a record alone is never transient; the store or the bus failing is, and fails the whole batch.
 */
export type RecordOutcome =
  | { readonly outcome: 'ok'; readonly kind: 'exposure'; readonly row: ExposureRow }
  | { readonly outcome: 'ok'; readonly kind: 'metric'; readonly row: MetricEventRow }
  | { readonly outcome: 'dlq'; readonly reason: string };

const dlq = (reason: string): RecordOutcome => ({ outcome: 'dlq', reason: boundedReason(reason) });

export function recordOutcome(value: string): RecordOutcome {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (error) {
    return dlq(`invalid JSON: ${(error as Error).message}`);
  }
  const parsed = trackedEventSchema.safeParse(json);
  if (!parsed.success) {
    return dlq(`invalid event: ${parsed.error.issues.map((issue) => `${pointerOf(issue.path)} ${issue.message}`).join('; ')}`);
  }
  const event = parsed.data;
  switch (event.type) {
    case 'exposure':
      return {
        outcome: 'ok',
        kind: 'exposure',
        row: {
          eventId: event.eventId,
          experimentKey: event.experimentKey ?? '',
          flagKey: event.flagKey,
          environment: event.environment ?? '',
          variant: event.variant,
          unitId: event.unitId,
          revision: event.revision ?? null,
          timestamp: new Date(event.timestamp),
        },
      };
    case 'metric':
      return {
        outcome: 'ok',
        kind: 'metric',
        row: {
          eventId: event.eventId,
          name: event.name,
          unitId: event.unitId,
          environment: event.environment ?? '',
          // A valueless event counts as 1, so the mean of a count metric is the count (analytics-store.ts).
          value: event.value ?? 1,
          timestamp: new Date(event.timestamp),
        },
      };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}
