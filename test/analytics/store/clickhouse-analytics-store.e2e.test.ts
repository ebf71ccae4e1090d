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
      for (let attempt = 0; (await count(`SELECT count() AS c FROM system.parts WHERE database = '${other}' AND table = 'exposure_units' AND active`)) > 1; attempt++) {
        if (attempt > 50) throw new Error('exposure_units did not merge');
        await admin.command({ query: `OPTIMIZE TABLE ${other}.exposure_units FINAL` });
      }
      expect((await rowsOf('exposure_units')) * 2).toBeLessThanOrEqual(await rowsOf('exposures')); // so the store reads them
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
