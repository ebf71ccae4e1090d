import { afterEach, describe, expect, it } from 'vitest';
import { createInMemoryBus } from '../../src/analytics/bus/in-memory-bus.ts';
import type { EventBus } from '../../src/shared/event-bus.ts';
import { documentedSeries, missingSeries } from '../../bench/metrics-scrape/documented-series.ts';
import { eventually } from '../support/eventually.ts';
import { request, startTestServer, type TestServer } from '../support/flagstaff.ts';

const servers: TestServer[] = [];
const buses: EventBus[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const bus of buses.splice(0)) await bus.close();
});

/** The bus with its consumer-lag readings counted (each is a round of admin requests on Kafka) and set by the test. */
function countingBus(lag: number): { bus: EventBus; readonly lagReads: number } {
  const inner = createInMemoryBus();
  buses.push(inner);
  let lagReads = 0;
  const bus: EventBus = { ...inner, consumerLag: async () => (lagReads++, lag) };
  return {
    bus,
    get lagReads() {
      return lagReads;
    },
  };
}

const scrape = async (server: TestServer): Promise<string> => (await request(server.url, 'GET', '/metrics', { token: null })).body as string;

describe('/metrics on the embedded setup', () => {
  it('has every series docs/operations.md lists on the first scrape of a fresh server', async () => {
    const series = documentedSeries();
    expect(series.length).toBeGreaterThanOrEqual(15);
    const server = await startTestServer();
    servers.push(server);
    const first = await scrape(server);
    expect(missingSeries(first, series)).toEqual([]);
    expect(first).toContain('\nflagstaff_ingest_events_total{outcome="accepted"} 0\n');
    expect(first).toContain('\nflagstaff_rate_limited_total{api="read"} 0\n');
  });

  it('answers a scrape from memory: the consumer lag is read in the background, not once per scrape', async () => {
    const counted = countingBus(17);
    // An hour between readings: the one at start is the only one this test can see.
    const server = await startTestServer({ bus: counted.bus, config: { operations: { logLevel: 'warn', consumerLagIntervalMs: 3_600_000 } } });
    servers.push(server);
    const text = await eventually(async () => {
      const scraped = await scrape(server);
      expect(scraped).toContain('\nflagstaff_pipeline_consumer_lag_messages 17\n');
      return scraped;
    });
    const readAt = Number(/\nflagstaff_pipeline_consumer_lag_read_timestamp_seconds (\S+)\n/.exec(text)?.[1]);
    expect(readAt).toBeGreaterThan(Date.now() / 1000 - 3_600);
    expect(counted.lagReads).toBe(1);
    for (let i = 0; i < 5; i++) expect(await scrape(server)).toContain('\nflagstaff_pipeline_consumer_lag_messages 17\n');
    expect(counted.lagReads).toBe(1);
  });
});
