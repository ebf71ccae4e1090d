import type { ClickHouseClient } from '@clickhouse/client';

/**
 * ClickHouse's own cumulative counters (system.events), read before and after a window: how many inserts the
 * sink made and how many rows each held, and how much merging the many small parts cost. They are server-wide:
 * other work on the same server in that window counts too.
 */
const COUNTERS = ['InsertQuery', 'InsertedRows', 'SelectQuery', 'MergedRows', 'MergesTimeMilliseconds'] as const;
export type ClickHouseCounters = Record<(typeof COUNTERS)[number], number>;

export async function readCounters(client: ClickHouseClient): Promise<ClickHouseCounters> {
  const query = `SELECT event, value FROM system.events WHERE event IN (${COUNTERS.map((c) => `'${c}'`).join(', ')})`;
  const rows = await (await client.query({ query, format: 'JSONEachRow' })).json<{ event: string; value: string }>();
  const values = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as ClickHouseCounters;
  for (const row of rows) if (row.event in values) values[row.event as keyof ClickHouseCounters] = Number(row.value);
  return values;
}

export function countersBetween(from: ClickHouseCounters, to: ClickHouseCounters): ClickHouseCounters {
  return Object.fromEntries(COUNTERS.map((c) => [c, to[c] - from[c]])) as ClickHouseCounters;
}

/**
 * The inserts into one database's `exposures` and `metric_events` so far, and the rows they hold: a MergeTree
 * table numbers its inserts (block numbers, one per insert, kept by merges), so the highest block number over
 * its parts is how many inserts it took, whatever merges happened since. Unlike system.events, only ours.
 */
export async function tableInserts(client: ClickHouseClient, database: string): Promise<{ inserts: number; rows: number }> {
  if (!/^\w+$/.test(database)) throw new Error(`unexpected database name ${database}`);
  const query = `SELECT
      (SELECT max(max_block_number) FROM system.parts WHERE database = '${database}' AND table = 'exposures') AS exposure_inserts,
      (SELECT max(max_block_number) FROM system.parts WHERE database = '${database}' AND table = 'metric_events') AS metric_inserts,
      (SELECT count() FROM ${database}.exposures) + (SELECT count() FROM ${database}.metric_events) AS rows`;
  const rows = await (await client.query({ query, format: 'JSONEachRow' })).json<{ exposure_inserts: string; metric_inserts: string; rows: string }>();
  const row = rows[0];
  return { inserts: Number(row?.exposure_inserts ?? 0) + Number(row?.metric_inserts ?? 0), rows: Number(row?.rows ?? 0) };
}
