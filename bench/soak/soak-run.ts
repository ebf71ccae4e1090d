import { spawn } from 'node:child_process';
import { START_SCRIPT } from '../read-api/child-server.ts';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createDuckDbAnalyticsStore } from '../../src/analytics/store/duckdb-analytics-store.ts';
import { cpuSeconds, machineBusySeconds, readProcStatus } from '../read-api/proc.ts';
import { trackSse, type SseTracker } from './sse-tracker.ts';

/**
 * The soak: Flagstaff as `npm start` runs it (src/root/main.ts in a child process, embedded defaults: PGlite, the
 * in-process bus, DuckDB; a fresh data directory), under a mixed load for a while, then stopped with SIGTERM and
 * checked: every response as expected, every acknowledged event stored exactly once, every acknowledged command
 * in the flags' versions, every SSE client at the final revision; latencies and the server's RSS reported.
 */
export interface SoakOptions {
  durationMs: number;
  /** Per second. The defaults suit a 2-core machine shared with the load generator itself. */
  rates?: Partial<Rates>;
  flags?: number;
  sseClients?: number;
  eventsPerRequest?: number;
  /** How often RSS is sampled. */
  sampleEveryMs?: number;
  log?: (line: string) => void;
}

export interface Rates {
  evaluate: number;
  batch: number;
  ingest: number;
  /** Toggles and targeting edits, alternately, one at a time (each needs the ETag of the previous). */
  command: number;
  adminRead: number;
}

export const DEFAULT_RATES: Rates = { evaluate: 100, batch: 20, ingest: 5, command: 2, adminRead: 1 };

export interface OperationFigures {
  requests: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface SoakResult {
  durationSeconds: number;
  operations: Record<string, OperationFigures>;
  /** Requests not sent because too many of that kind were in flight: the server (or this machine) fell behind. */
  skipped: Record<keyof Rates, number>;
  errors: number;
  errorSamples: string[];
  events: { acknowledged: { exposures: number; metricEvents: number }; stored: { exposures: number; metricEvents: number }; resentBatches: number };
  commands: { acknowledged: number; flagsWithVersionMismatch: string[] };
  sse: { clients: number; caughtUp: number; finalRevision: number; lastIds: (number | null)[]; eventsReceived: number };
  rss: { samples: { atSeconds: number; mib: number; heapMib?: number }[]; afterWarmUpMib: number; endMib: number; growthMib: number; peakMib: number; heapAfterWarmUpMib: number; heapEndMib: number };
  cpu: { serverCores: number; loadGeneratorCores: number; otherProcessesCores: number };
  shutdown: { exitCode: number | null; seconds: number };
  /** Every invariant that did not hold; empty when the soak passed. */
  failures: string[];
}

/** RSS growth allowed from the end of warm-up to the end of the run (see bench/soak.ts for why). */
export const RSS_GROWTH_LIMIT_MIB = 30;
const ADMIN_TOKEN = 'soak-admin-token-0123456789abcdef';
const ENVIRONMENT = 'production';
const MAX_IN_FLIGHT = 32;
const MAX_ERROR_SAMPLES = 20;

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const rates: Rates = { ...DEFAULT_RATES, ...options.rates };
  const flagCount = options.flags ?? 20;
  const sseCount = options.sseClients ?? 4;
  const eventsPerRequest = options.eventsPerRequest ?? 40;
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'flagstaff-soak-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = startServer(dataDir, port);
  try {
    await waitForHealth(url, server);
    log(`server pid ${server.pid} on ${url}, data in ${dataDir}`);
    return await soak(url, server, dataDir, { ...options, log, rates, flagCount, sseCount, eventsPerRequest });
  } finally {
    server.kill();
    await server.exited;
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

interface ServerProcess {
  readonly pid: number;
  readonly exited: Promise<number | null>;
  readonly output: string[];
  terminate(): void;
  kill(): void;
}

/** `<start environment> node <start options> --import tsx src/root/main.ts`: the process `npm start` runs (its pid is the server's own, for /proc). */
function startServer(dataDir: string, port: number): ServerProcess {
  const repoRoot = path.resolve(import.meta.dirname, '../..');
  const child = spawn(process.execPath, [...START_SCRIPT.nodeOptions, '--import', 'tsx', 'src/root/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...START_SCRIPT.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      FLAGSTAFF_DATA_DIR: dataDir,
      FLAGSTAFF_ADMIN_TOKEN: ADMIN_TOKEN,
      FLAGSTAFF_EVENT_STORE: 'pglite',
      FLAGSTAFF_BUS: 'memory',
      FLAGSTAFF_ANALYTICS: 'duckdb',
      // Request logs at this rate would make the soak measure the terminal; warnings still show.
      FLAGSTAFF_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer): void => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    pid: child.pid!,
    exited,
    output,
    terminate: () => void child.kill('SIGTERM'),
    kill: () => void (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')),
  };
}

async function waitForHealth(url: string, server: ServerProcess): Promise<void> {
  const deadline = Date.now() + 120_000;
  let exitedEarly = false;
  void server.exited.then(() => (exitedEarly = true));
  while (Date.now() < deadline && !exitedEarly) {
    try {
      if ((await fetch(`${url}/health`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`the server did not become healthy:\n${server.output.slice(-30).join('\n')}`);
}

type Resolved = Required<Pick<SoakOptions, 'durationMs' | 'log'>> & SoakOptions & { rates: Rates; flagCount: number; sseCount: number; eventsPerRequest: number };

async function soak(url: string, server: ServerProcess, dataDir: string, o: Resolved): Promise<SoakResult> {
  const failures: string[] = [];
  const errorSamples: string[] = [];
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

  // ── Seed: flags with targeting in one environment, a server key and a client key ──────────────────────
  const flags = Array.from({ length: o.flagCount }, (_, i) => `soak-flag-${String(i).padStart(2, '0')}`);
  const etags = new Map<string, string>();
  const enabled = new Map<string, boolean>();
  for (const key of flags) {
    await expectJson(await fetch(`${url}/admin/flags`, { method: 'POST', headers: admin, body: JSON.stringify({ key, type: 'boolean', tags: ['soak'] }) }), 201, `create ${key}`);
    const etag = await putTargeting(url, admin, key, '*', 0);
    etags.set(key, etag);
    enabled.set(key, true);
  }
  const baseVersions = new Map(flags.map((key) => [key, versionOf(etags.get(key)!)]));
  const serverKey = (await expectJson(await fetch(`${url}/admin/api-keys`, { method: 'POST', headers: admin, body: JSON.stringify({ environment: ENVIRONMENT, kind: 'server' }) }), 201, 'server key')) as { key: string };
  const clientKey = (await expectJson(await fetch(`${url}/admin/api-keys`, { method: 'POST', headers: admin, body: JSON.stringify({ environment: ENVIRONMENT, kind: 'client' }) }), 201, 'client key')) as { key: string };
  const sdk = { authorization: `Bearer ${serverKey.key}`, 'content-type': 'application/json' };

  const sse: SseTracker[] = [];
  for (let i = 0; i < o.sseCount; i++) {
    sse.push(await trackSse(`${url}/api/v1/stream?environment=${ENVIRONMENT}`, i % 2 === 0 ? serverKey.key : clientKey.key));
  }

  // ── Load ───────────────────────────────────────────────────────────────────────────────────────────────
  const latencies = new Map<string, number[]>();
  const figures = new Map<string, { requests: number; errors: number }>();
  const record = (op: string): { requests: number; errors: number } => {
    let f = figures.get(op);
    if (!f) figures.set(op, (f = { requests: 0, errors: 0 }));
    return f;
  };
  const skipped: Record<keyof Rates, number> = { evaluate: 0, batch: 0, ingest: 0, command: 0, adminRead: 0 };
  const error = (op: string, detail: string): void => {
    record(op).errors++;
    if (errorSamples.length < MAX_ERROR_SAMPLES) errorSamples.push(`${op}: ${detail}`);
  };
  /** Times one request; anything but the expected status (or a failed check of its body) is an error. */
  const timed = async (op: string, run: () => Promise<Response>, expected: number, check?: (response: Response, body: string) => string | undefined): Promise<void> => {
    const f = record(op);
    f.requests++;
    const started = performance.now();
    try {
      const response = await run();
      const body = await response.text();
      const ms = performance.now() - started;
      let list = latencies.get(op);
      if (!list) latencies.set(op, (list = []));
      list.push(ms);
      if (response.status !== expected) return error(op, `${response.status} ${body.slice(0, 300)}`);
      const problem = check?.(response, body);
      if (problem) error(op, problem);
    } catch (e) {
      error(op, (e as Error).message);
    }
  };

  let seq = 0;
  const run = `${process.pid}-${Date.now()}`;
  const acknowledged = { exposures: 0, metricEvents: 0 };
  let resentBatches = 0;
  let ingests = 0;
  let lastBatch: string | undefined;
  let commands = 0;
  let commandIndex = 0;

  const operations: Record<keyof Rates, () => Promise<void>> = {
    evaluate: () => {
      const flag = flags[seq++ % flags.length]!;
      return timed('evaluate', () => fetch(`${url}/api/v1/flags/${flag}?environment=${ENVIRONMENT}&targetingKey=user-${seq % 10_000}&country=${seq % 3 === 0 ? 'US' : 'DE'}`, { headers: sdk }), 200);
    },
    batch: () =>
      timed(
        'batch',
        () => fetch(`${url}/api/v1/flags/batch`, { method: 'POST', headers: sdk, body: JSON.stringify({ environment: ENVIRONMENT, context: { targetingKey: `user-${seq++ % 10_000}`, plan: 'premium' } }) }),
        200,
        (_r, body) => ((JSON.parse(body) as { flags: unknown[] }).flags.length === flags.length ? undefined : `batch answered ${body.slice(0, 200)}`),
      ),
    ingest: () => {
      // Every 20th request resends the previous batch as is: a retry must not count its events twice.
      if (lastBatch !== undefined && ++ingests % 20 === 0) {
        const again = lastBatch;
        resentBatches++;
        return timed('ingest', () => fetch(`${url}/api/v1/events`, { method: 'POST', headers: sdk, body: again }), 202);
      }
      const now = new Date().toISOString();
      const events = Array.from({ length: o.eventsPerRequest }, (_, i) => {
        const id = `soak-${run}-${seq++}`;
        const unitId = `user-${seq % 10_000}`;
        return i % 2 === 0
          ? { type: 'exposure', eventId: id, flagKey: flags[i % flags.length], variant: 'on', unitId, timestamp: now }
          : { type: 'metric', eventId: id, name: 'purchase', unitId, value: 10 + (i % 7), timestamp: now };
      });
      const body = JSON.stringify({ events });
      return timed('ingest', () => fetch(`${url}/api/v1/events`, { method: 'POST', headers: sdk, body }), 202, (_r, text) => {
        if ((JSON.parse(text) as { accepted: number }).accepted !== events.length) return `accepted ${text}`;
        lastBatch = body;
        acknowledged.exposures += Math.ceil(events.length / 2);
        acknowledged.metricEvents += Math.floor(events.length / 2);
        return undefined;
      });
    },
    command: () => {
      const flag = flags[commandIndex % flags.length]!;
      const toggle = Math.floor(commandIndex / flags.length) % 2 === 0;
      const n = commandIndex++;
      const ifMatch = etags.get(flag)!;
      const onOk = (response: Response): string | undefined => {
        const etag = response.headers.get('etag');
        if (!etag) return 'no ETag';
        etags.set(flag, etag);
        commands++;
        return undefined;
      };
      if (toggle) {
        const next = !enabled.get(flag);
        return timed(
          'toggle',
          () => fetch(`${url}/admin/flags/${flag}/environments/${ENVIRONMENT}/toggle`, { method: 'POST', headers: { ...admin, 'if-match': ifMatch }, body: JSON.stringify({ enabled: next }) }),
          200,
          (response) => {
            enabled.set(flag, next);
            return onOk(response);
          },
        );
      }
      return timed(
        'targeting',
        () => fetch(`${url}/admin/flags/${flag}/environments/${ENVIRONMENT}`, { method: 'PUT', headers: { ...admin, 'if-match': ifMatch }, body: JSON.stringify(targeting(enabled.get(flag)!, n + 1)) }),
        200,
        onOk,
      );
    },
    adminRead: () => timed('admin-list', () => fetch(`${url}/admin/flags?tag=soak&limit=100`, { headers: admin }), 200),
  };

  const samples: { atSeconds: number; mib: number; heapMib?: number }[] = [];
  const started = performance.now();
  const cpuBefore = { server: await cpuSeconds(server.pid), machine: await machineBusySeconds(), self: process.cpuUsage() };
  const sampleEvery = o.sampleEveryMs ?? 5_000;
  const sample = async (): Promise<void> => {
    try {
      const atSeconds = (performance.now() - started) / 1000;
      const mib = (await readProcStatus(server.pid)).vmRssKiB / 1024;
      // The V8 heap, from the server's own /metrics: tells a JavaScript leak from native memory (DuckDB's cache).
      const metrics = await (await fetch(`${url}/metrics`)).text().catch(() => '');
      const heap = /^flagstaff_nodejs_heap_size_used_bytes (\S+)$/m.exec(metrics)?.[1];
      samples.push({ atSeconds, mib, ...(heap === undefined ? {} : { heapMib: Number(heap) / 2 ** 20 }) });
    } catch {
      // the process is gone; the exit code says why
    }
  };
  await sample();
  const sampler = setInterval(() => void sample(), sampleEvery);
  let lastProgress = started;

  // Paced, open loop: each kind fires at its rate whatever the latency, up to MAX_IN_FLIGHT at once. The
  // commands are the exception: one at a time, each carrying the ETag its predecessor returned.
  const inFlight = new Map<string, number>();
  const pending = new Set<Promise<void>>();
  const due = new Map<string, number>();
  let last = performance.now();
  while (performance.now() - started < o.durationMs) {
    await sleep(10);
    const now = performance.now();
    const dt = (now - last) / 1000;
    last = now;
    for (const kind of Object.keys(operations) as (keyof Rates)[]) {
      const limit = kind === 'command' ? 1 : MAX_IN_FLIGHT;
      let owed = (due.get(kind) ?? 0) + o.rates[kind] * dt;
      while (owed >= 1) {
        owed--;
        if ((inFlight.get(kind) ?? 0) >= limit) {
          skipped[kind]++;
          continue;
        }
        inFlight.set(kind, (inFlight.get(kind) ?? 0) + 1);
        const p = operations[kind]().finally(() => {
          inFlight.set(kind, (inFlight.get(kind) ?? 1) - 1);
          pending.delete(p);
        });
        pending.add(p);
      }
      due.set(kind, owed);
    }
    if (now - lastProgress > 30_000) {
      lastProgress = now;
      const total = [...figures.values()].reduce((sum, f) => sum + f.requests, 0);
      const errors = [...figures.values()].reduce((sum, f) => sum + f.errors, 0);
      o.log(`  ${Math.round((now - started) / 1000)} s: ${total} requests, ${errors} errors, RSS ${samples.at(-1)?.mib.toFixed(0)} MiB`);
    }
  }
  await Promise.all(pending);
  clearInterval(sampler);
  await sample();
  const loadSeconds = (performance.now() - started) / 1000;
  const self = process.cpuUsage(cpuBefore.self);
  const cpuAfter = { server: await cpuSeconds(server.pid), machine: await machineBusySeconds() };

  // ── Checks while the server runs: command versions, SSE at the final revision ──────────────────────────
  const versionMismatch: string[] = [];
  const perFlagCommands = new Map(flags.map((key) => [key, versionOf(etags.get(key)!) - baseVersions.get(key)!]));
  const countedCommands = [...perFlagCommands.values()].reduce((a, b) => a + b, 0);
  if (countedCommands !== commands) failures.push(`the ETags returned count ${countedCommands} commands, ${commands} were acknowledged`);
  for (const key of flags) {
    const response = await fetch(`${url}/admin/flags/${key}`, { headers: admin });
    await response.arrayBuffer();
    const stored = versionOf(response.headers.get('etag') ?? 'W/"-1"');
    if (stored !== versionOf(etags.get(key)!)) versionMismatch.push(`${key}: stored version ${stored}, expected ${versionOf(etags.get(key)!)}`);
  }
  if (versionMismatch.length > 0) failures.push(`flag versions differ from the acknowledged commands: ${versionMismatch.join('; ')}`);

  const snapshotRevision = async (): Promise<number> => {
    const response = await fetch(`${url}/api/v1/snapshot?environment=${ENVIRONMENT}`, { headers: { authorization: `Bearer ${serverKey.key}`, 'accept-encoding': 'gzip' } });
    await response.arrayBuffer();
    return versionOf(response.headers.get('etag') ?? 'W/"-1"');
  };
  let finalRevision = await snapshotRevision();
  const caughtUp = (): number => sse.filter((client) => client.lastId() === finalRevision).length;
  const sseDeadline = Date.now() + 10_000;
  while (caughtUp() < sse.length && Date.now() < sseDeadline) {
    await sleep(100);
    finalRevision = await snapshotRevision();
  }
  const sseFailures = sse.map((client) => client.failure()).filter((f): f is string => f !== undefined);
  if (sseFailures.length > 0) failures.push(`SSE clients lost their stream: ${sseFailures.join('; ')}`);
  if (caughtUp() < sse.length) failures.push(`${sse.length - caughtUp()} of ${sse.length} SSE clients did not reach revision ${finalRevision}: ${sse.map((c) => c.lastId()).join(', ')}`);
  const sseSummary = { clients: sse.length, caughtUp: caughtUp(), finalRevision, lastIds: sse.map((c) => c.lastId() ?? null), eventsReceived: sse.reduce((sum, c) => sum + c.events(), 0) };
  for (const client of sse) client.close();

  // ── Stop with SIGTERM, then count what the analytics store holds ───────────────────────────────────────
  const stopStarted = performance.now();
  server.terminate();
  const exitCode = await Promise.race([server.exited, sleep(60_000).then(() => 'timeout' as const)]);
  const shutdown = { exitCode: exitCode === 'timeout' ? null : exitCode, seconds: (performance.now() - stopStarted) / 1000 };
  if (exitCode !== 0) failures.push(`the server did not exit cleanly on SIGTERM (${exitCode}):\n${server.output.slice(-20).join('\n')}`);

  const analytics = await createDuckDbAnalyticsStore({ path: path.join(dataDir, 'analytics', 'flagstaff.duckdb') });
  const stored = await analytics.eventCounts().finally(() => analytics.close());
  if (stored.exposures !== acknowledged.exposures || stored.metricEvents !== acknowledged.metricEvents) {
    failures.push(`events acknowledged ${JSON.stringify(acknowledged)}, stored ${JSON.stringify(stored)}`);
  }

  // ── Figures ────────────────────────────────────────────────────────────────────────────────────────────
  const operationsFigures: Record<string, OperationFigures> = {};
  for (const [op, f] of [...figures].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = (latencies.get(op) ?? []).sort((a, b) => a - b);
    operationsFigures[op] = { ...f, p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99), maxMs: sorted.at(-1) ?? 0 };
  }
  const errors = [...figures.values()].reduce((sum, f) => sum + f.errors, 0);
  if (errors > 0) failures.push(`${errors} requests failed: ${errorSamples.slice(0, 5).join(' | ')}`);

  const warmUpEnd = loadSeconds * 0.2;
  const afterWarmUp = samples.filter((s) => s.atSeconds >= warmUpEnd && s.atSeconds <= warmUpEnd + Math.max(loadSeconds * 0.1, sampleEvery / 1000));
  const atEnd = samples.filter((s) => s.atSeconds >= loadSeconds * 0.9);
  const afterWarmUpMib = median(afterWarmUp.map((s) => s.mib));
  const endMib = median(atEnd.map((s) => s.mib));
  const serverCpu = cpuAfter.server - cpuBefore.server;
  const selfCpu = (self.user + self.system) / 1e6;
  const machineCpu = cpuAfter.machine - cpuBefore.machine;

  return {
    durationSeconds: loadSeconds,
    operations: operationsFigures,
    skipped,
    errors,
    errorSamples,
    events: { acknowledged, stored, resentBatches },
    commands: { acknowledged: commands, flagsWithVersionMismatch: versionMismatch },
    sse: sseSummary,
    rss: {
      samples,
      afterWarmUpMib,
      endMib,
      growthMib: endMib - afterWarmUpMib,
      peakMib: Math.max(...samples.map((s) => s.mib)),
      heapAfterWarmUpMib: median(afterWarmUp.flatMap((s) => (s.heapMib === undefined ? [] : [s.heapMib]))),
      heapEndMib: median(atEnd.flatMap((s) => (s.heapMib === undefined ? [] : [s.heapMib]))),
    },
    cpu: { serverCores: serverCpu / loadSeconds, loadGeneratorCores: selfCpu / loadSeconds, otherProcessesCores: Math.max(0, machineCpu - serverCpu - selfCpu) / loadSeconds },
    shutdown,
    failures,
  };
}

/** A targeting edit that always changes something (the rule's value list carries a counter), so it appends. */
function targeting(enabled: boolean, edit: number) {
  return {
    enabled,
    offVariant: 'off',
    rules: [{ id: 'premium', conditions: [{ attribute: 'plan', operator: 'in', values: ['premium', `edit-${edit}`] }], serve: { variant: 'on' } }],
    defaultServe: { split: [{ variant: 'on', weight: 50_000 }, { variant: 'off', weight: 50_000 }] },
  };
}

async function putTargeting(url: string, headers: Record<string, string>, key: string, ifMatch: string, edit: number): Promise<string> {
  const response = await fetch(`${url}/admin/flags/${key}/environments/${ENVIRONMENT}`, { method: 'PUT', headers: { ...headers, 'if-match': ifMatch }, body: JSON.stringify(targeting(true, edit)) });
  await expectJson(response, 200, `targeting ${key}`);
  return response.headers.get('etag')!;
}

async function expectJson(response: Response, status: number, what: string): Promise<unknown> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`${what}: expected ${status}, got ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as unknown;
}

function versionOf(etag: string): number {
  const match = /^W\/"(-?\d+)"$/.exec(etag);
  return match ? Number(match[1]) : Number.NaN;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function median(values: readonly number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
