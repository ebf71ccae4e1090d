import { describe, expect, it } from 'vitest';
import { ingestEvents } from '../../src/read/ingest.ts';
import { ForbiddenError } from '../../src/shared/errors.ts';
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
const policy = { environment: 'development' };
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
