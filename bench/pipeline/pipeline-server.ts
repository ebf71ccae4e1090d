import fs from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { startFlagstaff } from '../../src/root/app.ts';
import { loadConfig } from '../../src/root/config.ts';

/**
 * Flagstaff as `npm start` runs it, for bench/pipeline.bench.ts: the real config loader and composition root,
 * the embedded PGlite event store in a temporary directory (removed on exit), and whatever bus and analytics
 * store the environment selects (the bench passes FLAGSTAFF_BUS=kafka, FLAGSTAFF_ANALYTICS=clickhouse, a topic
 * prefix and a database of its own). Prints `READY {json}` once the first-start bootstrap ran, then serves until
 * SIGTERM/SIGINT or until its parent goes away.
 *
 * On its IPC channel it answers `{ type: 'stats' }` with its CPU time and event-loop utilisation so far, and
 * `{ type: 'profile', file }` by starting V8's CPU profiler, or, when it runs, stopping it and writing the profile
 * to `file` (what --cpu-prof records, but of the load window alone).
 */
export interface PipelineServerReady {
  url: string;
  pid: number;
  startMilliseconds: number;
}

export interface PipelineServerStats {
  type: 'stats';
  cpu: NodeJS.CpuUsage;
  elu: { idle: number; active: number; utilization: number };
  rssBytes: number;
}

const started = performance.now();
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'flagstaff-pipeline-bench-'));
const config = loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', FLAGSTAFF_DATA_DIR: dataDir, FLAGSTAFF_EVENT_STORE: 'pglite' });
const flagstaff = await (async () => {
  try {
    const started = await startFlagstaff(config);
    await started.bootstrapped;
    return started;
  } catch (error) {
    await fs.rm(dataDir, { recursive: true, force: true });
    throw error;
  }
})();

const ready: PipelineServerReady = { url: flagstaff.url, pid: process.pid, startMilliseconds: Math.round(performance.now() - started) };
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

process.on('message', (message: { type?: string; file?: string }) => {
  if (message.type === 'profile') return void profile(message.file ?? 'pipeline.cpuprofile');
  if (message.type === 'stats') {
    const stats: PipelineServerStats = { type: 'stats', cpu: process.cpuUsage(), elu: performance.eventLoopUtilization(), rssBytes: process.memoryUsage.rss() };
    process.send?.(stats);
  }
});

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  try {
    await flagstaff.close();
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
    process.exit(0);
  }
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.on('disconnect', () => void stop());
