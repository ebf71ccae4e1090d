import fs from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import type { AnalyticsStore, ExperimentStatistics, ExperimentStatisticsQuery, ExposureRow, MetricEventRow } from '../analytics-store.ts';
import { assembleStatistics, planAnalysis } from './analysis-plan.ts';
import { duckDbAnalysisSql } from './analysis-sql.ts';
import { checkedExposures, checkedMetricEvents } from './row-checks.ts';

export interface DuckDbAnalyticsStoreOptions {
  /** A database file (its directory is created); in memory when undefined. */
  readonly path?: string;
}

/**
 * The embedded analytics store (docs/analytics-schema.md). Idempotency is on read, as on ClickHouse: rows are appended
 * (DuckDB's appender, the fastest way in) to a per-connection staging table, then moved into the table, and the
 * analysis counts each event id once (`DISTINCT ON (event_id)` over metric events; a repeated exposure changes
 * neither a unit's first exposure nor its variants). A primary key would do it on write, but DuckDB keeps its ART
 * index in memory outside the buffer limit: about 0.3 KiB of RSS per stored event, for ever (measured: +96 MiB at
 * 240,000 events with the key, a flat 35 MiB without). Timestamps are integer milliseconds, as in the ClickHouse
 * store, so both run the same window arithmetic (see analysis-sql.ts).
 */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS exposures (
    event_id VARCHAR NOT NULL, experiment_key VARCHAR NOT NULL, flag_key VARCHAR NOT NULL, environment VARCHAR NOT NULL,
    variant VARCHAR NOT NULL, unit_id VARCHAR NOT NULL, revision BIGINT, ts BIGINT NOT NULL)`,
  // The environment comes last, where ADD COLUMN puts it in a file of an earlier release (below).
  `CREATE TABLE IF NOT EXISTS metric_events (
    event_id VARCHAR NOT NULL, name VARCHAR NOT NULL, unit_id VARCHAR NOT NULL, value DOUBLE NOT NULL, ts BIGINT NOT NULL, environment VARCHAR DEFAULT '')`,
  // Metric events stored before they carried an environment get an empty one, which no analysis counts: which key
  // sent them can no longer be told (see analytics-store.ts). DuckDB adds no column with a constraint, hence no NOT NULL.
  "ALTER TABLE metric_events ADD COLUMN IF NOT EXISTS environment VARCHAR DEFAULT ''",
  `CREATE TEMP TABLE exposures_staging (
    event_id VARCHAR, experiment_key VARCHAR, flag_key VARCHAR, environment VARCHAR, variant VARCHAR, unit_id VARCHAR, revision BIGINT, ts BIGINT)`,
  'CREATE TEMP TABLE metric_events_staging (event_id VARCHAR, name VARCHAR, unit_id VARCHAR, value DOUBLE, ts BIGINT, environment VARCHAR)',
];

export async function createDuckDbAnalyticsStore(options: DuckDbAnalyticsStoreOptions = {}): Promise<AnalyticsStore> {
  if (options.path !== undefined) await fs.mkdir(path.dirname(path.resolve(options.path)), { recursive: true });
  const instance = await DuckDBInstance.create(options.path ?? ':memory:');
  let connection: DuckDBConnection;
  const keyedTables = new Set<string>();
  try {
    connection = await instance.connect();
    for (const statement of SCHEMA) await connection.run(statement);
    // Files written before reads deduplicated still have the key: they keep INSERT OR IGNORE, which it requires.
    const keyed = await connection.runAndReadAll(
      "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' AND table_name IN ('exposures', 'metric_events')",
    );
    for (const row of keyed.getRowObjects()) keyedTables.add(String(row['table_name']));
  } catch (error) {
    instance.closeSync();
    throw error;
  }

  // One connection, one staging table per kind: operations take turns.
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new Error('The analytics store is closed'));
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const load = async (staging: string, target: string, fill: (appender: DuckDBAppender) => void): Promise<void> => {
    await connection.run(`DELETE FROM ${staging}`);
    const appender = await connection.createAppender(staging);
    try {
      fill(appender);
    } finally {
      appender.closeSync(); // flushes
    }
    try {
      await connection.run(`INSERT ${keyedTables.has(target) ? 'OR IGNORE ' : ''}INTO ${target} SELECT * FROM ${staging}`);
    } finally {
      await connection.run(`DELETE FROM ${staging}`);
    }
  };

  return {
    async insertExposures(rows: readonly ExposureRow[]): Promise<void> {
      const checked = checkedExposures(rows);
      if (checked.length === 0) return;
      await exclusive(() =>
        load('exposures_staging', 'exposures', (a) => {
          for (const { row, ts } of checked) {
            a.appendVarchar(row.eventId);
            a.appendVarchar(row.experimentKey);
            a.appendVarchar(row.flagKey);
            a.appendVarchar(row.environment);
            a.appendVarchar(row.variant);
            a.appendVarchar(row.unitId);
            if (row.revision === null) a.appendNull();
            else a.appendBigInt(BigInt(row.revision));
            a.appendBigInt(BigInt(ts));
            a.endRow();
          }
        }),
      );
    },

    async insertMetricEvents(rows: readonly MetricEventRow[]): Promise<void> {
      const checked = checkedMetricEvents(rows);
      if (checked.length === 0) return;
      await exclusive(() =>
        load('metric_events_staging', 'metric_events', (a) => {
          for (const { row, ts } of checked) {
            a.appendVarchar(row.eventId);
            a.appendVarchar(row.name);
            a.appendVarchar(row.unitId);
            a.appendDouble(row.value);
            a.appendBigInt(BigInt(ts));
            a.appendVarchar(row.environment);
            a.endRow();
          }
        }),
      );
    },

    async experimentStatistics(query: ExperimentStatisticsQuery): Promise<ExperimentStatistics> {
      const plan = planAnalysis(query);
      const sql = duckDbAnalysisSql(plan);
      const reader = await exclusive(() => connection.runAndReadAll(sql));
      return assembleStatistics(plan, reader.getRowObjects());
    },

    async eventCounts(): Promise<{ exposures: number; metricEvents: number }> {
      const reader = await exclusive(() =>
        connection.runAndReadAll('SELECT (SELECT count(DISTINCT event_id) FROM exposures) AS exposures, (SELECT count(DISTINCT event_id) FROM metric_events) AS metric_events'),
      );
      const row = reader.getRowObjects()[0];
      return { exposures: Number(row?.['exposures'] ?? 0), metricEvents: Number(row?.['metric_events'] ?? 0) };
    },

    async close(): Promise<void> {
      if (closed) return;
      await exclusive(async () => undefined);
      closed = true;
      connection.closeSync();
      instance.closeSync();
    },
  };
}
