import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import type { ExperimentStatisticsQuery } from '../../../src/analytics/analytics-store.ts';
import { planAnalysis } from '../../../src/analytics/store/analysis-plan.ts';
import { clickHouseAnalysisStatements, clickHouseCoverageSql, duckDbAnalysisSql, type ClickHouseAnalysisOptions } from '../../../src/analytics/store/analysis-sql.ts';

// ClickHouse 18.16 cannot run here, so its flavour is checked as text: each dialect difference (sumIf, countIf,
// indexOf, intDiv, arraySort, ARRAY JOIN, ANY joins, the temporary units table, the hash ranges) is behaviour the
// e2e suite runs against a real server. DuckDB's flavour is also run, in memory.

const tables = { exposures: 'db.exposures', exposureUnits: 'db.exposure_units', metricEvents: 'db.metric_events' };
const plan = (change: Partial<ExperimentStatisticsQuery> = {}) =>
  planAnalysis({ experimentKey: 'exp', environment: 'prod', variants: ['a', 'b'], metrics: [], cupedPreWindowDays: 1, ...change });
const clickHouse = (change: Partial<ExperimentStatisticsQuery>, options: Partial<ClickHouseAnalysisOptions> = {}) =>
  clickHouseAnalysisStatements(plan(change), tables, { units: 'raw', branches: 1, unitsTable: 'units_t', ...options });

describe('ClickHouse: the statements of one analysis', () => {
  it('without metrics: creates, fills from the raw exposures in [from, to), counts units per group, drops', () => {
    expect(clickHouse({ from: new Date(1000), to: new Date(2000) })).toEqual({
      createUnits: 'CREATE TEMPORARY TABLE `units_t` (unit_hash UInt64, f Int64, g Int32) ENGINE = Memory',
      fillUnits:
        "INSERT INTO `units_t` SELECT unit_hash, f, if(vmin = vmax, toInt32(indexOf(['a', 'b'], vmin)), -1) AS g FROM " +
        '(SELECT unit_hash, min(ts) AS f, min(variant) AS vmin, max(variant) AS vmax FROM db.exposures ' +
        "WHERE experiment_key = 'exp' AND environment = 'prod' AND ts >= 1000 AND ts < 2000 GROUP BY unit_hash)",
      analysis: 'SELECT g, count() AS n FROM (SELECT g FROM (SELECT unit_hash, f, g FROM `units_t`)) GROUP BY g',
      dropUnits: 'DROP TEMPORARY TABLE IF EXISTS `units_t`',
    });
  });

  it('aggregated units: merged from the per-unit table, whose from/to the caller has checked (so none is written)', () => {
    expect(clickHouse({ from: new Date(1000) }, { units: 'aggregated' }).fillUnits).toBe(
      "INSERT INTO `units_t` SELECT unit_hash, f, if(vmin = vmax, toInt32(indexOf(['a', 'b'], vmin)), -1) AS g FROM " +
        '(SELECT unit_hash, minMerge(first_ts) AS f, minMerge(variant_min) AS vmin, maxMerge(variant_max) AS vmax FROM db.exposure_units ' +
        "WHERE experiment_key = 'exp' AND environment = 'prod' GROUP BY unit_hash)",
    );
  });

  it('no variants asked for: every single-variant unit is group 0, with no indexOf over an empty array', () => {
    expect(clickHouse({ variants: [] }).fillUnits).toBe(
      'INSERT INTO `units_t` SELECT unit_hash, f, if(vmin = vmax, 0, -1) AS g FROM ' +
        '(SELECT unit_hash, min(ts) AS f, min(variant) AS vmin, max(variant) AS vmax FROM db.exposures ' +
        "WHERE experiment_key = 'exp' AND environment = 'prod' GROUP BY unit_hash)",
    );
  });

  it('binomial (windowed, with CUPED) and ratio metrics: per-unit countIf/sumIf over deduplicated events joined to included units', () => {
    const metrics = [
      { key: 'c', kind: 'binomial', event: 'buy', windowHours: 1, cuped: true },
      { key: 'r', kind: 'ratio', numerator: 'buy', denominator: 'view', cuped: false },
    ] as const;
    expect(clickHouse({ metrics: [...metrics] }).analysis).toBe(
      'SELECT g, count() AS n, sum(m0_y) AS m0_s, sum(m0_y * m0_y) AS m0_q, sum(m0_x) AS m0_sx, sum(m0_x * m0_x) AS m0_qx, sum(m0_x * m0_y) AS m0_sxy, ' +
        'sum(m1_y) AS m1_s, sum(m1_y * m1_y) AS m1_q, sum(m1_d) AS m1_sd, sum(m1_d * m1_d) AS m1_qd, sum(m1_y * m1_d) AS m1_syd FROM (' +
        'SELECT g, m0_y, m0_x, m1_y, m1_d FROM (SELECT unit_hash, f, g FROM `units_t`) ANY LEFT JOIN (' +
        "SELECT unit_hash, toFloat64(countIf(name = 'buy' AND ts >= f AND ts < f + 3600000) > 0) AS m0_y, " +
        "toFloat64(countIf(name = 'buy' AND ts >= f - 86400000 AND ts < f) > 0) AS m0_x, " +
        "sumIf(value, name = 'buy' AND ts >= f) AS m1_y, sumIf(value, name = 'view' AND ts >= f) AS m1_d " +
        "FROM (SELECT unit_hash, name, value, ts FROM db.metric_events FINAL WHERE name IN ('buy', 'view') AND environment = 'prod') " +
        'ANY INNER JOIN (SELECT unit_hash, f FROM (SELECT unit_hash, f, g FROM `units_t`) WHERE g > 0) USING unit_hash GROUP BY unit_hash' +
        ') USING unit_hash) GROUP BY g',
    );
  });

  it('a winsorised mean with CUPED: per-unit rows gathered into arrays, caps read at the integer rank, rows unrolled with ARRAY JOIN', () => {
    const analysis = clickHouse({ metrics: [{ key: 'v', kind: 'mean', event: 'buy', winsorizePercentile: 0.9, cuped: true }] }).analysis;
    const rank = 'greatest(1, intDiv(countIf(g > 0) * 900000 + 999999, 1000000))';
    expect(analysis).toBe(
      'SELECT g, count() AS n, sum(least(m0_y, cap_m0_y)) AS m0_s, sum(least(m0_y, cap_m0_y) * least(m0_y, cap_m0_y)) AS m0_q, ' +
        'sum(least(m0_x, cap_m0_x)) AS m0_sx, sum(least(m0_x, cap_m0_x) * least(m0_x, cap_m0_x)) AS m0_qx, sum(least(m0_x, cap_m0_x) * least(m0_y, cap_m0_y)) AS m0_sxy ' +
        'FROM (SELECT g, m0_y, m0_x, cap_m0_y, cap_m0_x FROM (' +
        'SELECT groupArray(g) AS a_g, groupArray(m0_y) AS a_m0_y, groupArray(m0_x) AS a_m0_x, ' +
        `arraySort(groupArrayIf(m0_y, g > 0))[${rank}] AS cap_m0_y, arraySort(groupArrayIf(m0_x, g > 0))[${rank}] AS cap_m0_x FROM (` +
        'SELECT g, m0_y, m0_x FROM (SELECT unit_hash, f, g FROM `units_t`) ANY LEFT JOIN (' +
        "SELECT unit_hash, sumIf(value, name = 'buy' AND ts >= f) AS m0_y, sumIf(value, name = 'buy' AND ts >= f - 86400000 AND ts < f) AS m0_x " +
        "FROM (SELECT unit_hash, name, value, ts FROM db.metric_events FINAL WHERE name IN ('buy') AND environment = 'prod') " +
        'ANY INNER JOIN (SELECT unit_hash, f FROM (SELECT unit_hash, f, g FROM `units_t`) WHERE g > 0) USING unit_hash GROUP BY unit_hash' +
        ') USING unit_hash)) ARRAY JOIN a_g AS g, a_m0_y AS m0_y, a_m0_x AS m0_x) GROUP BY g',
    );
  });

  it('the coverage query: unit count, earliest and latest exposure of the experiment in its environment', () => {
    expect(clickHouseCoverageSql(plan(), tables)).toBe(
      "SELECT count() AS units, toString(minMerge(first_ts)) AS first, toString(maxMerge(last_ts)) AS last FROM db.exposure_units WHERE experiment_key = 'exp' AND environment = 'prod'",
    );
  });
});

describe('ClickHouse: branches over disjoint ranges of unit_hash', () => {
  /** Each UNION ALL branch's range, read back from its units subquery: [lower, upper), undefined for no bound. */
  const ranges = (analysis: string): { lower?: bigint; upper?: bigint }[] =>
    analysis.split(' UNION ALL ').map((part) => {
      const where = /FROM `units_t`(?: WHERE ([^)]*))?\)/.exec(part)![1] ?? '';
      const bound = (op: string) => new RegExp(`unit_hash ${op} (\\d+)`).exec(where)?.[1];
      const lower = bound('>=');
      const upper = bound('<');
      return { ...(lower === undefined ? {} : { lower: BigInt(lower) }), ...(upper === undefined ? {} : { upper: BigInt(upper) }) };
    });

  it('three branches: thirds of the 64-bit space, the last one taking the remainder', () => {
    expect(clickHouse({}, { branches: 3 }).analysis).toBe(
      'SELECT g, count() AS n FROM (' +
        'SELECT g FROM (SELECT unit_hash, f, g FROM `units_t` WHERE unit_hash < 6148914691236517205) UNION ALL ' +
        'SELECT g FROM (SELECT unit_hash, f, g FROM `units_t` WHERE unit_hash >= 6148914691236517205 AND unit_hash < 12297829382473034410) UNION ALL ' +
        'SELECT g FROM (SELECT unit_hash, f, g FROM `units_t` WHERE unit_hash >= 12297829382473034410)' +
        ') GROUP BY g',
    );
  });

  it('for every count from 1 to 64, the ranges cover [0, 2^64) once, in order, each non-empty', () => {
    for (let n = 1; n <= 64; n++) {
      const found = ranges(clickHouse({}, { branches: n }).analysis);
      expect(found).toHaveLength(n);
      expect(found[0]!.lower).toBeUndefined();
      expect(found[n - 1]!.upper).toBeUndefined();
      for (let i = 0; i + 1 < n; i++) {
        expect(found[i]!.upper).toBe(found[i + 1]!.lower);
        expect(found[i]!.upper! > (found[i]!.lower ?? 0n)).toBe(true);
      }
    }
  });

  it('clamps the branch count to 1..64, rounding down', () => {
    expect(ranges(clickHouse({}, { branches: 0 }).analysis)).toEqual([{}]);
    expect(ranges(clickHouse({}, { branches: -3 }).analysis)).toEqual([{}]);
    expect(ranges(clickHouse({}, { branches: 2.9 }).analysis)).toEqual([{ upper: 1n << 63n }, { lower: 1n << 63n }]);
    expect(ranges(clickHouse({}, { branches: 65 }).analysis)).toHaveLength(64);
    expect(ranges(clickHouse({}, { branches: 1000 }).analysis)).toHaveLength(64);
  });

  it('with metrics, each branch reads only its range: its units, the events and the included units alike', () => {
    const analysis = clickHouse({ metrics: [{ key: 'v', kind: 'mean', event: 'buy', cuped: false }] }, { branches: 2 }).analysis;
    const branch = (range: string) =>
      `SELECT g, m0_y FROM (SELECT unit_hash, f, g FROM \`units_t\` WHERE ${range}) ANY LEFT JOIN (` +
      "SELECT unit_hash, sumIf(value, name = 'buy' AND ts >= f) AS m0_y " +
      `FROM (SELECT unit_hash, name, value, ts FROM db.metric_events FINAL WHERE name IN ('buy') AND environment = 'prod' AND ${range}) ` +
      `ANY INNER JOIN (SELECT unit_hash, f FROM (SELECT unit_hash, f, g FROM \`units_t\` WHERE ${range}) WHERE g > 0) USING unit_hash GROUP BY unit_hash` +
      ') USING unit_hash';
    expect(analysis).toBe(
      'SELECT g, count() AS n, sum(m0_y) AS m0_s, sum(m0_y * m0_y) AS m0_q FROM (' +
        `${branch('unit_hash < 9223372036854775808')} UNION ALL ${branch('unit_hash >= 9223372036854775808')}` +
        ') GROUP BY g',
    );
  });
});

describe('DuckDB without metrics', () => {
  it('groups units only, with no events CTE (no empty IN list)', () => {
    expect(duckDbAnalysisSql(plan({ from: new Date(1000) }))).toBe(
      'WITH units AS MATERIALIZED (SELECT unit_id, min(ts) AS f, ' +
        "CASE WHEN min(variant) = max(variant) THEN coalesce(list_position(['a', 'b']::VARCHAR[], min(variant)), 0) ELSE -1 END AS g " +
        "FROM exposures WHERE experiment_key = 'exp' AND environment = 'prod' AND ts >= 1000 GROUP BY unit_id),\n" +
        'per_unit AS (SELECT g FROM units)\n' +
        'SELECT g, count(*) AS n FROM per_unit GROUP BY g',
    );
  });

  it('no variants asked for: single-variant units are group 0 without a list lookup', () => {
    expect(duckDbAnalysisSql(plan({ variants: [] }))).toContain('CASE WHEN min(variant) = max(variant) THEN 0 ELSE -1 END AS g');
  });

  it('counts units per group when run: asked-for variants by position, others 0, several variants -1, [from, to) applied', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    try {
      const connection = await instance.connect();
      await connection.run('CREATE TABLE exposures (experiment_key VARCHAR, environment VARCHAR, variant VARCHAR, unit_id VARCHAR, ts BIGINT)');
      await connection.run(
        'INSERT INTO exposures VALUES ' +
          [
            "('exp', 'prod', 'a', 'u1', 1000)",
            "('exp', 'prod', 'a', 'u1', 1500)",
            "('exp', 'prod', 'b', 'u2', 1999)",
            "('exp', 'prod', 'b', 'u3', 1000)",
            "('exp', 'prod', 'c', 'u4', 1200)", // a variant not asked for
            "('exp', 'prod', 'a', 'u5', 1100)",
            "('exp', 'prod', 'b', 'u5', 1300)", // two variants
            "('exp', 'prod', 'a', 'u6', 999)", // before from
            "('exp', 'prod', 'a', 'u7', 2000)", // at to (excluded)
            "('exp', 'dev', 'a', 'u8', 1000)", // another environment
            "('other', 'prod', 'a', 'u9', 1000)", // another experiment
          ].join(', '),
      );
      const reader = await connection.runAndReadAll(`SELECT g, n FROM (${duckDbAnalysisSql(plan({ from: new Date(1000), to: new Date(2000) }))}) ORDER BY g`);
      expect(reader.getRowObjects()).toEqual([
        { g: -1, n: 1n },
        { g: 0, n: 1n },
        { g: 1, n: 1n },
        { g: 2, n: 2n },
      ]);
      connection.closeSync();
    } finally {
      instance.closeSync();
    }
  });
});
