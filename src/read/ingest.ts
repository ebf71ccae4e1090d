import { z } from 'zod';
import { zodIssues } from '../http/validation.ts';
import { ServiceUnavailableError, ValidationError, type FieldIssue } from '../shared/errors.ts';
import type { BusMessage, EventBus } from '../shared/event-bus.ts';
import { trackedEventSchema, type TrackedEvent } from '../shared/tracked-events.ts';

export const MAX_EVENTS_PER_REQUEST = 10_000;

export const eventsEnvelope = z.strictObject({ events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_REQUEST) });

/**
 * `POST /api/v1/events`: every event is validated; if any is bad, the whole request is refused with a problem
 * listing each bad event by index (`#/events/12/timestamp`) and nothing is published, so a client can fix or
 * drop exactly those and resend. Otherwise the events are published, and the caller answers 202 only once the
 * bus has acknowledged them (with Kafka: written to all in-sync replicas).
 */
export interface IngestHooks {
  /** Called with the number of valid events before they are published; throws to refuse them (rate limit). */
  admit?(count: number): void;
  /** Told how many events were accepted, or rejected as invalid. */
  counted?(outcome: 'accepted' | 'rejected', count: number): void;
}

export async function ingestEvents(bus: EventBus, body: unknown, environment: string, hooks: IngestHooks = {}): Promise<{ accepted: number }> {
  const parsed = eventsEnvelope.safeParse(body);
  if (!parsed.success) throw new ValidationError('The request body is invalid', zodIssues(parsed.error));
  const issues: FieldIssue[] = [];
  const valid: TrackedEvent[] = [];
  parsed.data.events.forEach((raw, index) => {
    const result = trackedEventSchema.safeParse(raw);
    if (result.success) valid.push(result.data);
    else for (const i of zodIssues(result.error)) issues.push({ pointer: `#/events/${index}${i.pointer.slice(1)}`, detail: i.detail });
  });
  if (issues.length > 0) {
    hooks.counted?.('rejected', parsed.data.events.length);
    throw new ValidationError(`${new Set(issues.map((i) => i.pointer.split('/')[2])).size} of ${parsed.data.events.length} events are invalid; none was accepted`, issues);
  }
  hooks.admit?.(valid.length);

  const exposures: BusMessage[] = [];
  const metrics: BusMessage[] = [];
  for (const event of valid) {
    if (event.type === 'exposure') exposures.push({ key: event.unitId, value: JSON.stringify({ ...event, environment: event.environment ?? environment }) });
    else metrics.push({ key: event.unitId, value: JSON.stringify(event) });
  }
  try {
    await Promise.all([exposures.length > 0 ? bus.publish('exposures', exposures) : undefined, metrics.length > 0 ? bus.publish('metrics', metrics) : undefined]);
  } catch (error) {
    // Not acknowledged is not accepted: the client retries (event ids make a retry harmless).
    throw new ServiceUnavailableError(`The event bus did not acknowledge the events; retry: ${(error as Error).message}`);
  }
  hooks.counted?.('accepted', valid.length);
  return { accepted: valid.length };
}
