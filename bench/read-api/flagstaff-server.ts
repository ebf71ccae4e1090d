import fs from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { openEventStore } from '../../src/root/adapters.ts';
import { startFlagstaff } from '../../src/root/app.ts';
import { loadConfig } from '../../src/root/config.ts';
import { newSecret } from '../../src/shared/tokens.ts';
import { bootstrap } from '../../src/write/bootstrap.ts';
import { seed } from './seed.ts';
import { readProcStatus } from './proc.ts';

/**
 * Flagstaff as `npm start` runs it (the real config loader, the embedded PGlite store on disk, the read model
 * persisted beside it), seeded before it serves with BENCH_FLAGS flags (default 50) and BENCH_SEGMENTS segments
 * (default 5) appended straight to the event store. Prints one line `READY {json}` with the URL, the admin token
 * and a server key per environment, then serves until SIGTERM/SIGINT or until its parent goes away.
 *
 *   npx tsx bench/read-api/flagstaff-server.ts            # a temporary data directory, removed on exit
 *
 * Started by bench/read-api.bench.ts with an IPC channel, it also answers `{ type: 'memory', gc }` with its
 * memory figures (after `global.gc()` when asked and started with --expose-gc), and `{ type: 'profile', file }`
 * (bench/read-api/profile.ts) by starting V8's CPU profiler, or, when it runs, stopping it and writing the
 * profile to `file`: the same profile as --cpu-prof, of the load alone rather than of the whole process.
 */
export interface ServerReady {
  url: string;
  pid: number;
  adminToken: string;
  serverKeys: Record<string, string>;
  flags: number;
  /** The first flag keys seeded (at most 100). */
  flagKeys: string[];
  seed: { events: number; milliseconds: number };
  startMilliseconds: number;
}

export interface MemoryReport {
  type: 'memory';
  vmRssKiB: number;
  vmHwmKiB: number;
  usage: NodeJS.MemoryUsage;
}

const started = performance.now();
const flags = Number(process.env['BENCH_FLAGS'] ?? 50);
const segments = Number(process.env['BENCH_SEGMENTS'] ?? 5);
const temporary = process.env['FLAGSTAFF_DATA_DIR'] === undefined;
const dataDir = process.env['FLAGSTAFF_DATA_DIR'] ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'flagstaff-bench-')));
const adminToken = process.env['FLAGSTAFF_ADMIN_TOKEN'] ?? newSecret('fs_admin');
const config = loadConfig({
  ...process.env,
  PORT: process.env['PORT'] ?? '0',
  HOST: '127.0.0.1',
  FLAGSTAFF_DATA_DIR: dataDir,
  FLAGSTAFF_EVENT_STORE: 'pglite',
  FLAGSTAFF_ADMIN_TOKEN: adminToken,
});

// Seed before serving: environments first (as the first start would), then flags, segments and SDK keys.
const store = await openEventStore(config.eventStore);
await bootstrap(store, { adminTokenConfigured: true });
const seeded = await seed(store, { flags, segments });

const flagstaff = await startFlagstaff(config, { store });
await flagstaff.bootstrapped;
await flagstaff.projection.caughtUp();

const ready: ServerReady = {
  url: flagstaff.url,
  pid: process.pid,
  adminToken,
  serverKeys: seeded.serverKeys,
  flags,
  flagKeys: seeded.flagKeys.slice(0, 100),
  seed: { events: seeded.events, milliseconds: Math.round(seeded.milliseconds) },
  startMilliseconds: Math.round(performance.now() - started),
};
console.log(`READY ${JSON.stringify(ready)}`);

let profiler: Session | undefined;
const profile = async (file: string): Promise<void> => {
  if (!profiler) {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  } else {
    const { profile: result } = await profiler.post('Profiler.stop');
    profiler.disconnect();
    profiler = undefined;
    await fs.writeFile(file, JSON.stringify(result));
  }
  process.send?.({ type: 'profile' });
};

process.on('message', (message: { type?: string; gc?: boolean; file?: string }) => {
  if (message.type === 'profile') return void profile(message.file ?? 'read-api.cpuprofile');
  if (message.type !== 'memory') return;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (message.gc && gc) {
    gc();
    gc(); // a second pass collects what the first one's finalisers released
  }
  void readProcStatus(process.pid).then((status) => {
    const report: MemoryReport = { type: 'memory', vmRssKiB: status.vmRssKiB, vmHwmKiB: status.vmHwmKiB, usage: process.memoryUsage() };
    process.send?.(report);
  });
});

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await flagstaff.close();
  if (temporary) await fs.rm(dataDir, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
// Started with an IPC channel: when the bench goes away, so does this server.
process.on('disconnect', () => void stop());
