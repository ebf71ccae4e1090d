import { PGlite } from '@electric-sql/pglite';
import type { SqlDriver, SqlQueryable } from './sql-driver.ts';

/** PostgreSQL compiled to WASM, in process: the embedded default. `dataDir` undefined means in memory. */
export async function createPgliteDriver(dataDir?: string): Promise<SqlDriver> {
  const db = dataDir === undefined ? await PGlite.create() : await PGlite.create({ dataDir });
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
