import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDuckDbAnalyticsStore } from '../../../src/analytics/store/duckdb-analytics-store.ts';
import { DATASET_QUERY, HOUR, T0, exposure, generateDataset, metricEvent, referenceStatistics } from './analytics-dataset.ts';
import { analyticsStoreContract } from './analytics-store-contract.ts';

analyticsStoreContract('DuckDB (in memory)', async () => ({ store: await createDuckDbAnalyticsStore() }));

describe('DuckDB analytics store on a file', () => {
  it('keeps its events across a restart and still refuses to count an id twice', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flagstaff-duckdb-'));
    const file = path.join(dir, 'nested', 'analytics.duckdb');
    try {
      const first = await createDuckDbAnalyticsStore({ path: file });
      await first.insertExposures([exposure('x-1', 'u-1', 'control', T0)]);
      await first.insertMetricEvents([metricEvent('m-1', 'u-1', 'purchase', 3, T0 + HOUR)]);
      await first.close();

      const second = await createDuckDbAnalyticsStore({ path: file });
      try {
        await second.insertMetricEvents([metricEvent('m-1', 'u-1', 'purchase', 3, T0 + HOUR)]);
        expect(await second.eventCounts()).toEqual({ exposures: 1, metricEvents: 1 });
        const result = await second.experimentStatistics({ ...DATASET_QUERY, variants: ['control'] });
        expect(result.metrics['revenue-raw']).toEqual({ control: { n: 1, sum: 3, sumSquares: 9 } });
      } finally {
        await second.close();
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('still works on a file written when the tables had a primary key, counting each id once', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flagstaff-duckdb-'));
    const file = path.join(dir, 'old.duckdb');
    try {
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const old = await DuckDBInstance.create(file);
      const connection = await old.connect();
      await connection.run('CREATE TABLE metric_events (event_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, unit_id VARCHAR NOT NULL, value DOUBLE NOT NULL, ts BIGINT NOT NULL)');
      connection.closeSync();
      old.closeSync();
      const store = await createDuckDbAnalyticsStore({ path: file });
      try {
        await store.insertMetricEvents([metricEvent('m-1', 'u-1', 'purchase', 3, T0 + HOUR)]);
        await store.insertMetricEvents([metricEvent('m-1', 'u-1', 'purchase', 3, T0 + HOUR), metricEvent('m-2', 'u-1', 'purchase', 1, T0 + HOUR)]);
        expect(await store.eventCounts()).toEqual({ exposures: 0, metricEvents: 2 });
      } finally {
        await store.close();
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('adds the environment to a file written before metric events carried one, keeping every row; those rows count for no environment', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flagstaff-duckdb-'));
    const file = path.join(dir, 'before-environments.duckdb');
    try {
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const old = await DuckDBInstance.create(file);
      const connection = await old.connect();
      // The tables as the previous release created them.
      await connection.run(`CREATE TABLE exposures (
        event_id VARCHAR NOT NULL, experiment_key VARCHAR NOT NULL, flag_key VARCHAR NOT NULL, environment VARCHAR NOT NULL,
        variant VARCHAR NOT NULL, unit_id VARCHAR NOT NULL, revision BIGINT, ts BIGINT NOT NULL)`);
      await connection.run('CREATE TABLE metric_events (event_id VARCHAR NOT NULL, name VARCHAR NOT NULL, unit_id VARCHAR NOT NULL, value DOUBLE NOT NULL, ts BIGINT NOT NULL)');
      await connection.run(`INSERT INTO exposures VALUES ('x-1', 'checkout-test', 'new-checkout', 'production', 'control', 'u-1', 7, ${T0})`);
      await connection.run(`INSERT INTO metric_events VALUES ('m-old', 'u-1', 'purchase', 40, ${T0 + HOUR})`);
      connection.closeSync();
      old.closeSync();

      const store = await createDuckDbAnalyticsStore({ path: file });
      try {
        expect(await store.eventCounts()).toEqual({ exposures: 1, metricEvents: 1 });
        await store.insertMetricEvents([metricEvent('m-new', 'u-1', 'purchase', 2, T0 + 2 * HOUR)]);
        expect(await store.eventCounts()).toEqual({ exposures: 1, metricEvents: 2 });
        const result = await store.experimentStatistics({ ...DATASET_QUERY, variants: ['control'] });
        expect(result.units).toEqual({ control: 1 });
        expect(result.metrics['revenue-raw']).toEqual({ control: { n: 1, sum: 2, sumSquares: 4 } });
      } finally {
        await store.close();
      }
      const reopened = await DuckDBInstance.create(file);
      const check = await reopened.connect();
      try {
        const rows = (await check.runAndReadAll('SELECT event_id, environment FROM metric_events ORDER BY event_id')).getRowObjects();
        expect(rows).toEqual([{ event_id: 'm-new', environment: 'production' }, { event_id: 'm-old', environment: '' }]);
      } finally {
        check.closeSync();
        reopened.closeSync();
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('answers concurrent inserts and queries on one store consistently', async () => {
    const store = await createDuckDbAnalyticsStore();
    try {
      const data = generateDataset(7, 300);
      const chunks = (rows: readonly unknown[]) => Array.from({ length: Math.ceil(rows.length / 50) }, (_, i) => i * 50);
      await Promise.all([
        ...chunks(data.exposures).map((i) => store.insertExposures(data.exposures.slice(i, i + 50))),
        ...chunks(data.metricEvents).map((i) => store.insertMetricEvents(data.metricEvents.slice(i, i + 50))),
        ...chunks(data.metricEvents).map((i) => store.insertMetricEvents(data.metricEvents.slice(i, i + 50))),
        store.experimentStatistics(DATASET_QUERY),
      ]);
      expect(await store.experimentStatistics(DATASET_QUERY)).toEqual(referenceStatistics(data, DATASET_QUERY));
    } finally {
      await store.close();
    }
  });
});

describe('DuckDB string literals', () => {
  it('reads back any escaped string unchanged, so an injection attempt stays a string', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const { quoteString } = await import('../../../src/analytics/store/sql-literals.ts');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      for (const value of ["' OR 1=1 --", "\\' OR 1=1 --", 'x\\', "'; DROP TABLE t; --", 'tab\tnew\nline', "é'ü", "''"]) {
        const reader = await connection.runAndReadAll(`SELECT ${quoteString(value, 'duckdb')} AS s, 1 AS one`);
        expect(reader.getRowObjects()).toEqual([{ s: value, one: 1 }]);
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
