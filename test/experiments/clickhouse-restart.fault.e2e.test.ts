import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../src/analytics/analytics-store.ts';
import { createClickHouseAnalyticsStore } from '../../src/analytics/store/clickhouse-analytics-store.ts';
import { openKafkaHarness } from '../analytics/bus/kafka-harness.ts';
import { eventually } from '../support/eventually.ts';
import { request, startTestServer, type TestServer } from '../support/flagstaff.ts';
import { syntheticExperiment } from '../support/synthetic-experiment.ts';

const run = promisify(execFile);
const infra = path.resolve(import.meta.dirname, '../../infra/clickhouse');
const clickhouseUrl = process.env['CLICKHOUSE_URL'] ?? 'http://127.0.0.1:8123';
const database = `restart_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
let kafka: Awaited<ReturnType<typeof openKafkaHarness>>;
let clickhouse: AnalyticsStore;
let server: TestServer;
let sdkKey: string;

beforeAll(async () => {
  kafka = await openKafkaHarness();
  clickhouse = await createClickHouseAnalyticsStore({ url: clickhouseUrl, database });
  server = await startTestServer({ bus: kafka.bus, analytics: clickhouse, sinkGroupId: kafka.group('sink') });
  sdkKey = (await server.api('POST', '/admin/api-keys', { body: { environment: 'production', kind: 'server' } })).body.key;
});
afterAll(async () => {
  await run('bash', [path.join(infra, 'start.sh')]); // whatever happened, leave ClickHouse running
  await server?.close();
  await kafka?.bus.close();
  await kafka?.cleanup?.();
  await clickhouse?.close();
  const client = createClient({ url: clickhouseUrl });
  await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  await client.close();
});

describe('ClickHouse stopped and restarted mid-stream', () => {
  it('keeps accepting events (Kafka holds them), then counts every one exactly once', async () => {
    const data = syntheticExperiment({ units: 3_000, seed: 23, startedAt: new Date(), conversion: { off: 0.2, on: 0.25 } });
    const batches = data.batches(1_000);
    const send = async (events: unknown[]): Promise<void> => {
      const sent = await request(server.url, 'POST', '/api/v1/events', { token: null, headers: { authorization: `Bearer ${sdkKey}` }, body: { events } });
      expect(sent.status).toBe(202);
    };
    const half = Math.floor(batches.length / 2);
    for (const batch of batches.slice(0, half)) await send(batch);

    await run('bash', [path.join(infra, 'stop.sh')]);
    await expect(clickhouse.eventCounts()).rejects.toThrow();
    for (const batch of batches.slice(half)) await send(batch); // acknowledged by Kafka while ClickHouse is down
    await send(batches[0]!); // and a client retry of an early batch: same event ids
    await new Promise((r) => setTimeout(r, 2_000)); // the sink meets the outage and retries

    await run('bash', [path.join(infra, 'start.sh')]);
    await eventually(async () => expect(await clickhouse.eventCounts()).toEqual({ exposures: data.exposureCount, metricEvents: data.metricEventCount }), 120_000, 500);
    const statistics = await clickhouse.experimentStatistics({
      experimentKey: 'checkout-test',
      environment: 'production',
      variants: ['off', 'on'],
      metrics: [{ key: 'purchase', kind: 'binomial', event: 'purchase', cuped: false }],
      cupedPreWindowDays: 14,
    });
    expect(statistics.units).toEqual(data.expected.units);
    expect(statistics.metrics['purchase']!['off']!.sum).toBe(data.expected.conversions['off']);
    expect(statistics.metrics['purchase']!['on']!.sum).toBe(data.expected.conversions['on']);
  });
});
