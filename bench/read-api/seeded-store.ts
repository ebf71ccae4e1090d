import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createPgliteDriver } from '../../src/event-store/pglite-driver.ts';
import { createPostgresDriver } from '../../src/event-store/postgres-driver.ts';
import type { EventStore } from '../../src/event-store/event-store.ts';
import { createSqlEventStore } from '../../src/event-store/sql-event-store.ts';
import { bootstrap } from '../../src/write/bootstrap.ts';
import { seed, type SeedResult } from './seed.ts';

export type StoreKind = 'pglite' | 'postgres';

export interface SeededStore {
  readonly kind: StoreKind;
  readonly seed: SeedResult;
  /** What a Flagstaff process needs in its environment to open this store (and a data directory of its own). */
  readonly env: Record<string, string>;
  /** Opens the seeded store again, in this process (one PGlite process at a time). */
  open(): Promise<EventStore>;
  /** Drops the PostgreSQL schema, removes the data directory. */
  dispose(): Promise<void>;
}

/**
 * A store bootstrapped and seeded through the EventStore port by this process, then closed, so the Flagstaff
 * process started on it afterwards holds only what serving costs, not what seeding did. PGlite lives in a
 * temporary data directory (where Flagstaff looks for it, `<data dir>/eventstore`); PostgreSQL in a fresh schema.
 */
export async function seededStore(kind: StoreKind, options: { flags: number; segments: number }): Promise<SeededStore> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), `flagstaff-bench-${kind}-`));
  const url = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `bench_read_${process.pid}_${options.flags}`;
  const dropSchema = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } finally {
      await client.end();
    }
  };
  const dispose = async (): Promise<void> => {
    if (kind === 'postgres') await dropSchema();
    await fs.rm(dataDir, { recursive: true, force: true });
  };
  const open = async (): Promise<EventStore> => {
    const driver = kind === 'pglite' ? await createPgliteDriver(path.join(dataDir, 'eventstore')) : await createPostgresDriver(url);
    return createSqlEventStore(driver, kind === 'postgres' ? { schema } : {});
  };
  try {
    if (kind === 'postgres') await dropSchema();
    const store = await open();
    let seeded: SeedResult;
    try {
      await bootstrap(store, { adminTokenConfigured: true });
      seeded = await seed(store, options);
    } finally {
      await store.close();
    }
    const env: Record<string, string> =
      kind === 'pglite'
        ? { FLAGSTAFF_EVENT_STORE: 'pglite', FLAGSTAFF_DATA_DIR: dataDir }
        : { FLAGSTAFF_EVENT_STORE: 'postgres', DATABASE_URL: url, FLAGSTAFF_DATABASE_SCHEMA: schema, FLAGSTAFF_DATA_DIR: dataDir };
    return { kind, seed: seeded, env, open, dispose };
  } catch (error) {
    await dispose().catch(() => {});
    throw error;
  }
}
