import { randomUUID } from 'node:crypto';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../../src/analytics/analytics-store.ts';
import { assembleStatistics, planAnalysis } from '../../../src/analytics/store/analysis-plan.ts';
import { clickHouseAnalysisRows, clickHouseSchema, clickHouseTables, createClickHouseAnalyticsStore } from '../../../src/analytics/store/clickhouse-analytics-store.ts';
import { createDuckDbAnalyticsStore } from '../../../src/analytics/store/duckdb-analytics-store.ts';
import { AnalyticsStoreUnavailableError } from '../../../src/analytics/store/errors.ts';
import { quoteString } from '../../../src/analytics/store/sql-literals.ts';
import { startTcpProxy } from '../../support/tcp-proxy.ts';
import { DATASET_QUERY, HOUR, T0, exposure, generateDataset, metricEvent, referenceStatistics, type Dataset } from './analytics-dataset.ts';
import { analyticsStoreContract } from './analytics-store-contract.ts';

// The real ClickHouse 18.16 that infra/up.sh starts. Each test gets a database of its own, dropped afterwards.
const url = process.env['CLICKHOUSE_URL'] ?? 'http://127.0.0.1:8123';
const admin = createClient({ url, log: { level: ClickHouseLogLevel.OFF } });
afterAll(() => admin.close());

const freshDatabase = (): string => `analytics_test_${randomUUID().replaceAll('-', '')}`;
const drop = async (database: string): Promise<void> => {
  await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
};
const count = async (query: string): Promise<number> => Number((await (await admin.query({ query, format: 'JSONEachRow' })).json<{ c: string }>())[0]?.c);

analyticsStoreContract('ClickHouse', async () => {
  const database = freshDatabase();
  return { store: await createClickHouseAnalyticsStore({ url, database }), cleanup: () => drop(database) };
});

async function load(store: AnalyticsStore, data: Dataset): Promise<void> {
  for (let i = 0; i < data.exposures.length; i += 1_000) await store.insertExposures(data.exposures.slice(i, i + 1_000));
  for (let i = 0; i < data.metricEvents.length; i += 1_000) await store.insertMetricEvents(data.metricEvents.slice(i, i + 1_000));
}

describe('ClickHouse analytics store', () => {
  const database = freshDatabase();
  let store: AnalyticsStore;
  beforeAll(async () => {
    store = await createClickHouseAnalyticsStore({ url, database });
  });
  afterAll(async () => {
    await store.close();
    await drop(database);
  });

  it('gives exactly the statistics of the embedded DuckDB store on the same data', async () => {
    const data = generateDataset(4242);
    const embedded = await createDuckDbAnalyticsStore();
    try {
      await Promise.all([load(store, data), load(embedded, data)]);
      const window = { ...DATASET_QUERY, from: new Date(T0 + 86_400_000), to: new Date(T0 + 5 * 86_400_000) };
      for (const query of [DATASET_QUERY, window]) {
        expect(await store.experimentStatistics(query)).toEqual(await embedded.experimentStatistics(query));
      }
      expect(await store.eventCounts()).toEqual(await embedded.eventCounts());
    } finally {
      await embedded.close();
    }
  });

  it('reads the same statistics from the aggregated units and from the raw exposures, in one branch or several', async () => {
    const data = generateDataset(99, 1_500);
    const other = freshDatabase();
    const fresh = await createClickHouseAnalyticsStore({ url, database: other });
    try {
      await load(fresh, data);
      const expected = referenceStatistics(data, DATASET_QUERY);
      const plan = planAnalysis(DATASET_QUERY);
      for (const units of ['aggregated', 'raw'] as const) {
        for (const branches of [1, 2, 3, 7]) {
          const rows = await clickHouseAnalysisRows(admin, plan, clickHouseTables(other), { units, branches });
          expect(assembleStatistics(plan, rows), `${units}, ${branches} branches`).toEqual(expected);
        }
      }
      // Concurrent analyses each run in a session of their own, with a units table of their own.
      for (const statistics of await Promise.all([1, 2, 3, 4].map(() => fresh.experimentStatistics(DATASET_QUERY)))) expect(statistics).toEqual(expected);
      // A window that holds every exposure is answered from the aggregated units, and agrees.
      const everything = { ...DATASET_QUERY, from: new Date(T0 - 86_400_000), to: new Date(T0 + 30 * 86_400_000) };
      expect(await fresh.experimentStatistics(everything)).toEqual(expected);
    } finally {
      await fresh.close();
      await drop(other);
    }
  });

  it('answers from the merged aggregated units when they cover the window, and from the exposures when not', async () => {
    const other = freshDatabase();
    const fresh = await createClickHouseAnalyticsStore({ url, database: other });
    try {
      // Five exposures per unit, so that once merged the aggregated units are a fifth of the exposures.
      const data = generateDataset(11, 400);
      const repeated = data.exposures.flatMap((e) => [0, 1, 2, 3, 4].map((i) => ({ ...e, eventId: `${e.eventId}-${i}`, timestamp: new Date(e.timestamp.getTime() + i * HOUR) })));
      await load(fresh, { exposures: repeated, metricEvents: data.metricEvents });
      // OPTIMIZE does nothing while a merge is running, so it is repeated until the units are one part.
      const rowsOf = (table: string) => count(`SELECT toString(sum(rows)) AS c FROM system.parts WHERE database = '${other}' AND table = '${table}' AND active`);
      for (let attempt = 0; (await count(`SELECT count() AS c FROM system.parts WHERE database = '${other}' AND table = 'exposure_units_by_environment' AND active`)) > 1; attempt++) {
        if (attempt > 50) throw new Error('exposure_units did not merge');
        await admin.command({ query: `OPTIMIZE TABLE ${other}.exposure_units_by_environment FINAL` });
      }
      expect((await rowsOf('exposure_units_by_environment')) * 2).toBeLessThanOrEqual(await rowsOf('exposures')); // so the store reads them
      const withRepeats = { exposures: repeated, metricEvents: data.metricEvents };
      const covering = { ...DATASET_QUERY, from: new Date(T0 - 86_400_000), to: new Date(T0 + 60 * 86_400_000) };
      const cutting = { ...DATASET_QUERY, from: new Date(T0 + 3 * 86_400_000) };
      for (const query of [DATASET_QUERY, covering, cutting]) {
        expect(await fresh.experimentStatistics(query)).toEqual(referenceStatistics(withRepeats, query));
      }
    } finally {
      await fresh.close();
      await drop(other);
    }
  });

  it('fills the aggregated units from exposures stored before they existed', async () => {
    const other = freshDatabase();
    const schema = clickHouseSchema(other);
    await admin.command({ query: schema.database });
    for (const statement of schema.tables) await admin.command({ query: statement });
    const data = generateDataset(5, 300);
    await admin.insert({
      table: `${other}.exposures`,
      values: data.exposures.map((e) => ({ event_id: e.eventId, experiment_key: e.experimentKey, flag_key: e.flagKey, environment: e.environment, variant: e.variant, unit_id: e.unitId, revision: e.revision, ts: e.timestamp.getTime() })),
      format: 'JSONEachRow',
    });
    const fresh = await createClickHouseAnalyticsStore({ url, database: other });
    try {
      for (let i = 0; i < data.metricEvents.length; i += 1_000) await fresh.insertMetricEvents(data.metricEvents.slice(i, i + 1_000));
      expect(await fresh.experimentStatistics(DATASET_QUERY)).toEqual(referenceStatistics(data, DATASET_QUERY));
    } finally {
      await fresh.close();
      await drop(other);
    }
  });

  it('migrates tables of the previous release: metric events get an environment and keep their rows, the units are re-aggregated per environment', async () => {
    const other = freshDatabase();
    // The schema as the previous release created it, with rows in it.
    const unitAggregates = 'minState(ts) AS first_ts, maxState(ts) AS last_ts, minState(variant) AS variant_min, maxState(variant) AS variant_max';
    for (const query of [
      `CREATE DATABASE ${other}`,
      `CREATE TABLE ${other}.exposures (event_id String, experiment_key String, flag_key String, environment String, variant String, unit_id String,
        revision Nullable(Int64), ts Int64, unit_hash UInt64 MATERIALIZED cityHash64(unit_id)) ENGINE = ReplacingMergeTree ORDER BY (experiment_key, unit_hash, event_id)`,
      `CREATE TABLE ${other}.exposure_units (experiment_key String, unit_hash UInt64, first_ts AggregateFunction(min, Int64), last_ts AggregateFunction(max, Int64),
        variant_min AggregateFunction(min, String), variant_max AggregateFunction(max, String)) ENGINE = AggregatingMergeTree ORDER BY (experiment_key, unit_hash)`,
      `CREATE TABLE ${other}.metric_events (event_id String, name String, unit_id String, value Float64, ts Int64, unit_hash UInt64 MATERIALIZED cityHash64(unit_id))
        ENGINE = ReplacingMergeTree ORDER BY (name, unit_hash, event_id)`,
      `CREATE MATERIALIZED VIEW ${other}.exposure_units_mv TO ${other}.exposure_units AS SELECT experiment_key, unit_hash, ${unitAggregates} FROM ${other}.exposures GROUP BY experiment_key, unit_hash`,
    ]) {
      await admin.command({ query });
    }
    const x = (id: string, unit: string, variant: string, environment: string, at: number) => ({ event_id: id, experiment_key: 'checkout-test', flag_key: 'new-checkout', environment, variant, unit_id: unit, revision: 7, ts: at });
    await admin.insert({ table: `${other}.exposures`, values: [x('x-1', 'u-1', 'control', 'production', T0), x('x-2', 'u-2', 'treatment', 'development', T0)], format: 'JSONEachRow' });
    await admin.insert({ table: `${other}.metric_events`, values: [{ event_id: 'm-old', name: 'purchase', unit_id: 'u-1', value: 40, ts: T0 + HOUR }], format: 'JSONEachRow' });

    // Two processes starting at once (the server and its sink thread do) migrate it together.
    const [fresh, twin] = await Promise.all([createClickHouseAnalyticsStore({ url, database: other }), createClickHouseAnalyticsStore({ url, database: other })]);
    await twin.close();
    try {
      expect(await fresh.eventCounts()).toEqual({ exposures: 2, metricEvents: 1 });
      const columns = await (await admin.query({ query: `SELECT name FROM system.columns WHERE database = '${other}' AND table = 'metric_events'`, format: 'JSONEachRow' })).json<{ name: string }>();
      expect(columns.map((c) => c.name)).toContain('environment');
      expect(await count(`SELECT count() AS c FROM system.tables WHERE database = '${other}' AND name IN ('exposure_units', 'exposure_units_mv')`)).toBe(0);
      await fresh.insertMetricEvents([metricEvent('m-new', 'u-1', 'purchase', 2, T0 + 2 * HOUR)]);
      await fresh.insertExposures([exposure('x-3', 'u-3', 'treatment', T0)]);
      const query = { ...DATASET_QUERY, metrics: [{ key: 'revenue', kind: 'mean' as const, event: 'purchase', cuped: false }] };
      // The old purchase has no environment and counts nowhere; development's unit is not production's.
      const expected = { units: { control: 1, treatment: 1, unused: 0 }, multipleExposures: 0, metrics: { revenue: { control: { n: 1, sum: 2, sumSquares: 4 }, treatment: { n: 1, sum: 0, sumSquares: 0 }, unused: { n: 0, sum: 0, sumSquares: 0 } } } };
      const plan = planAnalysis(query);
      for (const units of ['aggregated', 'raw'] as const) expect(assembleStatistics(plan, await clickHouseAnalysisRows(admin, plan, clickHouseTables(other), { units, branches: 2 })), units).toEqual(expected);
      expect(await fresh.experimentStatistics(query)).toEqual(expected);
      const environments = await (await admin.query({ query: `SELECT event_id, environment FROM ${other}.metric_events ORDER BY event_id`, format: 'JSONEachRow' })).json<unknown>();
      expect(environments).toEqual([{ event_id: 'm-new', environment: 'production' }, { event_id: 'm-old', environment: '' }]);
    } finally {
      await fresh.close();
    }
    // Opening it again (or a second process starting at the same time) finds nothing left to migrate.
    const again = await createClickHouseAnalyticsStore({ url, database: other });
    try {
      expect(await again.eventCounts()).toEqual({ exposures: 3, metricEvents: 2 });
    } finally {
      await again.close();
      await drop(other);
    }
  });

  it('counts a duplicate once before ReplacingMergeTree has merged it away, and after', async () => {
    const other = freshDatabase();
    const fresh = await createClickHouseAnalyticsStore({ url, database: other });
    try {
      const events = [metricEvent('m-1', 'u-1', 'purchase', 5, T0 + HOUR), metricEvent('m-2', 'u-1', 'purchase', 7, T0 + 2 * HOUR)];
      await fresh.insertExposures([exposure('x-1', 'u-1', 'control', T0)]);
      await fresh.insertExposures([exposure('x-1', 'u-1', 'control', T0)]);
      await fresh.insertMetricEvents(events);
      await fresh.insertMetricEvents(events);
      const query = { ...DATASET_QUERY, variants: ['control'], metrics: [{ key: 'revenue', kind: 'mean' as const, event: 'purchase', cuped: false }] };
      const expected = { units: { control: 1 }, multipleExposures: 0, metrics: { revenue: { control: { n: 1, sum: 12, sumSquares: 144 } } } };

      expect(await count(`SELECT count() AS c FROM ${other}.metric_events`)).toBe(4); // two parts, not merged yet
      expect(await fresh.experimentStatistics(query)).toEqual(expected);
      expect(await fresh.eventCounts()).toEqual({ exposures: 1, metricEvents: 2 });

      await admin.command({ query: `OPTIMIZE TABLE ${other}.metric_events FINAL` });
      await admin.command({ query: `OPTIMIZE TABLE ${other}.exposures FINAL` });
      expect(await count(`SELECT count() AS c FROM ${other}.metric_events`)).toBe(2);
      expect(await fresh.experimentStatistics(query)).toEqual(expected);
    } finally {
      await fresh.close();
      await drop(other);
    }
  });

  it('escapes any string so that the server reads it back unchanged: an injection attempt stays a string', async () => {
    const attempts = ["' OR 1=1 --", "\\' OR 1=1 --", "x\\", "\\\\'; DROP DATABASE " + database + '; --', 'tab\tnew\nline', "é'ü\\n", "''", '\\'];
    for (const value of attempts) {
      const rows = await (await admin.query({ query: `SELECT ${quoteString(value, 'clickhouse')} AS s, 1 AS one`, format: 'JSONEachRow' })).json<{ s: string; one: number }>();
      expect(rows).toEqual([{ s: value, one: 1 }]);
      // As a filter it matches nothing (no unit is called that), rather than everything.
      expect(await count(`SELECT count() AS c FROM ${database}.exposures WHERE unit_id = ${quoteString(value, 'clickhouse')}`)).toBe(0);
    }
    expect(await count(`SELECT count() AS c FROM system.databases WHERE name = ${quoteString(database, 'clickhouse')}`)).toBe(1);
  });

  it('refuses a database name that is not a plain identifier, sending nothing', async () => {
    await expect(createClickHouseAnalyticsStore({ url, database: 'x; DROP DATABASE default' })).rejects.toThrow(/identifier/);
    await expect(createClickHouseAnalyticsStore({ url, database: 'a`b' })).rejects.toThrow(/identifier/);
  });

  it('reports a server it cannot reach as AnalyticsStoreUnavailableError', async () => {
    const error = await createClickHouseAnalyticsStore({ url: 'http://127.0.0.1:1', database: freshDatabase() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnalyticsStoreUnavailableError);
    expect((error as Error).message).toMatch(/analytics store .*unavailable.*ECONNREFUSED/);
  });

  it('fails with AnalyticsStoreUnavailableError while the connection is cut, and recovers without counting anything twice', async () => {
    const target = new URL(url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    const other = freshDatabase();
    const viaProxy = await createClickHouseAnalyticsStore({ url: `http://127.0.0.1:${proxy.port}`, database: other });
    try {
      const events = [metricEvent('m-1', 'u-1', 'purchase', 5, T0 + HOUR)];
      await viaProxy.insertExposures([exposure('x-1', 'u-1', 'control', T0)]);
      await viaProxy.insertMetricEvents(events);
      await proxy.cut();
      await expect(viaProxy.insertMetricEvents(events)).rejects.toBeInstanceOf(AnalyticsStoreUnavailableError);
      await expect(viaProxy.experimentStatistics(DATASET_QUERY)).rejects.toBeInstanceOf(AnalyticsStoreUnavailableError);
      await expect(viaProxy.eventCounts()).rejects.toBeInstanceOf(AnalyticsStoreUnavailableError);
      await proxy.restore();
      await viaProxy.insertMetricEvents(events); // the retry after the outage
      expect(await viaProxy.eventCounts()).toEqual({ exposures: 1, metricEvents: 1 });
      const result = await viaProxy.experimentStatistics({ ...DATASET_QUERY, variants: ['control'] });
      expect(result.metrics['revenue-raw']).toEqual({ control: { n: 1, sum: 5, sumSquares: 25 } });
    } finally {
      await viaProxy.close();
      await proxy.close();
      await drop(other);
    }
  });
});
