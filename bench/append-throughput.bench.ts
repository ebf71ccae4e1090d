import pg from 'pg';
import type { EventStore } from '../src/event-store/event-store.ts';
import { createPgliteDriver } from '../src/event-store/pglite-driver.ts';
import { createPostgresDriver } from '../src/event-store/postgres-driver.ts';
import type { SqlDriver } from '../src/event-store/sql-driver.ts';
import { createSqlEventStore } from '../src/event-store/sql-event-store.ts';
import { compared, machine, throughput, type BenchReport, type Measurement } from './harness.ts';

/**
 * Append throughput on the two SQL stores, single events and batches of 100, each against a baseline measured in
 * the same run on the same connection: a bare single-row INSERT into a plain table (what any append costs at
 * least), and a bare 100-row INSERT for batches.
 */
const EVENT = { type: 'FlagToggled', data: { environment: 'production', enabled: true }, metadata: { actor: 'bench', correlationId: 'bench', timestamp: new Date().toISOString(), schemaVersion: 1 } };

async function measure(label: string, driver: SqlDriver, store: EventStore, schema: string, options: { concurrency: number; singles: number; batches: number }): Promise<Measurement[]> {
  const run = `c${options.concurrency}`;
  const table = `${schema}.baseline_${run}`;
  await driver.query(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, stream_id text, data jsonb)`);
  const payload = JSON.stringify(EVENT.data);
  const { concurrency, singles, batches } = options;

  const rawSingle = await throughput(singles, concurrency, (i) =>
    driver.query(`INSERT INTO ${table} (stream_id, data) VALUES ($1, $2::jsonb)`, [`s-${i}`, payload]),
  );
  const appendSingle = await throughput(singles, concurrency, (i) => store.append(`flag-bench-${run}-${i}`, [EVENT], { expectedVersion: 'no_stream' }));
  const rows = Array.from({ length: 100 }, (_, j) => `($1 || '-${j}', $2::jsonb)`).join(', ');
  const rawBatch = (await throughput(batches, concurrency, (i) => driver.query(`INSERT INTO ${table} (stream_id, data) VALUES ${rows}`, [`b-${i}`, payload]))) * 100;
  const batch = Array.from({ length: 100 }, () => EVENT);
  const appendBatch = (await throughput(batches, concurrency, (i) => store.append(`flag-batch-${run}-${i}`, batch, { expectedVersion: 'no_stream' }))) * 100;

  const base1: Measurement = { name: `${label}: bare single-row INSERT`, value: rawSingle, unit: 'rows/s' };
  const base100: Measurement = { name: `${label}: bare 100-row INSERT`, value: rawBatch, unit: 'rows/s' };
  return [
    base1,
    compared(`${label}: append, 1 event per call, ${concurrency} concurrent`, appendSingle, 'events/s', base1),
    base100,
    compared(`${label}: append, 100 events per call, ${concurrency} concurrent`, appendBatch, 'events/s', base100),
  ];
}

export async function run(): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const measurements: Measurement[] = [];

  const pglite = await createPgliteDriver();
  const pgliteStore = await createSqlEventStore({ ...pglite, close: async () => {} }, { schema: 'bench' });
  measurements.push(...(await measure('PGlite', pglite, pgliteStore, 'bench', { concurrency: 1, singles: 3_000, batches: 200 })));
  await pglite.close();

  const url = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `bench_${process.pid}`;
  const driver = await createPostgresDriver(url, { max: 8 });
  try {
    const store = await createSqlEventStore({ ...driver, close: async () => {} }, { schema });
    measurements.push(...(await measure('PostgreSQL', driver, store, schema, { concurrency: 1, singles: 3_000, batches: 200 })));
    measurements.push(...(await measure('PostgreSQL', driver, store, schema, { concurrency: 8, singles: 5_000, batches: 300 })).filter((m) => m.baseline));
  } finally {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
    await driver.close();
  }
  return { bench: 'append-throughput', startedAt, machine: machine(), measurements };
}
