import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import v8 from 'node:v8';
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
  if (dataDir !== undefined) await initialiseApart(dataDir);
  // V8 compiles WASM twice, a quick baseline first and then, in the background, optimised code for what runs
  // hot; for PostgreSQL's large module the second tier held ~35-65 MiB more RSS for good (measured: 16,000
  // events appended then read, 236-241 MiB with the baseline only, 301-313 MiB with both) and on two cores made
  // appends no faster (1.8-2.3 s against 2.4-2.9 s). Flagstaff runs no other WASM, so the flag is safe to set
  // for the process; it applies to modules compiled after it, so before PGlite's.
  v8.setFlagsFromString('--liftoff-only');
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

/**
 * A new data directory is created (initdb) in a short-lived child process: initdb grows PGlite's WASM memory to
 * ~700 MiB, and WASM memory is never given back, so done in process a first start would keep ~800 MiB of RSS for
 * its whole life (measured: 800 MiB in process, 236 MiB when the directory is created apart, then opened).
 */
async function initialiseApart(dataDir: string): Promise<void> {
  const exists = await fs.access(path.join(dataDir, 'PG_VERSION')).then(() => true, () => false);
  if (exists) return;
  const code = `const { PGlite } = await import(${JSON.stringify(import.meta.resolve('@electric-sql/pglite'))}); const db = await PGlite.create({ dataDir: process.argv[1] }); await db.close();`;
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code, dataDir], { env: { ...process.env, NODE_OPTIONS: '' } });
}
