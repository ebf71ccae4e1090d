import zlib from 'node:zlib';
import { evaluateFlag } from '../../src/evaluation/compile.ts';
import type { EventStore } from '../../src/event-store/event-store.ts';
import { createInMemoryEventStore } from '../../src/event-store/in-memory-event-store.ts';
import { ReadModel } from '../../src/read/read-model.ts';
import { StreamHub } from '../../src/read/stream-hub.ts';
import { bootstrap } from '../../src/write/bootstrap.ts';
import { WriteModel } from '../../src/write/write-model.ts';
import { ENVIRONMENTS, seed } from './seed.ts';
import { seededStore, type SeededStore, type StoreKind } from './seeded-store.ts';

/**
 * Where a Flagstaff process's V8 heap goes with many flags: the same seeded events as the read-API bench, folded
 * step by step the way the server does (read model state, one snapshot and one compilation per environment, the
 * gzipped snapshot the read API caches, the admin side's write model), with the heap (and buffers) measured after
 * a full GC at each step. The event store is the in-memory fake, whose own copy is measured before the first step, or a
 * real one (`pglite`, or `postgres` in a fresh schema dropped at the end) seeded first, as the read-API bench does.
 *
 *   node --expose-gc --import tsx bench/read-api/memory-breakdown.ts [flags] [segments] [memory|pglite|postgres]
 */
const flags = Number(process.argv[2] ?? 10_000);
const segments = Number(process.argv[3] ?? 20);
const kind = (process.argv[4] ?? 'memory') as StoreKind | 'memory';
if (!['memory', 'pglite', 'postgres'].includes(kind)) throw new Error(`unknown store ${kind}`);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

/** The V8 heap and the buffers outside it (the read API's gzipped snapshots are Buffers). */
const heap = (): number => {
  gc();
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
};
const rows: [string, number][] = [];
let last = heap();
const step = (label: string): void => {
  const now = heap();
  rows.push([label, now - last]);
  last = now;
};

let seeded: SeededStore | undefined;
let store: EventStore;
if (kind === 'memory') {
  store = createInMemoryEventStore();
  await bootstrap(store, { adminTokenConfigured: true });
  await seed(store, { flags, segments });
} else {
  seeded = await seededStore(kind, { flags, segments });
  store = await seeded.open();
}
step(`event store (${kind === 'memory' ? 'in-memory fake' : `${kind}, seeded, open`}): ${await store.headPosition()} events`);

const model = new ReadModel();
for (let after = 0; ; ) {
  const batch = await store.readAll({ after, limit: 1_000 });
  if (batch.length === 0) break;
  model.apply(batch);
  after = batch[batch.length - 1]!.position;
}
step('read model state (flags × environments of targeting, segments, keys)');

const snapshots = ENVIRONMENTS.map((environment) => model.snapshot(environment)!);
step(`snapshots, ${ENVIRONMENTS.length} environments`);

const compiled = ENVIRONMENTS.map((environment) => model.compiledEnvironment(environment)!);
for (const env of compiled) evaluateFlag(env, 'new-checkout', { targetingKey: 'user-1', country: 'US' });
step(`compiled environments, ${ENVIRONMENTS.length} (one evaluation each)`);

// As src/read/read-api.ts keeps it for GET /api/v1/snapshot: gzipped, the JSON itself only while it is compressed.
let jsonLength = 0;
const gzipped = snapshots.map((snapshot) => {
  const json = JSON.stringify(snapshot);
  jsonLength += json.length;
  return zlib.gzipSync(json, { level: 1 });
});
step(`snapshots gzipped as the read API caches them, ${ENVIRONMENTS.length} environments (${(jsonLength / 2 ** 20).toFixed(1)} MiB of JSON)`);

const writeModel = new WriteModel(store);
await writeModel.refresh();
step('write model (the admin side\'s view of every aggregate)');

const state = JSON.stringify(model.toState());
step(`(transient) persisted read-model file, ${(state.length / 2 ** 20).toFixed(1)} MiB while it is written`);

// Not part of the read-API bench's warm-up (one evaluation per environment), but what a batch of every flag costs.
const everyFlag = { targetingKey: 'user-1', country: 'US', plan: 'premium', email: 'a.b@corp.example', age: 30, appVersion: '2.5.1', platform: 'ios' };
for (const env of compiled) for (const key of env.flags.keys()) evaluateFlag(env, key, everyFlag);
step('(after a batch of every flag in every environment) result objects built on first evaluation');

// What the stream hub keeps for reconnecting clients once a process has caught up (the projection publishes
// every batch it applies): a second model folded the same way, its hub then dropped.
const caughtUp = new ReadModel();
let hub: StreamHub | undefined = new StreamHub(() => caughtUp);
for (let after = 0; ; ) {
  const batch = await store.readAll({ after, limit: 1_000 });
  if (batch.length === 0) break;
  hub.publish(caughtUp.apply(batch));
  after = batch[batch.length - 1]!.position;
}
heap();
const withHub = heap();
hub.close();
hub = undefined;
rows.push(['(stream hub) changes kept for reconnecting clients after catching up in batches of 1,000', withHub - heap()]);

const width = Math.max(...rows.map(([label]) => label.length));
for (const [label, bytes] of rows) console.log(`${label.padEnd(width)}  ${(bytes / 2 ** 20).toFixed(1).padStart(7)} MiB`);
// Keep everything reachable until the end, so each step's figure is what stays, not what a later GC would free.
if ([compiled, gzipped, writeModel, state, caughtUp].some((x) => x === undefined)) console.log('unreachable');
await store.close();
await seeded?.dispose();
