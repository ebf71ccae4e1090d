import autocannon from 'autocannon';
import { cpuSeconds, machineBusySeconds } from './proc.ts';

export interface LoadSettings {
  readonly connections: number;
  readonly seconds: number;
  readonly pipelining: 1;
}

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  /** Response times in milliseconds, exact (autocannon's own histogram rounds to whole milliseconds). */
  readonly latency: Percentiles;
  /** The server's CPU time per second of load: about 1 means its one thread was saturated. */
  readonly serverCpu: number;
  /** CPU time per second of the load generator (this process). */
  readonly generatorCpu: number;
  /** CPU time per second used by everything else on the machine meanwhile: other work competing for the cores. */
  readonly otherCpu: number;
  readonly samples: Float64Array;
}

export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** Enough for any run this bench makes; a run that outgrows it fails loudly rather than reporting a sample. */
const MAX_SAMPLES = 2_000_000;

/**
 * One autocannon run against `url`, cycling through `requests` on every connection. Every response time is
 * kept; any error, timeout or non-2xx fails the run, since a benchmark of errors measures nothing.
 */
export async function load(url: string, requests: autocannon.Request[], settings: LoadSettings, serverPid: number): Promise<LoadResult> {
  const samples = new Float64Array(MAX_SAMPLES);
  let count = 0;
  const cpuBefore = await cpuSeconds(serverPid);
  const busyBefore = await machineBusySeconds();
  const selfBefore = process.cpuUsage();
  const started = performance.now();
  const instance = autocannon({ url, connections: settings.connections, duration: settings.seconds, pipelining: settings.pipelining, requests });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode < 300 && count < MAX_SAMPLES) samples[count++] = responseTime;
  });
  const result = await instance;
  const elapsed = (performance.now() - started) / 1000;
  const self = process.cpuUsage(selfBefore);
  const cpuAfter = await cpuSeconds(serverPid);
  const busy = (await machineBusySeconds()) - busyBefore;
  const serverCpu = cpuAfter - cpuBefore;
  const generatorCpu = (self.user + self.system) / 1e6;
  if (result.errors + result.timeouts + result.non2xx > 0) {
    throw new Error(`load on ${url}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx responses`);
  }
  if (count >= MAX_SAMPLES) throw new Error(`load on ${url}: more than ${MAX_SAMPLES} responses, raise MAX_SAMPLES`);
  return {
    requests: count,
    seconds: result.duration,
    rps: count / result.duration,
    latency: percentiles(samples.subarray(0, count)),
    serverCpu: serverCpu / elapsed,
    generatorCpu: generatorCpu / elapsed,
    otherCpu: Math.max(0, busy - serverCpu - generatorCpu) / elapsed,
    samples: samples.slice(0, count),
  };
}

export function percentiles(values: Float64Array | readonly number[]): Percentiles {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: sorted[sorted.length - 1] ?? Number.NaN };
}

export interface Pooled {
  readonly rps: number;
  readonly latency: Percentiles;
  readonly serverCpu: number;
  /** Server CPU time per request, in microseconds: its cost, whoever else was saturated (generator, other work). */
  readonly cpuMicrosPerRequest: number;
  readonly otherCpu: number;
  readonly requests: number;
  readonly perRun: readonly number[];
}

/** Several runs of one scenario taken together: all requests over all the time, percentiles of every sample. */
export function pooled(runs: readonly LoadResult[]): Pooled {
  const requests = runs.reduce((sum, r) => sum + r.requests, 0);
  const seconds = runs.reduce((sum, r) => sum + r.seconds, 0);
  const samples = new Float64Array(requests);
  let offset = 0;
  for (const run of runs) {
    samples.set(run.samples, offset);
    offset += run.samples.length;
  }
  return {
    rps: requests / seconds,
    latency: percentiles(samples),
    serverCpu: runs.reduce((sum, r) => sum + r.serverCpu * r.seconds, 0) / seconds,
    cpuMicrosPerRequest: (runs.reduce((sum, r) => sum + r.serverCpu * r.seconds, 0) / requests) * 1e6,
    otherCpu: runs.reduce((sum, r) => sum + r.otherCpu * r.seconds, 0) / seconds,
    requests,
    perRun: runs.map((r) => r.rps),
  };
}
