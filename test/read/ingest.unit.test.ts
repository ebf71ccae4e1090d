import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { ingestEvents } from '../../src/read/ingest.ts';
import { ForbiddenError, ValidationError } from '../../src/shared/errors.ts';
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
