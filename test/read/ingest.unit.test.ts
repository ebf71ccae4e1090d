import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/root/config.ts';
import { ingestEvents } from '../../src/read/ingest.ts';
import { ForbiddenError, ServiceUnavailableError, ValidationError } from '../../src/shared/errors.ts';
import type { BusMessage, EventBus, Topic } from '../../src/shared/event-bus.ts';

/** A bus that only records what is published: ingest's whole contract with the bus. */
function recordingBus(): EventBus & { published: { topic: Topic; message: BusMessage }[] } {
  const published: { topic: Topic; message: BusMessage }[] = [];
  return {
    published,
    async publish(topic, messages) {
      for (const message of messages) published.push({ topic, message });
    },
    subscribe: () => Promise.reject(new Error('not used')),
    consumerLag: async () => 0,
    close: async () => {},
  };
}

const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const at = (offsetMs: number): string => new Date(NOW + offsetMs).toISOString();
const exposure = (i: number, extra: Record<string, unknown> = {}) => ({ type: 'exposure', eventId: `x-${i}`, flagKey: 'f', experimentKey: 'e', variant: 'on', unitId: `u-${i}`, timestamp: at(0), ...extra });
const metric = (i: number, extra: Record<string, unknown> = {}) => ({ type: 'metric', eventId: `m-${i}`, name: 'purchase', unitId: `u-${i}`, value: 2, timestamp: at(0), ...extra });
const policy = { environment: 'development', maxFutureSkewMs: 3_600_000, now: () => NOW };
const failure = (work: Promise<unknown>) => work.then(() => expect.fail('accepted'), (error: unknown) => error);

describe('ingestEvents: the environment comes from the key', () => {
  it("stores exposures and metric events under the key's environment, whether they name it or not", async () => {
    const bus = recordingBus();
    await ingestEvents(bus, { events: [exposure(0), exposure(1, { environment: 'development' }), metric(2), metric(3, { environment: 'development' })] }, policy);
    expect(bus.published.map(({ topic, message }) => [topic, JSON.parse(message.value).environment])).toEqual([
      ['exposures', 'development'],
      ['exposures', 'development'],
      ['metrics', 'development'],
      ['metrics', 'development'],
    ]);
  });

  it('refuses a batch in which any event names another environment with a 403 naming each, and publishes nothing', async () => {
    const bus = recordingBus();
    const events = [exposure(0), metric(1), exposure(2), exposure(3), exposure(4), exposure(5), metric(6), metric(7, { environment: 'production' }), exposure(8, { environment: 'production' })];
    const error = await failure(ingestEvents(bus, { events }, policy));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect((error as ForbiddenError).status).toBe(403);
    expect((error as ForbiddenError).issues).toEqual([
      { pointer: '#/events/7/environment', detail: 'this key belongs to development, not production' },
      { pointer: '#/events/8/environment', detail: 'this key belongs to development, not production' },
    ]);
    expect(bus.published).toEqual([]);
  });
});

describe('ingestEvents: no events from the future', () => {
  it('refuses timestamps more than the allowed skew ahead of now, naming each, and accepts any up to it', async () => {
    const bus = recordingBus();
    const error = await failure(
      ingestEvents(bus, { events: [metric(0, { timestamp: at(30 * 60_000) }), metric(1, { timestamp: at(2 * 3_600_000) }), exposure(2), exposure(3, { timestamp: '9999-12-31T00:00:00Z' })] }, policy),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.pointer)).toEqual(['#/events/1/timestamp', '#/events/3/timestamp']);
    expect(bus.published).toEqual([]);

    await ingestEvents(bus, { events: [metric(0, { timestamp: at(3_600_000) }), exposure(1, { timestamp: '2001-01-01T00:00:00Z' })] }, policy);
    expect(bus.published).toHaveLength(2);
    await expect(ingestEvents(bus, { events: [metric(2, { timestamp: at(60_001) })] }, { ...policy, maxFutureSkewMs: 60_000 })).rejects.toBeInstanceOf(ValidationError);
  });

  it('takes the skew from FLAGSTAFF_EVENTS_MAX_FUTURE_SKEW_MS, one hour by default', () => {
    expect(loadConfig({}).operations?.eventsMaxFutureSkewMs).toBe(3_600_000);
    expect(loadConfig({ FLAGSTAFF_EVENTS_MAX_FUTURE_SKEW_MS: '300000' }).operations?.eventsMaxFutureSkewMs).toBe(300_000);
    expect(() => loadConfig({ FLAGSTAFF_EVENTS_MAX_FUTURE_SKEW_MS: '-1' })).toThrow(/FLAGSTAFF_EVENTS_MAX_FUTURE_SKEW_MS/);
  });
});

describe('ingestEvents: what is refused, and how it is told', () => {
  const refusal = async (body: unknown) => {
    const bus = recordingBus();
    const error = await failure(ingestEvents(bus, body, policy));
    expect(bus.published).toEqual([]);
    return error as ValidationError;
  };
  const issuesOf = async (event: Record<string, unknown>) => (await refusal({ events: [exposure(0), event] })).issues;
  const accepted = async (event: Record<string, unknown>) => {
    const bus = recordingBus();
    await ingestEvents(bus, { events: [event] }, policy);
    return bus.published.length;
  };

  it('refuses a body that is not { events: [1 to 10,000 items] }, naming the field', async () => {
    for (const body of [{}, { events: [] }, { events: 'x' }, { events: [exposure(0)], extra: 1 }, { events: Array.from({ length: 10_001 }, (_, i) => exposure(i)) }]) {
      const error = await refusal(body);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toBe('The request body is invalid');
      expect(error.issues[0]!.pointer).toMatch(/^#\/(events|extra)?$/);
    }
    expect(await accepted(exposure(0))).toBe(1);
  });

  it('names each bad field by its place in the batch, and counts the bad events (not the issues) in the title', async () => {
    const error = await refusal({ events: [exposure(0), exposure(1, { eventId: 'has space', unitId: '' }), metric(2), metric(3, { value: 'two' })] });
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toBe('2 of 4 events are invalid; none was accepted');
    expect(error.issues.map((i) => i.pointer).sort()).toEqual(['#/events/1/eventId', '#/events/1/unitId', '#/events/3/value']);
    expect(error.issues.find((i) => i.pointer === '#/events/1/eventId')!.detail).toMatch(/letters, digits/);
  });

  it('names what a metric event name may hold', async () => {
    const error = await refusal({ events: [metric(0, { name: 'add to cart' })] });
    expect(error.issues).toEqual([{ pointer: '#/events/0/name', detail: 'must be letters, digits, "_", ".", ":" or "-"' }]);
  });

  it("tells in the detail how far ahead an event may be, and in a 403's title which environment the key has", async () => {
    const future = await refusal({ events: [metric(0, { timestamp: at(7_200_000) })] });
    expect(future.issues[0]!.detail).toBe("is in the future: more than 3600000 ms ahead of the server's clock");
    const foreign = await refusal({ events: [metric(0), metric(1, { environment: 'production' })] });
    expect(foreign.message).toBe("1 of 2 events name an environment other than this key's (development); none was accepted");
  });

  it('holds every field of an event to its bounds', async () => {
    const long = (n: number) => 'x'.repeat(n);
    const good: Record<string, unknown>[] = [
      exposure(0, { eventId: 'a' }),
      exposure(0, { eventId: long(128) }),
      exposure(0, { eventId: 'A-z_0.9:x' }),
      exposure(0, { unitId: 'u' }),
      exposure(0, { unitId: long(256) }),
      exposure(0, { revision: 0 }),
      exposure(0, { revision: 12 }),
      exposure(0, { reason: 'TARGETING_MATCH' }),
      exposure(0, { reason: long(64) }),
      exposure(0, { ruleId: 'rule-1', timestamp: '2026-12-07T13:00:00+02:00' }),
      metric(0, { name: 'p' }),
      metric(0, { name: 'checkout.purchase:v2' }),
      metric(0, { value: -1.5 }),
      metric(0, { value: undefined }),
    ];
    for (const event of good) expect(await accepted(event), JSON.stringify(event)).toBe(1);

    const bad: [Record<string, unknown>, string][] = [
      [exposure(1, { eventId: '' }), 'eventId'],
      [exposure(1, { eventId: long(129) }), 'eventId'],
      [exposure(1, { eventId: ' x' }), 'eventId'],
      [exposure(1, { eventId: 'x ' }), 'eventId'],
      [exposure(1, { unitId: '' }), 'unitId'],
      [exposure(1, { unitId: long(257) }), 'unitId'],
      [exposure(1, { revision: -1 }), 'revision'],
      [exposure(1, { revision: 1.5 }), 'revision'],
      [exposure(1, { reason: long(65) }), 'reason'],
      [exposure(1, { timestamp: '2026-12-07' }), 'timestamp'],
      [exposure(1, { variant: 'Not A Key' }), 'variant'],
      [exposure(1, { surprise: true }), 'surprise'],
      [metric(1, { name: '' }), 'name'],
      [metric(1, { name: long(129) }), 'name'],
      [metric(1, { name: 'a b' }), 'name'],
      [metric(1, { value: Number.POSITIVE_INFINITY }), 'value'],
      [{ ...metric(1), type: 'click' }, 'type'],
    ];
    for (const [event, field] of bad) {
      const issues = await issuesOf(event);
      expect(issues.map((i) => i.pointer), JSON.stringify(event)).toContain(`#/events/1/${field}`);
    }
  });
});

describe('ingestEvents: publishing', () => {
  it('sends exposures to one topic and metric events to the other, keyed by unit, and touches a topic only with something to send', async () => {
    const topics: Topic[] = [];
    const bus = recordingBus();
    const counting: EventBus = {
      ...bus,
      publish: async (topic, messages) => {
        topics.push(topic);
        await bus.publish(topic, messages);
      },
    };
    await ingestEvents(counting, { events: [metric(0)] }, policy);
    await ingestEvents(counting, { events: [exposure(1), exposure(2)] }, policy);
    expect(topics).toEqual(['metrics', 'exposures']);
    expect(bus.published.map(({ topic, message }) => [topic, message.key, JSON.parse(message.value).eventId])).toEqual([
      ['metrics', 'u-0', 'm-0'],
      ['exposures', 'u-1', 'x-1'],
      ['exposures', 'u-2', 'x-2'],
    ]);
  });

  it('answers 503 when the bus does not acknowledge, so the client retries, and counts nothing as accepted', async () => {
    const counted: string[] = [];
    const failing: EventBus = { ...recordingBus(), publish: () => Promise.reject(new Error('broker down')) };
    const error = await failure(ingestEvents(failing, { events: [exposure(0)] }, policy, { counted: (outcome, n) => counted.push(`${outcome}:${n}`) }));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as Error).message).toBe('The event bus did not acknowledge the events; retry: broker down');
    expect(counted).toEqual([]);
  });

  it('tells the hooks how many were admitted and accepted, or rejected', async () => {
    const seen: string[] = [];
    const hooks = { admit: (n: number) => void seen.push(`admit:${n}`), counted: (outcome: string, n: number) => void seen.push(`${outcome}:${n}`) };
    await ingestEvents(recordingBus(), { events: [exposure(0), metric(1)] }, policy, hooks);
    await failure(ingestEvents(recordingBus(), { events: [exposure(0), metric(1, { value: 'x' }), metric(2)] }, policy, hooks));
    await failure(ingestEvents(recordingBus(), { events: [exposure(0, { environment: 'production' })] }, policy, hooks));
    expect(seen).toEqual(['admit:2', 'accepted:2', 'rejected:3', 'rejected:1']);
  });
});
