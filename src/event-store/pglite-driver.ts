import { PGlite } from '@electric-sql/pglite';
import type { SqlDriver, SqlQueryable } from './sql-driver.ts';

/**
 * PostgreSQL's 128 MB of shared buffers become resident WASM memory that is never given back: 110 MiB of RSS
 * measured in an idle Flagstaff. An event store is appended at the end and read mostly once; 16 MB is plenty,
 * and the operating system's page cache serves the rest.
 */
const START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

/** PostgreSQL compiled to WASM, in process: the embedded default. `dataDir` undefined means in memory. */
export async function createPgliteDriver(dataDir?: string): Promise<SqlDriver> {
  const db = await PGlite.create({ ...(dataDir === undefined ? {} : { dataDir }), startParams: START_PARAMS });
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): SqlQueryable => ({
    async query<Row>(sql: string, params: readonly unknown[] = []) {
      const result = await q.query<Row>(sql, params as unknown[]);
      return result.rows;
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
  });
  return {
    ...wrap(db),
    transaction: (work) => db.transaction((tx) => work(wrap(tx))),
    listen: async (channel, onNotify) => {
      const unlisten = await db.listen(channel, onNotify);
      return unlisten;
    },
    close: () => db.close(),
  };
}
