import { randomUUID } from 'node:crypto';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { AnalyticsStore, ExperimentStatistics, ExperimentStatisticsQuery, ExposureRow, MetricEventRow } from '../analytics-store.ts';
import { assembleStatistics, planAnalysis, type AnalysisPlan } from './analysis-plan.ts';
import { clickHouseAnalysisStatements, clickHouseCoverageSql, type ClickHouseAnalysisOptions, type ClickHouseTables } from './analysis-sql.ts';
import { AnalyticsStoreUnavailableError, isClickHouseUnreachable } from './errors.ts';
import { checkedExposures, checkedMetricEvents } from './row-checks.ts';
import { sqlIdentifier, sqlString } from './sql-literals.ts';

export interface ClickHouseAnalyticsStoreOptions {
  /** e.g. `http://127.0.0.1:8123` */
  readonly url: string;
  /** Created, with the tables, when missing. */
  readonly database: string;
  readonly username?: string;
  readonly password?: string;
}

/**
 * The production analytics store (docs/analytics-schema.md): ClickHouse over HTTP, written for 18.16 and current releases.
 *
 * - `exposures` and `metric_events` are ReplacingMergeTree, ordered so that one experiment's exposures and one
 *   event name's events are contiguous, each unit's rows together, and the event id last: a row delivered twice
 *   has the same sorting key, so merges keep one. Merges happen whenever ClickHouse gets to them, so reads do not
 *   rely on them: metric events are read with FINAL; exposures only feed aggregates that a duplicate cannot change
 *   (the earliest and latest time, the smallest and largest variant). A metric event's environment ends its
 *   sorting key, so that another environment's key reusing an event id cannot make a merge drop this one's event.
 * - `exposure_units_by_environment` (AggregatingMergeTree, fed by the materialized view
 *   `exposure_units_by_environment_mv` within each insert) keeps those aggregates per experiment, environment and
 *   unit, so the analysis reads about one row per unit instead of one per exposure whenever the query's [from, to)
 *   holds every exposure of the experiment in its environment (checked before and after the analysis) and merges
 *   have made it smaller than the exposures; otherwise the analysis reads the exposures.
 * - `unit_hash` = cityHash64(unit_id), computed by the server at insert, is what the analysis groups and joins
 *   on. Timestamps are integer milliseconds (18.16 has no DateTime64).
 *
 * Tables of earlier releases are migrated at start, keeping their rows (`addMetricEventsEnvironment`, `retired`).
 *
 * Values reach the SQL only through sql-literals.ts (18.16 has no server-side parameters); rows travel as
 * JSONEachRow bodies, never as SQL.
 */
export interface ClickHouseSchema {
  readonly database: string;
  readonly tables: readonly string[];
  readonly view: string;
  readonly backfill: string;
  /**
   * Metric events stored before they carried an environment get an empty one, which no analysis counts (it
   * cannot be told which key sent them; see analytics-store.ts). 18.16 has no ADD COLUMN IF NOT EXISTS: this
   * runs when system.columns lacks the column, and "already exists" (code 44) means another process was first.
   */
  readonly addMetricEventsEnvironment: string;
  /** The per-unit aggregates of earlier releases, which had no environment: derived data, rebuilt per environment by `backfill`. */
  readonly retired: readonly string[];
}

export function clickHouseSchema(database: string): ClickHouseSchema {
  const db = sqlIdentifier(database, 'clickhouse');
  const unitAggregates = 'minState(ts) AS first_ts, maxState(ts) AS last_ts, minState(variant) AS variant_min, maxState(variant) AS variant_max';
  const units = `${db}.exposure_units_by_environment`;
  return {
    database: `CREATE DATABASE IF NOT EXISTS ${db}`,
    tables: [
      `CREATE TABLE IF NOT EXISTS ${db}.exposures (
        event_id String, experiment_key String, flag_key String, environment String, variant String, unit_id String,
        revision Nullable(Int64), ts Int64, unit_hash UInt64 MATERIALIZED cityHash64(unit_id)
      ) ENGINE = ReplacingMergeTree ORDER BY (experiment_key, unit_hash, event_id)`,
      `CREATE TABLE IF NOT EXISTS ${units} (
        experiment_key String, environment String, unit_hash UInt64, first_ts AggregateFunction(min, Int64), last_ts AggregateFunction(max, Int64),
        variant_min AggregateFunction(min, String), variant_max AggregateFunction(max, String)
      ) ENGINE = AggregatingMergeTree ORDER BY (experiment_key, environment, unit_hash)`,
      // The environment comes last, as ADD COLUMN puts it in a migrated table, so both have one layout.
      `CREATE TABLE IF NOT EXISTS ${db}.metric_events (
        event_id String, name String, unit_id String, value Float64, ts Int64, unit_hash UInt64 MATERIALIZED cityHash64(unit_id), environment String
      ) ENGINE = ReplacingMergeTree ORDER BY (name, unit_hash, event_id, environment)`,
    ],
    view: `CREATE MATERIALIZED VIEW IF NOT EXISTS ${units}_mv TO ${units} AS
      SELECT experiment_key, environment, unit_hash, ${unitAggregates} FROM ${db}.exposures GROUP BY experiment_key, environment, unit_hash`,
    // The view sees only new inserts; this fills it from exposures stored before it existed. min and max do not
    // mind rows counted twice, so running it while inserts go on is harmless.
    backfill: `INSERT INTO ${units} SELECT experiment_key, environment, unit_hash, ${unitAggregates} FROM ${db}.exposures GROUP BY experiment_key, environment, unit_hash`,
    addMetricEventsEnvironment: `ALTER TABLE ${db}.metric_events ADD COLUMN environment String, MODIFY ORDER BY (name, unit_hash, event_id, environment)`,
    // The view first, so that no insert feeds a table about to go.
    retired: [`DROP TABLE IF EXISTS ${db}.exposure_units_mv`, `DROP TABLE IF EXISTS ${db}.exposure_units`],
  };
}

export function clickHouseTables(database: string): ClickHouseTables {
  const db = sqlIdentifier(database, 'clickhouse');
  return { exposures: `${db}.exposures`, exposureUnits: `${db}.exposure_units_by_environment`, metricEvents: `${db}.metric_events` };
}

/** ClickHouse's ILLEGAL_COLUMN, which ALTER … ADD COLUMN answers when the column is already there. */
const COLUMN_ALREADY_EXISTS = 44;

/** The server's error code from an 18.16-style message ("Code: 60, e.displayText() = ..."), if any. */
function clickHouseErrorCode(error: unknown): number | undefined {
  const match = error instanceof Error ? /Code: (\d+)/.exec(error.message) : null;
  return match ? Number(match[1]) : undefined;
}

export async function createClickHouseAnalyticsStore(options: ClickHouseAnalyticsStoreOptions): Promise<AnalyticsStore> {
  const tables = clickHouseTables(options.database); // validates the name before anything is sent
  const client: ClickHouseClient = createClient({
    url: options.url,
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    // Failures are reported to the caller as errors; the client's own logging would only repeat them.
    log: { level: ClickHouseLogLevel.OFF },
  });

  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (isClickHouseUnreachable(error)) {
        throw new AnalyticsStoreUnavailableError(`The analytics store (ClickHouse) is unavailable: ${(error as Error).message}`, { cause: error });
      }
      throw error;
    }
  };

  let branches: number;
  try {
    const schema = clickHouseSchema(options.database);
    await call(() => client.command({ query: schema.database }));
    for (const statement of schema.tables) await call(() => client.command({ query: statement }));
    const database = sqlString(options.database, 'identifier', 'clickhouse');
    const environmentColumn = await call(() => scalar(client, `SELECT count() FROM system.columns WHERE database = ${database} AND table = 'metric_events' AND name = 'environment'`));
    if (environmentColumn === '0') {
      await call(() => client.command({ query: schema.addMetricEventsEnvironment })).catch((error: unknown) => {
        if (clickHouseErrorCode(error) !== COLUMN_ALREADY_EXISTS) throw error;
      });
    }
    const viewExisted = await call(() => scalar(client, `EXISTS TABLE ${tables.exposureUnits}_mv`));
    await call(() => client.command({ query: schema.view }));
    if (viewExisted !== '1') await call(() => client.command({ query: schema.backfill }));
    for (const statement of schema.retired) await call(() => client.command({ query: statement }));
    // One branch per thread the server gives a query: 18.16 reports "2", current releases "'auto(2)'".
    const threads = Number(/\d+/.exec(await call(() => scalar(client, "SELECT value FROM system.settings WHERE name = 'max_threads'")))?.[0] ?? 1);
    branches = Math.max(1, Math.min(16, threads));
  } catch (error) {
    await client.close();
    throw error;
  }

  const covered = async (plan: AnalysisPlan): Promise<boolean> => {
    const rows = await call(async () => (await client.query({ query: clickHouseCoverageSql(plan, tables), format: 'JSONEachRow' })).json<{ units: string; first: string; last: string }>());
    const row = rows[0];
    if (!row || Number(row.units) === 0) return true;
    return (plan.fromMs === undefined || plan.fromMs <= Number(row.first)) && (plan.toMs === undefined || Number(row.last) < plan.toMs);
  };

  // Right after a large load the aggregated units are still spread over many small parts, one row per unit and
  // insert, and reading them costs more than reading the exposures; background merges shrink them. Read them
  // only when they hold at most half as many rows as the exposures (from part metadata: no data is read).
  const compact = async (): Promise<boolean> => {
    const query = `SELECT table, toString(sum(rows)) AS rows FROM system.parts WHERE database = ${sqlString(options.database, 'identifier', 'clickhouse')} AND table IN ('exposures', 'exposure_units_by_environment') AND active GROUP BY table`;
    const rows = await call(async () => (await client.query({ query, format: 'JSONEachRow' })).json<{ table: string; rows: string }>());
    const count = (table: string): number => Number(rows.find((r) => r.table === table)?.rows ?? 0);
    return count('exposure_units_by_environment') * 2 <= count('exposures');
  };

  let closed = false;
  const open = (): void => {
    if (closed) throw new Error('The analytics store is closed');
  };

  return {
    async insertExposures(rows: readonly ExposureRow[]): Promise<void> {
      open();
      const values = checkedExposures(rows).map(({ row, ts }) => ({
        event_id: row.eventId,
        experiment_key: row.experimentKey,
        flag_key: row.flagKey,
        environment: row.environment,
        variant: row.variant,
        unit_id: row.unitId,
        revision: row.revision,
        ts,
      }));
      if (values.length === 0) return;
      await call(() => client.insert({ table: tables.exposures, values, format: 'JSONEachRow' }));
    },

    async insertMetricEvents(rows: readonly MetricEventRow[]): Promise<void> {
      open();
      const values = checkedMetricEvents(rows).map(({ row, ts }) => ({ event_id: row.eventId, name: row.name, unit_id: row.unitId, environment: row.environment, value: row.value, ts }));
      if (values.length === 0) return;
      await call(() => client.insert({ table: tables.metricEvents, values, format: 'JSONEachRow' }));
    },

    async experimentStatistics(query: ExperimentStatisticsQuery): Promise<ExperimentStatistics> {
      open();
      const plan = planAnalysis(query);
      const run = async (units: 'aggregated' | 'raw'): Promise<ExperimentStatistics> =>
        assembleStatistics(plan, await call(() => clickHouseAnalysisRows(client, plan, tables, { units, branches })));
      if (!(await compact())) return run('raw');
      if (plan.fromMs === undefined && plan.toMs === undefined) return run('aggregated');
      // With a window, the aggregated units stand in for the exposures only if the window holds all of them. Rows
      // are only ever added, so if it still holds them after the analysis it held what the analysis read.
      if (!(await covered(plan))) return run('raw');
      const statistics = await run('aggregated');
      return (await covered(plan)) ? statistics : run('raw');
    },

    async eventCounts(): Promise<{ exposures: number; metricEvents: number }> {
      open();
      const query = `SELECT (SELECT uniqExact(event_id) FROM ${tables.exposures}) AS exposures, (SELECT uniqExact(event_id) FROM ${tables.metricEvents}) AS metric_events`;
      const rows = await call(async () => (await client.query({ query, format: 'JSONEachRow' })).json<{ exposures: string | number; metric_events: string | number }>());
      return { exposures: Number(rows[0]?.exposures ?? 0), metricEvents: Number(rows[0]?.metric_events ?? 0) };
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
}

/**
 * Runs one analysis in a session of its own (its temporary units table lives and dies with it; sessions are
 * exclusive in ClickHouse, so concurrent analyses each take one) and returns the per-group rows.
 */
export async function clickHouseAnalysisRows(
  client: ClickHouseClient,
  plan: AnalysisPlan,
  tables: ClickHouseTables,
  options: Omit<ClickHouseAnalysisOptions, 'unitsTable'>,
): Promise<Record<string, unknown>[]> {
  const session_id = `flagstaff-analysis-${randomUUID()}`;
  const statements = clickHouseAnalysisStatements(plan, tables, { ...options, unitsTable: 'analysis_units' });
  try {
    await client.command({ query: statements.createUnits, session_id });
    await client.command({ query: statements.fillUnits, session_id });
    return await (await client.query({ query: statements.analysis, format: 'JSONEachRow', session_id })).json<Record<string, unknown>>();
  } finally {
    // The session would drop it when it expires; dropping now frees the memory at once.
    await client.command({ query: statements.dropUnits, session_id }).catch(() => {});
  }
}

async function scalar(client: ClickHouseClient, query: string): Promise<string> {
  const rows = await (await client.query({ query, format: 'JSONCompact' })).json<unknown>();
  const data = (rows as { data?: unknown[][] }).data;
  return String(data?.[0]?.[0] ?? '');
}
