import { randomUUID } from 'node:crypto';
import { createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore, ExperimentStatisticsQuery } from '../../src/analytics/analytics-store.ts';
import { createClickHouseAnalyticsStore } from '../../src/analytics/store/clickhouse-analytics-store.ts';
import { createDuckDbAnalyticsStore } from '../../src/analytics/store/duckdb-analytics-store.ts';
import { openKafkaHarness } from '../analytics/bus/kafka-harness.ts';
import { eventually } from '../support/eventually.ts';
import { request, startTestServer, type TestServer } from '../support/flagstaff.ts';
import { syntheticExperiment, type SyntheticExperiment } from '../support/synthetic-experiment.ts';
import { crossEnvironmentScenario } from './cross-environment-scenario.ts';

const clickhouseUrl = process.env['CLICKHOUSE_URL'] ?? 'http://127.0.0.1:8123';
const database = `pipeline_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
let kafka: Awaited<ReturnType<typeof openKafkaHarness>>;
let clickhouse: AnalyticsStore;
let server: TestServer;
let sdkKey: string;
let data: SyntheticExperiment;

beforeAll(async () => {
  kafka = await openKafkaHarness();
  clickhouse = await createClickHouseAnalyticsStore({ url: clickhouseUrl, database });
  server = await startTestServer({ bus: kafka.bus, analytics: clickhouse, sinkGroupId: kafka.group('sink') });
  sdkKey = (await server.api('POST', '/admin/api-keys', { body: { environment: 'production', kind: 'server' } })).body.key;
  await server.api('POST', '/admin/flags', { body: { key: 'new-checkout' } });
  await server.api('POST', '/admin/metrics', { body: { key: 'purchase', kind: 'binomial', event: 'purchase' } });
  await server.api('POST', '/admin/metrics', { body: { key: 'revenue', kind: 'mean', event: 'purchase' } });
  await server.api('POST', '/admin/experiments', {
    body: {
      key: 'checkout-test',
      flagKey: 'new-checkout',
      environment: 'production',
      controlVariant: 'off',
      variants: [{ variant: 'off', weight: 50_000 }, { variant: 'on', weight: 50_000 }],
      primaryMetric: 'purchase',
      secondaryMetrics: ['revenue'],
    },
  });
  await server.api('POST', '/admin/experiments/checkout-test/start');
  data = syntheticExperiment({ units: 20_000, seed: 11, startedAt: new Date(Date.now() + 1_000), conversion: { off: 0.1, on: 0.12 } });
});
afterAll(async () => {
  await server?.close();
  await kafka?.bus.close();
  await kafka?.cleanup?.();
  await clickhouse?.close();
  const client = createClient({ url: clickhouseUrl });
  await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  await client.close();
});

describe('the production pipeline: POST /api/v1/events → Kafka → sink → ClickHouse → results', () => {
  it('counts a 20,000-unit experiment exactly, and agrees with the embedded DuckDB path on the same data', async () => {
    for (const batch of data.batches(10_000)) {
      const sent = await request(server.url, 'POST', '/api/v1/events', { token: null, headers: { authorization: `Bearer ${sdkKey}` }, body: { events: batch } });
      expect(sent.status).toBe(202);
    }
    await eventually(async () => expect(await clickhouse.eventCounts()).toEqual({ exposures: data.exposureCount, metricEvents: data.metricEventCount }), 90_000, 250);

    const results = await server.api('GET', '/admin/experiments/checkout-test/results');
    expect(results.status).toBe(200);
    expect(results.body.srm.observed).toEqual(data.expected.units);
    expect(results.body.multipleExposures).toBe(data.expected.multipleExposures);
    const purchase = results.body.metrics.find((m: { metricKey: string }) => m.metricKey === 'purchase');
    const revenue = results.body.metrics.find((m: { metricKey: string }) => m.metricKey === 'revenue');
    for (const variant of ['off', 'on']) {
      expect(purchase.statistics[variant]).toMatchObject({ n: data.expected.units[variant], sum: data.expected.conversions[variant] });
      expect(revenue.statistics[variant].sum).toBeCloseTo(data.expected.revenue[variant]!, 4);
      expect(revenue.statistics[variant].sumSquares).toBeCloseTo(data.expected.revenueSquares[variant]!, 2);
    }

    // The embedded store, fed the same events, must find the same statistics.
    const duckdb = await createDuckDbAnalyticsStore();
    try {
      const rows = data.events;
      await duckdb.insertExposures(
        rows.flatMap((e) =>
          e.type === 'exposure'
            ? [{ eventId: e.eventId, experimentKey: e.experimentKey ?? '', flagKey: e.flagKey, environment: 'production', variant: e.variant, unitId: e.unitId, revision: null, timestamp: new Date(e.timestamp) }]
            : [],
        ),
      );
      await duckdb.insertMetricEvents(
        rows.flatMap((e) => (e.type === 'metric' ? [{ eventId: e.eventId, name: e.name, unitId: e.unitId, environment: 'production', value: e.value ?? 1, timestamp: new Date(e.timestamp) }] : [])),
      );
      const query: ExperimentStatisticsQuery = {
        experimentKey: 'checkout-test',
        environment: 'production',
        variants: ['off', 'on'],
        metrics: [
          { key: 'purchase', kind: 'binomial', event: 'purchase', cuped: false },
          { key: 'revenue', kind: 'mean', event: 'purchase', cuped: false },
        ],
        cupedPreWindowDays: 14,
      };
      const [embedded, production] = await Promise.all([duckdb.experimentStatistics(query), clickhouse.experimentStatistics(query)]);
      expect(production.units).toEqual(embedded.units);
      expect(production.multipleExposures).toBe(embedded.multipleExposures);
      for (const metric of ['purchase', 'revenue']) {
        for (const variant of ['off', 'on']) {
          const a = production.metrics[metric]![variant]!;
          const b = embedded.metrics[metric]![variant]!;
          expect(a.n).toBe(b.n);
          expect(a.sum).toBeCloseTo(b.sum, 6);
          expect(a.sumSquares).toBeCloseTo(b.sumSquares!, 4);
        }
      }
    } finally {
      await duckdb.close();
    }
  });

  it("refuses another environment's claim on a production experiment, stores the rest under the key's environment, and production's results do not move", async () => {
    await crossEnvironmentScenario(server, 'envdata');
  });

  it('sends a malformed record to the dead-letter topic with its reason, and the stream goes on', async () => {
    const before = await clickhouse.eventCounts();
    await kafka.bus.publish('metrics', [{ key: 'u', value: '{"type":"metric","eventId":"bad"' }]);
    const good = { type: 'metric' as const, eventId: `after-bad-${randomUUID()}`, name: 'purchase', unitId: 'u-late', value: 1, timestamp: new Date().toISOString() };
    expect((await request(server.url, 'POST', '/api/v1/events', { token: null, headers: { authorization: `Bearer ${sdkKey}` }, body: { events: [good] } })).status).toBe(202);
    await eventually(async () => expect((await clickhouse.eventCounts()).metricEvents).toBe(before.metricEvents + 1), 30_000, 200);

    const deadLetters: { value: string; headers?: Readonly<Record<string, string>> }[] = [];
    const observer = await kafka.bus.subscribe({ groupId: kafka.group('dead-letter-observer'), topics: ['dead-letters'], onBatch: async (m) => void deadLetters.push(...m) });
    try {
      await eventually(async () => expect(deadLetters.length).toBeGreaterThanOrEqual(1), 30_000, 200);
      expect(deadLetters[0]!.value).toBe('{"type":"metric","eventId":"bad"');
      expect(deadLetters[0]!.headers?.['x-dead-letter-reason']).toMatch(/JSON/i);
    } finally {
      await observer.stop();
    }
  });
});
