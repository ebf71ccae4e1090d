import v8 from 'node:v8';
import { startFlagstaff } from '../../src/root/app.ts';
import { loadConfig } from '../../src/root/config.ts';
import { readProcStatus } from './proc.ts';

/**
 * Flagstaff as `npm start` starts it (src/root/main.ts: the configuration from the environment, nothing else), on a
 * store seeded beforehand by another process: what a deployed read-API process holds, without the seeding's
 * garbage. Prints one line `READY {json}` once the read model has caught up with the store, then answers
 * `{ type: 'memory', gc }` on its IPC channel with its memory figures (after `global.gc()` when asked and
 * started with --expose-gc), until SIGTERM or until its parent goes away.
 */
export interface ReadProcessReady {
  url: string;
  pid: number;
  eventStore: string;
  analytics: string;
  startMilliseconds: number;
}

export interface MemoryReport {
  type: 'memory';
  vmRssKiB: number;
  vmHwmKiB: number;
  usage: NodeJS.MemoryUsage;
  /** V8's heap spaces: MiB committed (what RSS can hold) and used. */
  spaces: Record<string, { committedMiB: number; usedMiB: number }>;
}

const started = performance.now();
const config = loadConfig();
const flagstaff = await startFlagstaff(config);
await flagstaff.bootstrapped;
await flagstaff.projection.caughtUp();
const ready: ReadProcessReady = {
  url: flagstaff.url,
  pid: process.pid,
  eventStore: config.eventStore.kind,
  // Which analytics store the process opened, if this version of the composition root opens one.
  analytics: (config as { analytics?: { kind: string } }).analytics?.kind ?? 'none',
  startMilliseconds: Math.round(performance.now() - started),
};
console.log(`READY ${JSON.stringify(ready)}`);

process.on('message', (message: { type?: string; gc?: boolean }) => {
  if (message.type === 'memory') void answerMemory(message.gc === true);
});

async function answerMemory(gc: boolean): Promise<void> {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (gc && collect) {
    collect();
    collect(); // a second pass collects what the first one's finalisers released
  }
  const status = await readProcStatus(process.pid);
  const spaces: MemoryReport['spaces'] = {};
  for (const space of v8.getHeapSpaceStatistics()) {
    spaces[space.space_name] = { committedMiB: round(space.physical_space_size / 2 ** 20), usedMiB: round(space.space_used_size / 2 ** 20) };
  }
  const report: MemoryReport = { type: 'memory', vmRssKiB: status.vmRssKiB, vmHwmKiB: status.vmHwmKiB, usage: process.memoryUsage(), spaces };
  process.send?.(report);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await flagstaff.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.on('disconnect', () => void stop());
