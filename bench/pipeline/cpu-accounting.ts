import fs from 'node:fs/promises';
import { cpuSeconds, machineBusySeconds } from '../read-api/proc.ts';

/**
 * CPU time per process over a window, from /proc (what the kernel charged, whatever the runtimes believe): the
 * Flagstaff process, the Kafka broker, the ClickHouse server, this bench process, and everything else on the
 * machine (other people's work on this shared 2-core machine shows up there).
 */
export interface ProcessIds {
  readonly flagstaff: number;
  readonly kafka: number | undefined;
  readonly clickhouse: number | undefined;
  readonly bench: number;
}

export interface CpuWindow {
  readonly seconds: number;
  /** CPU seconds per second of wall time (1 = one core busy) per process, and for the rest of the machine. */
  readonly flagstaff: number;
  readonly kafka: number;
  readonly clickhouse: number;
  readonly bench: number;
  readonly other: number;
  readonly machine: number;
}

/** The broker and the ClickHouse server, found by their command lines. */
export async function findServicePids(): Promise<{ kafka: number | undefined; clickhouse: number | undefined }> {
  let kafka: number | undefined;
  let clickhouse: number | undefined;
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const comm = (await fs.readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '')).trim();
    if (clickhouse === undefined && comm.startsWith('clickhouse')) clickhouse = Number(entry);
    if (kafka === undefined && comm === 'java' && (await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).includes('kafka.Kafka')) kafka = Number(entry);
  }
  return { kafka, clickhouse };
}

export interface CpuMark {
  readonly at: number;
  readonly flagstaff: number;
  readonly kafka: number;
  readonly clickhouse: number;
  readonly bench: number;
  readonly machine: number;
}

const processCpu = (pid: number | undefined): Promise<number> => (pid === undefined ? Promise.resolve(0) : cpuSeconds(pid).catch(() => 0));

export async function markCpu(pids: ProcessIds): Promise<CpuMark> {
  const [flagstaff, kafka, clickhouse, bench, machine] = await Promise.all([
    processCpu(pids.flagstaff),
    processCpu(pids.kafka),
    processCpu(pids.clickhouse),
    processCpu(pids.bench),
    machineBusySeconds(),
  ]);
  return { at: performance.now(), flagstaff, kafka, clickhouse, bench, machine };
}

export function cpuBetween(from: CpuMark, to: CpuMark): CpuWindow {
  const seconds = (to.at - from.at) / 1000;
  const per = (key: Exclude<keyof CpuMark, 'at'>): number => (to[key] - from[key]) / seconds;
  const known = per('flagstaff') + per('kafka') + per('clickhouse') + per('bench');
  return {
    seconds,
    flagstaff: per('flagstaff'),
    kafka: per('kafka'),
    clickhouse: per('clickhouse'),
    bench: per('bench'),
    machine: per('machine'),
    other: Math.max(0, per('machine') - known),
  };
}

export function cpuText(w: CpuWindow): string {
  const f = (v: number): string => v.toFixed(2);
  return `CPU s/s over ${w.seconds.toFixed(1)} s: Flagstaff ${f(w.flagstaff)}, Kafka ${f(w.kafka)}, ClickHouse ${f(w.clickhouse)}, bench (generator + poller) ${f(w.bench)}, other processes ${f(w.other)}; machine ${f(w.machine)} of 2`;
}
