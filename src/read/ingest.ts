import { z } from 'zod';
import { zodIssues } from '../http/validation.ts';
import { ForbiddenError, ServiceUnavailableError, ValidationError, type FieldIssue } from '../shared/errors.ts';
import type { BusMessage, EventBus } from '../shared/event-bus.ts';
import { trackedEventSchema, type TrackedEvent } from '../shared/tracked-events.ts';

export const MAX_EVENTS_PER_REQUEST = 10_000;

const eventsEnvelope = z.strictObject({ events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_REQUEST) });

/**
 * `POST /api/v1/events` validates the envelope first, then each event with the tracked-event schema (so a bad
 * event is reported by index); documented as the envelope whose items are that schema.
 */
export const documentedEventsBody = eventsEnvelope.extend({ events: trackedEventSchema.array().min(1).max(MAX_EVENTS_PER_REQUEST) });

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

/** What the edge knows and the sink does not: who sent the events, and what time it is. */
/** How far ahead of the server's clock an event may be dated unless configured (FLAGSTAFF_EVENTS_MAX_FUTURE_SKEW_MS). */
export const DEFAULT_MAX_FUTURE_SKEW_MS = 3_600_000;

export interface IngestPolicy {
  /**
   * The sending key's environment. Every event is stored under it: experiment results count only their own
   * environment's data, so an event naming another one would let any key write any environment's results (403).
   */
  readonly environment: string;
  /**
   * How far ahead of the server's clock a timestamp may be: clients' clocks drift a little, but an event from
   * next year would sit in every window that reaches it. Checked here only, where "now" is known; the sink,
   * which may run much later, accepts whatever this accepted.
   */
  readonly maxFutureSkewMs: number;
  /** The server's clock (tests pass their own). */
  readonly now?: () => number;
}

export async function ingestEvents(bus: EventBus, body: unknown, policy: IngestPolicy, hooks: IngestHooks = {}): Promise<{ accepted: number }> {
  const parsed = eventsEnvelope.safeParse(body);
  if (!parsed.success) throw new ValidationError('The request body is invalid', zodIssues(parsed.error));
  const { environment } = policy;
  const latest = (policy.now ?? Date.now)() + policy.maxFutureSkewMs;
  const issues: FieldIssue[] = [];
  const foreign: FieldIssue[] = [];
  const valid: TrackedEvent[] = [];
  parsed.data.events.forEach((raw, index) => {
    const result = trackedEventSchema.safeParse(raw);
    if (!result.success) {
      for (const i of zodIssues(result.error)) issues.push({ pointer: `#/events/${index}${i.pointer.slice(1)}`, detail: i.detail });
      return;
    }
    const event = result.data;
    if (event.environment !== undefined && event.environment !== environment) {
      foreign.push({ pointer: `#/events/${index}/environment`, detail: `this key belongs to ${environment}, not ${event.environment}` });
    } else if (Date.parse(event.timestamp) > latest) {
      issues.push({ pointer: `#/events/${index}/timestamp`, detail: `is in the future: more than ${policy.maxFutureSkewMs} ms ahead of the server's clock` });
    } else {
      // The parsed event is a copy of our own, so it can take the environment without another object per event.
      event.environment = environment;
      valid.push(event);
    }
  });
  // Writing another environment's data is not a mistake in one event but a key used beyond its rights: the
  // whole request is refused as such, whatever else is wrong with it.
  if (foreign.length > 0) {
    hooks.counted?.('rejected', parsed.data.events.length);
    throw new ForbiddenError(`${foreign.length} of ${parsed.data.events.length} events name an environment other than this key's (${environment}); none was accepted`, foreign);
  }
  if (issues.length > 0) {
    hooks.counted?.('rejected', parsed.data.events.length);
    throw new ValidationError(`${new Set(issues.map((i) => i.pointer.split('/')[2])).size} of ${parsed.data.events.length} events are invalid; none was accepted`, issues);
  }
  hooks.admit?.(valid.length);

  const exposures: BusMessage[] = [];
  const metrics: BusMessage[] = [];
  for (const event of valid) (event.type === 'exposure' ? exposures : metrics).push({ key: event.unitId, value: JSON.stringify(event) });
  try {
    await Promise.all([exposures.length > 0 ? bus.publish('exposures', exposures) : undefined, metrics.length > 0 ? bus.publish('metrics', metrics) : undefined]);
  } catch (error) {
    // Not acknowledged is not accepted: the client retries (event ids make a retry harmless).
    throw new ServiceUnavailableError(`The event bus did not acknowledge the events; retry: ${(error as Error).message}`);
  }
  hooks.counted?.('accepted', valid.length);
  return { accepted: valid.length };
}
