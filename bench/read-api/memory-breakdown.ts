import { evaluateFlag } from '../../src/evaluation/compile.ts';
import { createInMemoryEventStore } from '../../src/event-store/in-memory-event-store.ts';
import { ReadModel } from '../../src/read/read-model.ts';
import { bootstrap } from '../../src/write/bootstrap.ts';
import { WriteModel } from '../../src/write/write-model.ts';
import { ENVIRONMENTS, seed } from './seed.ts';

/**
 * Where a Flagstaff process's V8 heap goes with many flags: the same seeded events as the read-API bench, folded
 * step by step the way the server does (read model state, one snapshot and one compilation per environment, the
 * snapshot JSON the read API caches, the admin side's write model), with the heap measured after a full GC at
 * each step. The event store is the in-memory fake, whose own copy is measured before the first step.
 *
 *   node --expose-gc --import tsx bench/read-api/memory-breakdown.ts [flags] [segments]
 */
const flags = Number(process.argv[2] ?? 10_000);
const segments = Number(process.argv[3] ?? 20);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const rows: [string, number][] = [];
let last = heap();
const step = (label: string): void => {
  const now = heap();
  rows.push([label, now - last]);
  last = now;
};

const store = createInMemoryEventStore();
await bootstrap(store, new WriteModel(store), { adminTokenConfigured: true });
await seed(store, { flags, segments });
step(`event store (in-memory fake): ${await store.headPosition()} events`);

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

const json = snapshots.map((snapshot) => JSON.stringify(snapshot));
step(`snapshot JSON the read API caches, ${ENVIRONMENTS.length} environments, ${(json.reduce((n, j) => n + j.length, 0) / 2 ** 20).toFixed(1)} MiB of text`);

const writeModel = new WriteModel(store);
await writeModel.refresh();
step('write model (the admin side\'s view of every aggregate)');

const state = JSON.stringify(model.toState());
step(`(transient) persisted read-model file, ${(state.length / 2 ** 20).toFixed(1)} MiB while it is written`);

const width = Math.max(...rows.map(([label]) => label.length));
for (const [label, bytes] of rows) console.log(`${label.padEnd(width)}  ${(bytes / 2 ** 20).toFixed(1).padStart(7)} MiB`);
// Keep everything reachable until the end, so each step's figure is what stays, not what a later GC would free.
if ([compiled, json, writeModel, state].some((x) => x === undefined)) console.log('unreachable');
