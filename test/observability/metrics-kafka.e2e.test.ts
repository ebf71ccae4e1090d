import { afterAll, describe, expect, it } from 'vitest';
import type { EventBus } from '../../src/shared/event-bus.ts';
import { openKafkaHarness } from '../analytics/bus/kafka-harness.ts';
import { documentedSeries, missingSeries } from '../../bench/metrics-scrape/documented-series.ts';
import { eventually } from '../support/eventually.ts';
import { request, startTestServer, type TestServer } from '../support/flagstaff.ts';

// On Kafka a consumer-lag reading is a round of admin requests to the brokers (270–390 ms when each scrape made
// one). A scrape must answer from memory: this counts the readings through the bus, the seam every one goes through.

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const scrape = async (server: TestServer): Promise<string> => (await request(server.url, 'GET', '/metrics', { token: null })).body as string;

describe('/metrics on Kafka', () => {
  it('has every documented series on the first scrape, and no scrape asks the brokers for the consumer lag', async () => {
    const harness = await openKafkaHarness();
    cleanups.push(async () => harness.cleanup?.(), () => harness.bus.close());
    const kafka: EventBus = harness.bus;
    let lagReads = 0;
    let lagSettled = 0;
    const bus: EventBus = {
      ...kafka,
      consumerLag: (groupId, topics) => {
        lagReads++;
        return kafka.consumerLag(groupId, topics).finally(() => lagSettled++);
      },
    };
    const server = await startTestServer({
      bus,
      sinkGroupId: harness.group('analytics-sink'),
      config: {
        bus: { kind: 'kafka', brokers: ['127.0.0.1:9092'], topicPrefix: harness.prefix },
        // An hour between readings: the one at start is the only one this test can see.
        operations: { logLevel: 'warn', consumerLagIntervalMs: 3_600_000 },
      },
    });
    cleanups.push(() => server.close());

    expect(missingSeries(await scrape(server), documentedSeries())).toEqual([]);

    // The reading taken at start lands in memory; scrapes report it and read nothing themselves.
    await eventually(async () => expect(Number(/\nflagstaff_pipeline_consumer_lag_read_timestamp_seconds (\S+)\n/.exec(await scrape(server))?.[1])).toBeGreaterThan(0), 60_000);
    expect(lagReads).toBe(1);
    expect(lagSettled).toBe(1);
    for (let i = 0; i < 5; i++) expect(await scrape(server)).toContain('\nflagstaff_pipeline_consumer_lag_messages 0\n');
    expect(lagReads).toBe(1);
  });
});
