import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { DuckDBInstance } from '@duckdb/node-api';
import type { AnalyticsStore, ExperimentStatistics, ExperimentStatisticsQuery } from '../src/analytics/analytics-store.ts';
import { createClickHouseAnalyticsStore } from '../src/analytics/store/clickhouse-analytics-store.ts';
import { createDuckDbAnalyticsStore } from '../src/analytics/store/duckdb-analytics-store.ts';
import { compared, machine, type BenchReport, type Measurement } from './harness.ts';

/**
 * The experiment results query (the target: results for an experiment with 10 million exposures in under
 * 2 s on ClickHouse) on 10 million exposures (1 million units, 10 each, 1,000 of them in both variants) and
 * 10 million metric events (a quarter purchases worth 1..100, the rest page views), with three metrics: a
 * binomial with a 72 h window, a mean with CUPED, and a ratio (and once more with the mean winsorised). The rows are generated inside each
 * engine with the same integer arithmetic (ClickHouse numbers(), DuckDB range()), so both hold identical data and
 * must return identical statistics, which the run checks. Baseline, in the same run and on the same tables: a
 * plain count() of the rows the query reads.
 */
// FLAGSTAFF_BENCH_SCALE=0.01 makes a quick dry run; the recorded results use 1.
const SCALE = Number(process.env['FLAGSTAFF_BENCH_SCALE'] ?? 1);
const UNITS = Math.round(1_000_000 * SCALE);
const EXPOSURES = 10 * UNITS;
const EVENTS = 10 * UNITS;
const M = (rows: number): string => (rows >= 1_000_000 ? `${rows / 1_000_000}M` : `${rows / 1000}k`);
const BASE = Date.UTC(2026, 0, 1);
const RUNS = 5;

const QUERY: ExperimentStatisticsQuery = {
  experimentKey: 'bench-exp',
  environment: 'production',
  variants: ['control', 'treatment'],
  metrics: [
    { key: 'converted', kind: 'binomial', event: 'purchase', windowHours: 72, cuped: false },
    { key: 'revenue', kind: 'mean', event: 'purchase', cuped: true },
    { key: 'purchases-per-view', kind: 'ratio', numerator: 'purchase', denominator: 'pageview', cuped: false },
  ],
  cupedPreWindowDays: 14,
};
// The same with revenue winsorised at the 99th percentile: one more pass over the per-unit rows.
const WINSORISED: ExperimentStatisticsQuery = {
  ...QUERY,
  metrics: QUERY.metrics.map((m) => (m.kind === 'mean' ? { ...m, winsorizePercentile: 0.99 } : m)),
};
// Starts an hour after the first exposures, so the aggregated units do not cover it: the raw-exposure path.
const WINDOWED: ExperimentStatisticsQuery = { ...QUERY, from: new Date(BASE + 3_600_000), to: new Date(BASE + 30 * 86_400_000) };

/** The same rows in both engines: `n` is the row number, `%` and `//` (intDiv) on small non-negative integers. */
const rows = {
  exposure: {
    unit: `n % ${UNITS}`,
    variant: (sqlIf: (c: string, a: string, b: string) => string, intDiv: (a: string, b: string) => string) =>
      sqlIf(`(((n % ${UNITS}) * 7919) % 100 < 50) != ((n % ${UNITS}) % 1000 = 7 AND ${intDiv('n', String(UNITS))} >= 5)`, "'control'", "'treatment'"),
    ts: (intDiv: (a: string, b: string) => string) => `${BASE} + (((n % ${UNITS}) * 7919) % 1209600) * 1000 + ${intDiv('n', String(UNITS))} * 3600000`,
  },
  event: {
    unit: `(n * 7) % ${UNITS}`,
    value: (sqlIf: (c: string, a: string, b: string) => string) => sqlIf('n % 4 = 0', '1 + (n * 31) % 100', '1'),
    name: (sqlIf: (c: string, a: string, b: string) => string) => sqlIf('n % 4 = 0', "'purchase'", "'pageview'"),
    ts: `${BASE} - 1209600000 + ((n * 104729) % 3628800) * 1000`,
  },
};

interface EngineRun {
  measurements: Measurement[];
  statistics: ExperimentStatistics;
  winsorised: ExperimentStatistics;
}

/** One untimed warm-up run (caches, first-use allocations), then `runs` timed ones. */
async function timed(runs: number, work: () => Promise<unknown>): Promise<{ median: number; min: number; max: number }> {
  await work();
  const seconds: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    await work();
    seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  seconds.sort((a, b) => a - b);
  return { median: seconds[Math.floor(seconds.length / 2)]!, min: seconds[0]!, max: seconds[seconds.length - 1]! };
}

const spread = (t: { min: number; max: number }, runs: number): string => `median of ${runs} runs after a warm-up; min ${t.min.toFixed(2)} s, max ${t.max.toFixed(2)} s`;

async function elapsed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function clickHouse(): Promise<EngineRun> {
  const url = process.env['CLICKHOUSE_URL'] ?? 'http://127.0.0.1:8123';
  const database = `bench_analytics_${process.pid}`;
  const admin: ClickHouseClient = createClient({ url, log: { level: ClickHouseLogLevel.OFF }, request_timeout: 600_000 });
  const command = (query: string) => admin.command({ query });
  await command(`DROP DATABASE IF EXISTS ${database}`);
  let store: AnalyticsStore | undefined;
  try {
    store = await createClickHouseAnalyticsStore({ url, database });
    const s = store;
    const chIf = (c: string, a: string, b: string) => `if(${c}, ${a}, ${b})`;
    const chDiv = (a: string, b: string) => `intDiv(${a}, ${b})`;
    const loadSeconds = await elapsed(async () => {
      await command(`INSERT INTO ${database}.exposures (event_id, experiment_key, flag_key, environment, variant, unit_id, revision, ts)
        SELECT concat('x', toString(n)), 'bench-exp', 'bench-flag', 'production', ${rows.exposure.variant(chIf, chDiv)},
               concat('u', toString(${rows.exposure.unit})), 1, toInt64(${rows.exposure.ts(chDiv)})
        FROM (SELECT number AS n FROM numbers(${EXPOSURES}))`);
      await command(`INSERT INTO ${database}.metric_events (event_id, name, unit_id, value, ts, environment)
        SELECT concat('m', toString(n)), ${rows.event.name(chIf)}, concat('u', toString(${rows.event.unit})),
               toFloat64(${rows.event.value(chIf)}), toInt64(${rows.event.ts}), 'production'
        FROM (SELECT number AS n FROM numbers(${EVENTS}))`);
    });
    const count = async () => {
      const result = await admin.query({
        query: `SELECT (SELECT count() FROM ${database}.exposures WHERE experiment_key = 'bench-exp') AS e, (SELECT count() FROM ${database}.metric_events WHERE name IN ('purchase', 'pageview')) AS m`,
        format: 'JSONEachRow',
      });
      const [row] = await result.json<{ e: string; m: string }>();
      if (Number(row?.e) !== EXPOSURES || Number(row?.m) !== EVENTS) throw new Error(`ClickHouse holds ${row?.e} exposures and ${row?.m} events`);
    };

    const fresh = await timed(3, () => s.experimentStatistics(QUERY));
    const freshBaseline = await timed(3, count);
    // What background merges reach on their own, sooner or later. OPTIMIZE returns without merging when a merge
    // is already running (18.16 says nothing), so it is repeated until each table is one part.
    const optimizeSeconds = await elapsed(async () => {
      for (const table of ['exposures', 'exposure_units_by_environment', 'metric_events']) {
        for (let attempt = 0; ; attempt++) {
          await command(`OPTIMIZE TABLE ${database}.${table} FINAL`);
          const parts = await admin.query({ query: `SELECT count() AS c FROM system.parts WHERE database = '${database}' AND table = '${table}' AND active`, format: 'JSONEachRow' });
          if (Number((await parts.json<{ c: string }>())[0]?.c) === 1) break;
          if (attempt === 120) throw new Error(`${table} did not merge into one part`);
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      }
    });
    const baselineTime = await timed(RUNS, count);
    let statistics: ExperimentStatistics | undefined;
    const results = await timed(RUNS, async () => (statistics = await s.experimentStatistics(QUERY)));
    const windowed = await timed(3, () => s.experimentStatistics(WINDOWED));
    let winsorisedStatistics: ExperimentStatistics | undefined;
    const winsorised = await timed(3, async () => (winsorisedStatistics = await s.experimentStatistics(WINSORISED)));

    const baseline: Measurement = {
      name: `ClickHouse: count() of the ${M(EXPOSURES)} exposures and ${M(EVENTS)} metric events the query reads`,
      value: baselineTime.median,
      unit: 's',
      notes: spread(baselineTime, RUNS),
    };
    const freshBase: Measurement = { name: 'ClickHouse: the same count(), right after the bulk load', value: freshBaseline.median, unit: 's', notes: spread(freshBaseline, 3) };
    return {
      statistics: statistics!,
      winsorised: winsorisedStatistics!,
      measurements: [
        { name: `ClickHouse: load ${M(EXPOSURES)} exposures + ${M(EVENTS)} metric events (INSERT … SELECT FROM numbers())`, value: (EXPOSURES + EVENTS) / loadSeconds, unit: 'rows/s', notes: `${loadSeconds.toFixed(1)} s; OPTIMIZE … FINAL of the three tables afterwards: ${optimizeSeconds.toFixed(1)} s` },
        baseline,
        compared('ClickHouse: results query, 3 metrics (binomial 72 h, mean with CUPED, ratio), 2 variants, units from exposure_units_by_environment', results.median, 's', baseline, {
          target: '< 2 s',
          notes: `${spread(results, RUNS)}; after background merges (OPTIMIZE … FINAL)`,
        }),
        compared('ClickHouse: the same with the mean winsorised at p99', winsorised.median, 's', baseline, { notes: spread(winsorised, 3) }),
        compared('ClickHouse: the same with a from/to window that cuts exposures (units from the raw exposures)', windowed.median, 's', baseline, { notes: spread(windowed, 3) }),
        freshBase,
        compared('ClickHouse: results query right after the bulk load, before merges (FINAL does the deduplication)', fresh.median, 's', freshBase, { notes: spread(fresh, 3) }),
      ],
    };
  } finally {
    await store?.close();
    await command(`DROP DATABASE IF EXISTS ${database}`);
    await admin.close();
  }
}

async function duckDb(): Promise<EngineRun> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flagstaff-bench-duckdb-'));
  const file = path.join(dir, 'analytics.duckdb');
  try {
    await (await createDuckDbAnalyticsStore({ path: file })).close(); // creates the schema
    const duckIf = (c: string, a: string, b: string) => `CASE WHEN ${c} THEN ${a} ELSE ${b} END`;
    const duckDiv = (a: string, b: string) => `(${a}) // ${b}`;
    const instance = await DuckDBInstance.create(file);
    const connection = await instance.connect();
    const loadSeconds = await elapsed(async () => {
      await connection.run(`INSERT INTO exposures SELECT 'x' || n, 'bench-exp', 'bench-flag', 'production', ${rows.exposure.variant(duckIf, duckDiv)},
        'u' || (${rows.exposure.unit}), 1, ${rows.exposure.ts(duckDiv)} FROM range(${EXPOSURES}) t(n)`);
      await connection.run(`INSERT INTO metric_events SELECT 'm' || n, ${rows.event.name(duckIf)}, 'u' || (${rows.event.unit}), ${rows.event.value(duckIf)}, ${rows.event.ts}, 'production'
        FROM range(${EVENTS}) t(n)`);
      await connection.run('CHECKPOINT');
    });
    // The baseline reads the filter columns, as the ClickHouse one does (a bare count(*) is answered from metadata).
    const counts = await timed(RUNS, () =>
      connection.runAndReadAll(`SELECT (SELECT count(*) FROM exposures WHERE experiment_key = 'bench-exp'), (SELECT count(*) FROM metric_events WHERE name IN ('purchase', 'pageview'))`),
    );
    connection.closeSync();
    instance.closeSync();

    const store = await createDuckDbAnalyticsStore({ path: file });
    try {
      let statistics: ExperimentStatistics | undefined;
      const results = await timed(RUNS, async () => (statistics = await store.experimentStatistics(QUERY)));
      const windowed = await timed(3, () => store.experimentStatistics(WINDOWED));
      let winsorisedStatistics: ExperimentStatistics | undefined;
      const winsorised = await timed(3, async () => (winsorisedStatistics = await store.experimentStatistics(WINSORISED)));
      const baseline: Measurement = { name: `DuckDB: count(*) of the ${M(EXPOSURES)} exposures and ${M(EVENTS)} metric events the query reads (file)`, value: counts.median, unit: 's', notes: spread(counts, RUNS) };
      return {
        statistics: statistics!,
        winsorised: winsorisedStatistics!,
        measurements: [
          { name: `DuckDB: load ${M(EXPOSURES)} exposures + ${M(EVENTS)} metric events (INSERT … SELECT FROM range(); ids deduplicated on read)`, value: (EXPOSURES + EVENTS) / loadSeconds, unit: 'rows/s', notes: `${loadSeconds.toFixed(1)} s` },
          baseline,
          compared('DuckDB: results query, same metrics and data', results.median, 's', baseline, { notes: spread(results, RUNS) }),
          compared('DuckDB: the same with the mean winsorised at p99', winsorised.median, 's', baseline, { notes: spread(winsorised, 3) }),
          compared('DuckDB: the same with the from/to window', windowed.median, 's', baseline, { notes: spread(windowed, 3) }),
        ],
      };
    } finally {
      await store.close();
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const ch = await clickHouse();
  const duck = await duckDb();
  // The same rows must give the same numbers on both engines (every value is an integer: the sums are exact).
  for (const key of ['statistics', 'winsorised'] as const) {
    if (!isDeepStrictEqual(ch[key], duck[key])) throw new Error(`ClickHouse and DuckDB disagree:\n${JSON.stringify(ch[key])}\n${JSON.stringify(duck[key])}`);
  }
  const units = ch.statistics.units;
  const check: Measurement = {
    name: 'Both engines return identical statistics on the same data',
    value: 1,
    unit: 'yes',
    notes: `units ${JSON.stringify(units)}, multiple exposures ${ch.statistics.multipleExposures}`,
  };
  return { bench: 'analytics-query', startedAt, machine: machine(), measurements: [...ch.measurements, ...duck.measurements, check] };
}
