import pg from 'pg';
import type { EventStore, NewEvent } from '../src/event-store/event-store.ts';
import { createPgliteDriver } from '../src/event-store/pglite-driver.ts';
import { createPostgresDriver } from '../src/event-store/postgres-driver.ts';
import { createSqlEventStore } from '../src/event-store/sql-event-store.ts';
import { ReadModel } from '../src/read/read-model.ts';
import { ReadModelHistory } from '../src/read/time-travel/read-model-history.ts';
import { FlagHistory } from '../src/write/flags/flag-history.ts';
import { WriteModel } from '../src/write/write-model.ts';
import { compared, machine, type BenchReport, type Measurement } from './harness.ts';

/**
 * Time travel on the SQL stores: (1) one flag with 10,000 versions read as of a version or a time, against the
 * cheapest possible read of the latest event of the same stream; (2) an environment of 10,000 flags reconstructed
 * as of a past time, against a full fold of the log up to that time (what the checkpoints save).
 */
const META = { actor: 'bench', correlationId: 'bench', timestamp: '2025-01-01T00:00:00Z', schemaVersion: 1 };
const VERSIONS = 10_000;
const FLAGS = 10_000;
const targeting = (i: number) => ({
  enabled: i % 2 === 0,
  offVariant: 'off',
  bucketBy: 'targetingKey',
  prerequisites: [],
  targets: [],
  rules: [{ id: 'r', conditions: [{ attribute: 'country', operator: 'in', values: ['US', `C${i % 50}`] }], serve: { variant: 'on' } }],
  defaultServe: { split: [{ variant: 'on', weight: 25_000 }, { variant: 'off', weight: 75_000 }] },
});
const created = (key: string): NewEvent => ({ type: 'FlagCreated', data: { key, type: 'boolean', description: '', tags: [], variants: { on: true, off: false }, hashVersion: 1 }, metadata: META });

async function ms(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function measure(label: string, store: EventStore): Promise<Measurement[]> {
  // One flag, 10,000 versions, appended 500 at a time.
  await store.append('environment-production', [{ type: 'EnvironmentCreated', data: { key: 'production', name: 'Production', production: true }, metadata: META }], { expectedVersion: 'no_stream' });
  await store.append('flag-busy', [created('busy')], { expectedVersion: 'no_stream' });
  for (let version = 1; version < VERSIONS; version += 500) {
    const batch = Array.from({ length: Math.min(500, VERSIONS - version) }, (_, i): NewEvent => ({ type: 'FlagTargetingChanged', data: { environment: 'production', targeting: targeting(version + i) }, metadata: META }));
    await store.append('flag-busy', batch, { expectedVersion: version });
  }
  const busy = await store.readStream('flag-busy');
  const latest = await Promise.all(Array.from({ length: 20 }, () => ms(() => store.readStream('flag-busy', { fromVersion: VERSIONS }))));
  // As the server reads: an admin request refreshes the write model first, whose fold feeds the history.
  const served = new FlagHistory(store);
  const model = new WriteModel(store);
  model.onFlagFolded((key, event, flag) => served.observe(key, event.version, event.recordedAt, flag));
  await model.refresh();
  const coldServed = await ms(() => served.at('busy', { version: 5_000 }));
  const history = new FlagHistory(store);
  const cold = await ms(() => history.at('busy', { version: 5_000 }));
  const versions: number[] = [];
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const version = 1 + ((i * 7_919) % VERSIONS);
    versions.push(await ms(() => history.at('busy', { version })));
    times.push(await ms(() => history.at('busy', { time: busy[version - 1]!.recordedAt })));
  }
  const base: Measurement = { name: `${label}: latest event of the stream (readStream fromVersion=10000), median`, value: percentile(latest, 0.5), unit: 'ms' };

  // 10,000 flags with targeting in production; the past time is taken there; then 2,000 later changes.
  for (let i = 0; i < FLAGS; i++) {
    await store.append(`flag-f${i}`, [created(`f${i}`), { type: 'FlagTargetingChanged', data: { environment: 'production', targeting: targeting(i) }, metadata: META }], { expectedVersion: 'no_stream' });
  }
  const head = await store.headPosition();
  const past = (await store.readAll({ after: head - 1, limit: 1 }))[0]!.recordedAt;
  await new Promise((resolve) => setTimeout(resolve, 5));
  for (let i = 0; i < 2_000; i++) {
    await store.append(`flag-f${i}`, [{ type: 'FlagToggled', data: { environment: 'production', enabled: i % 2 === 1 }, metadata: META }], { expectedVersion: 2 });
  }
  const fullFold = await ms(async () => {
    const model = new ReadModel();
    for (let after = 0; ; ) {
      const page = (await store.readAll({ after, limit: 5_000 })).filter((e) => e.recordedAt <= past);
      model.apply(page);
      if (page.length < 5_000) break;
      after = page[page.length - 1]!.position;
    }
    JSON.stringify(model.snapshot('production'));
  });
  const snapshots = new ReadModelHistory(store);
  let flags = 0;
  const coldSnapshot = await ms(async () => {
    const snapshot = (await snapshots.at({ time: past })).model.snapshot('production')!;
    flags = Object.keys(snapshot.flags).length;
    JSON.stringify(snapshot);
  });
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) warm.push(await ms(async () => JSON.stringify((await snapshots.at({ time: past })).model.snapshot('production'))));
  const fold: Measurement = { name: `${label}: full fold of the log up to that time, no checkpoints`, value: fullFold, unit: 'ms' };
  if (flags !== FLAGS + 1) throw new Error(`expected ${FLAGS + 1} flags in the past snapshot, got ${flags}`);

  return [
    base,
    compared(`${label}: flag of 10,000 versions as of a version, first read in the server (history fed by the write model's fold)`, coldServed, 'ms', base, { target: '< 50 ms' }),
    compared(`${label}: flag of 10,000 versions as of a version, first read of a history alone (folds the stream once)`, cold, 'ms', base),
    compared(`${label}: flag of 10,000 versions as of a version, median of 200`, percentile(versions, 0.5), 'ms', base, { target: '< 50 ms' }),
    compared(`${label}: flag of 10,000 versions as of a version, p99 of 200`, percentile(versions, 0.99), 'ms', base, { target: '< 50 ms' }),
    compared(`${label}: flag of 10,000 versions as of a time, p99 of 200`, percentile(times, 0.99), 'ms', base, { target: '< 50 ms' }),
    fold,
    compared(`${label}: snapshot of 10,001 flags at a past time, first (builds the checkpoints)`, coldSnapshot, 'ms', fold, { target: '< 2 s' }),
    compared(`${label}: snapshot of 10,001 flags at a past time, median of 5 (from a checkpoint)`, percentile(warm, 0.5), 'ms', fold, {
      target: '< 2 s',
      notes: `checkpoints ${JSON.stringify(snapshots.stats)}, log of ${await store.headPosition()} events`,
    }),
  ];
}

export async function run(): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const measurements: Measurement[] = [];
  const pglite = await createSqlEventStore(await createPgliteDriver(), { schema: 'bench' });
  measurements.push(...(await measure('PGlite', pglite)));
  await pglite.close();

  const url = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `bench_tt_${process.pid}`;
  const driver = await createPostgresDriver(url, { max: 4 });
  try {
    measurements.push(...(await measure('PostgreSQL', await createSqlEventStore({ ...driver, close: async () => {} }, { schema }))));
  } finally {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
    await driver.close();
  }
  return { bench: 'time-travel', startedAt, machine: machine(), measurements };
}
