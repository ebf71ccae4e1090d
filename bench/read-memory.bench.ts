import { machine, compared, type BenchReport, type Measurement } from './harness.ts';
import { measureMemory, type MemoryFigures, type MemorySample } from './read-api/memory.ts';
import { ENVIRONMENTS } from './read-api/seed.ts';
import type { StoreKind } from './read-api/seeded-store.ts';

/**
 * The target of issue 3: RSS with 10,000 flags × 3 environments loaded under 200 MB (read strictly:
 * 200·10⁶ bytes, 190.7 MiB), in a Flagstaff process started as `npm start` starts it on a store seeded
 * beforehand by this one, with no admin request: on the embedded PGlite and on PostgreSQL (a fresh schema,
 * dropped after), the same seeded data; baseline: the same process with no flags. Warm-up: per environment one
 * evaluation, every flag evaluated in a batch for two contexts, the snapshot fetched. RSS 3 s after the
 * warm-up, after a forced GC, and idle (bench/read-api/memory.ts).
 */
const MEMORY_FLAGS = 10_000;
const MEMORY_SEGMENTS = 20;
/** The embedded default, and what a deployed read-API process runs on. */
const STORES: readonly StoreKind[] = ['pglite', 'postgres'];
const STORE_NAMES: Record<StoreKind, string> = { pglite: 'embedded PGlite', postgres: 'PostgreSQL' };
const TARGET_MIB = 200e6 / 2 ** 20;

const verdict = (met: boolean): string => (met ? 'target met' : 'TARGET MISSED');

export async function run(): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const measurements: Measurement[] = [];
  for (const kind of STORES) measurements.push(...memoryMeasurements(await measureMemory(kind, 0, 0), await measureMemory(kind, MEMORY_FLAGS, MEMORY_SEGMENTS)));
  for (const m of measurements) if (m.notes) console.log(`  ${m.name}: ${m.notes}`);
  return { bench: 'read-memory', startedAt, machine: machine(), measurements };
}

/** RSS at three moments (after the warm-up as it is, after a forced GC, idle), with 0 flags and with 10,000. */
function memoryMeasurements(empty: MemoryFigures, loaded: MemoryFigures): Measurement[] {
  const store = STORE_NAMES[loaded.kind];
  const flags = `${MEMORY_FLAGS.toLocaleString('en-US')} flags × ${ENVIRONMENTS.length} environments`;
  const mib = (sample: MemorySample): number => sample.report.vmRssKiB / 1024;
  const setup = `${loaded.ready.analytics === 'none' ? '' : `analytics store ${loaded.ready.analytics} (the default); `}store seeded by the bench (${loaded.seed.events} events in ${(loaded.seed.milliseconds / 1000).toFixed(1)} s) before the process started; read model caught up ${(loaded.ready.startMilliseconds / 1000).toFixed(1)} s after start; warm-up: per environment one evaluation, every flag in a batch for two contexts, one snapshot; no admin request`;
  const moments = [
    { key: 'warm', label: '3 s after the warm-up', notes: 'VmRSS as it is, no GC forced' },
    { key: 'afterGc', label: 'after global.gc()', notes: 'VmRSS 1 s after global.gc() (twice), right after the figure above' },
    { key: 'idle', label: 'idle 60 s', notes: 'VmRSS 60 s after the warm-up, nothing forced since: V8\'s memory reducer has shrunk the heap, as in any process left idle' },
  ] as const;
  const measurements: Measurement[] = [];
  for (const { key, label, notes } of moments) {
    const base: Measurement = { name: `RSS, ${store}, 0 flags, ${label}`, value: mib(empty[key]), unit: 'MiB', notes: `${notes}; ${memoryBreakdown(empty[key])}` };
    const met = mib(loaded[key]) < TARGET_MIB;
    measurements.push(
      base,
      compared(`RSS, ${store}, ${flags}, ${MEMORY_SEGMENTS} segments, ${label}`, mib(loaded[key]), 'MiB', base, {
        ...(key === 'warm' ? {} : { target: `< 200 MB (${TARGET_MIB.toFixed(1)} MiB)` }),
        notes: `${key === 'warm' ? '' : `${verdict(met)}; `}${notes}; ${memoryBreakdown(loaded[key])}${key === 'warm' ? `; ${setup}` : ''}`,
      }),
      { name: `RSS attributable to ${flags}, ${store}, ${label} (difference)`, value: mib(loaded[key]) - mib(empty[key]), unit: 'MiB' },
    );
  }
  return measurements;
}

function memoryBreakdown({ report, mappings }: MemorySample): string {
  const m = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
  const { usage, spaces } = report;
  return `V8 heap used ${m(usage.heapUsed)} MiB of ${m(usage.heapTotal)} (young generation ${spaces['new_space']?.committedMiB ?? '?'} MiB committed), external ${m(usage.external)} MiB, array buffers ${m(usage.arrayBuffers)} MiB; largest resident mappings (resident/mapped): ${mappings.join(', ')}`;
}
