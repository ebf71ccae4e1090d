import type autocannon from 'autocannon';
import { compared, machine, type BenchReport, type Measurement } from './harness.ts';
import { startChildServer, type ChildServer } from './read-api/child-server.ts';
import type { ServerReady } from './read-api/flagstaff-server.ts';
import { load, percentiles, pooled, type LoadResult, type LoadSettings, type Pooled } from './read-api/load.ts';
import { batchRequests, evaluationRequests } from './read-api/scenarios.ts';
import { CHECKOUT_FLAG } from './read-api/seed.ts';
import { toggleAndWatch } from './read-api/sse-propagation.ts';

/**
 * The read-side targets, each server in its own process (Flagstaff exactly as `npm start` runs it,
 * on the embedded PGlite; the baseline a bare node:http server), the load generator (autocannon) in this one:
 *
 * 1. GET /api/v1/flags/:key (a two-condition rule, then a 25% split; 1,000 different targeting keys in turn)
 *    at ≥ 50% of the requests/s of a bare node:http server answering Flagstaff's own response body, with p99
 *    < 5 ms at that load. Same generator, connections, duration and pipelining; rounds interleaved.
 * 2. POST /api/v1/flags/batch over the environment's 50 flags: figures only, against a bare server answering
 *    Flagstaff's own batch response.
 * 3. A toggle through the admin API seen on a connected SSE stream within 100 ms at p99, over 200 changes.
 * Memory (the RSS target) is measured by bench/read-memory.bench.ts, apart, since it needs a quiet machine less.
 */
const LOAD: LoadSettings = { connections: 10, seconds: 4, pipelining: 1 };
/** Short rounds, alternating servers, so that other work on this shared 2-core machine hits both alike. */
const ROUNDS = 5;
const WARM_UP: LoadSettings = { ...LOAD, seconds: 2 };
const SERVING_FLAGS = 50;
const SERVING_SEGMENTS = 5;
const SSE_CHANGES = 200;

const TARGETS = { ratio: 0.5, p99Ms: 5, sseP99Ms: 100 };

type Server = ChildServer<{ url: string; pid: number }>;

const ms = (value: number): string => `${value.toFixed(2)} ms`;
const verdict = (met: boolean): string => (met ? 'target met' : 'TARGET MISSED');
const settingsText = `autocannon ${LOAD.connections} connections, pipelining ${LOAD.pipelining}, ${ROUNDS} interleaved rounds × ${LOAD.seconds} s per server after a ${WARM_UP.seconds} s warm-up`;

export async function run(): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const measurements: Measurement[] = [];

  const flagstaff = await startChildServer<ServerReady>('flagstaff-server.ts', { env: { BENCH_FLAGS: String(SERVING_FLAGS), BENCH_SEGMENTS: String(SERVING_SEGMENTS) } });
  let bare: Server | undefined;
  try {
    const { url, serverKeys, adminToken } = flagstaff.ready;
    const key = serverKeys['production']!;
    console.log(`  Flagstaff pid ${flagstaff.pid} at ${url}: ${SERVING_FLAGS} flags, ready in ${flagstaff.ready.startMilliseconds} ms`);

    const evaluations = evaluationRequests(key);
    const batches = batchRequests(key);

    // The baseline answers with Flagstaff's own bodies, byte for byte the same size.
    const evaluation = await sample(url, evaluations[0]!);
    const batch = await sample(url, batches[0]!);
    const evaluated = JSON.parse(evaluation) as { reason: string };
    const batchFlags = (JSON.parse(batch) as { flags: unknown[] }).flags.length;
    if (evaluated.reason !== 'SPLIT' || batchFlags !== SERVING_FLAGS) throw new Error(`unexpected responses: ${evaluation} / ${batchFlags} flags in a batch`);
    bare = await startChildServer('bare-server.ts', { env: { BARE_GET_BODY: evaluation, BARE_POST_BODY: batch } });

    // 1. One evaluation.
    const single = await compare(bare, flagstaff, evaluations);
    const bareSingle: Measurement = {
      name: `GET /api/v1/flags/:key: bare node:http, fixed ${Buffer.byteLength(evaluation)} B body`,
      value: single.bare.rps,
      unit: 'req/s',
      notes: `${settingsText}; per round ${rounded(single.bare.perRun)} req/s; p50 ${ms(single.bare.latency.p50)}, p99 ${ms(single.bare.latency.p99)}; ${cpuText(single.bare)}`,
    };
    const ratio = single.flagstaff.rps / single.bare.rps;
    const p99Met = single.flagstaff.latency.p99 < TARGETS.p99Ms;
    measurements.push(
      bareSingle,
      compared(`GET /api/v1/flags/:key: Flagstaff (two-condition rule + 25% split, 1,000 targeting keys)`, single.flagstaff.rps, 'req/s', bareSingle, {
        target: `≥ ${TARGETS.ratio}× bare node:http`,
        notes: `${verdict(ratio >= TARGETS.ratio)}: ratio ${ratio.toFixed(3)} (per round ${ratios(single.pairedRatios)}, median ${median(single.pairedRatios).toFixed(2)}); ${settingsText}; per round ${rounded(single.flagstaff.perRun)} req/s; ${cpuText(single.flagstaff)}`,
      }),
      { name: 'GET /api/v1/flags/:key: Flagstaff p50 latency at that load', value: single.flagstaff.latency.p50, unit: 'ms', notes: settingsText },
      {
        name: 'GET /api/v1/flags/:key: Flagstaff p99 latency at that load',
        value: single.flagstaff.latency.p99,
        unit: 'ms',
        target: `< ${TARGETS.p99Ms} ms`,
        notes: `${verdict(p99Met)}; p90 ${ms(single.flagstaff.latency.p90)}, p99.9 ${ms(single.flagstaff.latency.p999)}, max ${ms(single.flagstaff.latency.max)}; ${single.flagstaff.requests} samples`,
      },
      ...cpuPerRequest('GET /api/v1/flags/:key', single),
    );

    // 2. A batch of every flag in the environment.
    const many = await compare(bare, flagstaff, batches);
    const bareBatch: Measurement = {
      name: `POST /api/v1/flags/batch: bare node:http, reads the body, fixed ${Buffer.byteLength(batch)} B body`,
      value: many.bare.rps,
      unit: 'req/s',
      notes: `${settingsText}; per round ${rounded(many.bare.perRun)} req/s; p50 ${ms(many.bare.latency.p50)}, p99 ${ms(many.bare.latency.p99)}; ${cpuText(many.bare)}`,
    };
    measurements.push(
      bareBatch,
      compared(`POST /api/v1/flags/batch: Flagstaff, ${SERVING_FLAGS} flags, 500 contexts`, many.flagstaff.rps, 'req/s', bareBatch, {
        notes: `${settingsText}; per round ${rounded(many.flagstaff.perRun)} req/s (ratios ${ratios(many.pairedRatios)}); ${(many.flagstaff.rps * SERVING_FLAGS).toFixed(0)} evaluations/s; ${cpuText(many.flagstaff)}`,
      }),
      {
        name: 'POST /api/v1/flags/batch: Flagstaff p99 latency at that load',
        value: many.flagstaff.latency.p99,
        unit: 'ms',
        notes: `p50 ${ms(many.flagstaff.latency.p50)}, p90 ${ms(many.flagstaff.latency.p90)}, p99.9 ${ms(many.flagstaff.latency.p999)}, max ${ms(many.flagstaff.latency.max)}`,
      },
      ...cpuPerRequest('POST /api/v1/flags/batch', many),
    );

    // 3. A change through the admin API, seen on the stream.
    measurements.push(...(await ssePropagation(url, adminToken, key)));
  } finally {
    await bare?.stop();
    await flagstaff.stop();
  }

  for (const m of measurements) if (m.notes) console.log(`  ${m.name}: ${m.notes}`);
  return { bench: 'read-api', startedAt, machine: machine(), measurements };
}

async function sample(url: string, request: autocannon.Request): Promise<string> {
  const response = await fetch(`${url}${request.path}`, { method: request.method, headers: request.headers, ...(request.body === undefined ? {} : { body: request.body }) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${request.method} ${request.path}: ${response.status} ${text}`);
  return text;
}

/** Warms both servers up, then runs the same requests against each in interleaved rounds (order alternating). */
async function compare(bare: Server, flagstaff: Server, requests: autocannon.Request[]): Promise<{ bare: Pooled; flagstaff: Pooled; pairedRatios: number[] }> {
  await load(bare.ready.url, requests, WARM_UP, bare.pid);
  await load(flagstaff.ready.url, requests, WARM_UP, flagstaff.pid);
  const runs = { bare: [] as LoadResult[], flagstaff: [] as LoadResult[] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (['bare', 'flagstaff'] as const) : (['flagstaff', 'bare'] as const);
    for (const which of order) {
      const server = which === 'bare' ? bare : flagstaff;
      const result = await load(server.ready.url, requests, LOAD, server.pid);
      runs[which].push(result);
      console.log(
        `  round ${round + 1} ${which}: ${Math.round(result.rps)} req/s, p99 ${ms(result.latency.p99)}; CPU s/s: server ${result.serverCpu.toFixed(2)}, generator ${result.generatorCpu.toFixed(2)}, other processes ${result.otherCpu.toFixed(2)}`,
      );
    }
  }
  const pairedRatios = runs.flagstaff.map((f, i) => f.rps / runs.bare[i]!.rps);
  return { bare: pooled(runs.bare), flagstaff: pooled(runs.flagstaff), pairedRatios };
}

/** The SSE target (a change on a connected stream within 100 ms at p99), as figures. */
async function ssePropagation(url: string, adminToken: string, serverKey: string): Promise<Measurement[]> {
  const { seen, answered } = await toggleAndWatch(url, adminToken, serverKey, SSE_CHANGES);
  const p = percentiles(seen);
  const a = percentiles(answered);
  const notes = `${SSE_CHANGES} sequential toggles of ${CHECKOUT_FLAG} in production through POST /admin/flags/:key/environments/production/toggle, one server-key SSE client, embedded PGlite`;
  return [
    { name: 'SSE: admin toggle → change event, p50', value: p.p50, unit: 'ms', notes },
    { name: 'SSE: admin toggle → change event, p95', value: percentileOf(seen, 0.95), unit: 'ms' },
    { name: 'SSE: admin toggle → change event, p99', value: p.p99, unit: 'ms', target: `< ${TARGETS.sseP99Ms} ms`, notes: verdict(p.p99 < TARGETS.sseP99Ms) },
    { name: 'SSE: admin toggle → change event, max', value: p.max, unit: 'ms' },
    { name: 'SSE: admin toggle request alone (response time), p99', value: a.p99, unit: 'ms', notes: `p50 ${ms(a.p50)}, max ${ms(a.max)}` },
  ];
}

function percentileOf(values: readonly number[], q: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}



/**
 * On two cores the generator shares the machine with the server, so at full load both rates are partly the
 * generator's; the server's own CPU time per request is its cost whatever else ran, and its inverse ratio is
 * the throughput ratio each server would reach with a core to itself.
 */
function cpuPerRequest(label: string, runs: { bare: Pooled; flagstaff: Pooled }): Measurement[] {
  const bare: Measurement = { name: `${label}: bare node:http, server CPU per request`, value: runs.bare.cpuMicrosPerRequest, unit: 'µs' };
  const capacity = runs.bare.cpuMicrosPerRequest / runs.flagstaff.cpuMicrosPerRequest;
  return [
    bare,
    compared(`${label}: Flagstaff, server CPU per request`, runs.flagstaff.cpuMicrosPerRequest, 'µs', bare, {
      notes: `requests/s each server would reach with a core to itself, Flagstaff ÷ bare: ${capacity.toFixed(2)} (from /proc/<pid>/stat CPU time over requests served)`,
    }),
  ];
}

function ratios(values: readonly number[]): string {
  return values.map((v) => v.toFixed(2)).join(' / ');
}

function median(values: readonly number[]): number {
  return percentileOf(values, 0.5);
}

function cpuText(p: Pooled): string {
  return `server CPU ${p.serverCpu.toFixed(2)} s/s, other processes on the machine ${p.otherCpu.toFixed(2)} s/s (of 2 cores)`;
}

function rounded(values: readonly number[]): string {
  return values.map((v) => Math.round(v).toLocaleString('en-US')).join(' / ');
}
