import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { createClient } from '@clickhouse/client';
import { Kafka, logLevel } from 'kafkajs';
import { compared, machine, type BenchReport, type Measurement } from './harness.ts';
import { documentedSeries, missingSeries } from './metrics-scrape/documented-series.ts';
import { latencySummary, sampleSum, seriesFamilies, type LatencySummary } from './metrics-scrape/scrape-figures.ts';
import type { KafkaAdmins } from './metrics-scrape/scrape-server.ts';
import { startChildServer, type ChildServer } from './read-api/child-server.ts';
import type { ServerReady } from './read-api/flagstaff-server.ts';

/**
 * How long a Prometheus scrape of `GET /metrics` takes, on the Kafka setup (the real broker and ClickHouse, a
 * topic prefix and a database of its own) and, for comparison, on the embedded one (in-process bus, DuckDB).
 * Each server runs in its own process as `npm start` runs it (bench/metrics-scrape/scrape-server.ts, seeded with
 * 50 flags), and this process is the scraper.
 *
 * - The first scrape of the fresh server (before any evaluation or event): its series families, and which series
 *   of docs/operations.md's metrics table it lacks (the target: none; dashboards and alerts see zeros, not gaps).
 * - Warm-up: evaluations of every seeded flag and a few batches of ingested events, until the analytics sink has
 *   stored them (so the evaluation, ingest, append, HTTP and pipeline series have values and label sets), then a
 *   few scrapes and health checks nobody times.
 * - SCRAPES sequential GET /metrics, each after a GET /health on the same server (the baseline: the cheapest
 *   request it serves, through the same HTTP stack), body read to the end: median, p95, p99. Target: p99 < 20 ms
 *   on Kafka, where a scrape once cost 270–390 ms because it asked the brokers for the consumer lag.
 * - The Kafka admin clients the server opened during the timed scrapes, per scrape: each consumer-lag reading
 *   opens one, so the target is 0. The background reading is set an hour apart here so that any admin client
 *   counted is a scrape's (deployed, it reads every 5 s, off the request path).
 *
 * Everything it creates on the broker and in ClickHouse (topics, the sink's consumer group, the database) is
 * removed at the end.
 */
const SCRAPES = Number(process.env['BENCH_SCRAPES'] ?? 200);
const WARM_UP_SCRAPES = 20;
const EVALUATIONS = 500;
const EVENT_BATCHES = 10;
const EVENTS_PER_BATCH = 100;
const SINK_TIMEOUT_MS = 60_000;
const TARGET_P99 = '< 20 ms (Kafka)';

const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
const clickhouseUrl = process.env['CLICKHOUSE_URL'] ?? 'http://127.0.0.1:8123';

interface SetupFigures {
  label: string;
  families: number;
  missing: string[];
  firstScrapeMs: number;
  health: LatencySummary;
  scrape: LatencySummary;
  scrapeBytes: number;
  /** Kafka admin clients opened per timed scrape; undefined off Kafka. */
  adminsPerScrape?: number;
  sinkStored: number;
}

export async function run(): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const tag = randomUUID().replaceAll('-', '').slice(0, 10);
  const prefix = `bench-metrics-${tag}.`;
  const database = `bench_metrics_${tag}`;
  const kafkaEnv = {
    FLAGSTAFF_BUS: 'kafka',
    KAFKA_BROKERS: brokers.join(','),
    FLAGSTAFF_KAFKA_TOPIC_PREFIX: prefix,
    FLAGSTAFF_ANALYTICS: 'clickhouse',
    CLICKHOUSE_URL: clickhouseUrl,
    CLICKHOUSE_DATABASE: database,
    FLAGSTAFF_CONSUMER_LAG_INTERVAL_MS: String(3_600_000),
  };
  let kafka: SetupFigures;
  try {
    kafka = await measureSetup('Kafka + ClickHouse', kafkaEnv);
  } finally {
    await removeKafkaSetup(prefix, database);
  }
  const embedded = await measureSetup('embedded (in-process bus, DuckDB)', { FLAGSTAFF_BUS: 'memory', FLAGSTAFF_ANALYTICS: 'duckdb' });

  const load = `1-minute load average ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} cores at the end`;
  return { bench: 'metrics-scrape', startedAt, machine: machine(), measurements: [...setupMeasurements(kafka, true, load), ...setupMeasurements(embedded, false, load)] };
}

async function measureSetup(label: string, env: Record<string, string>): Promise<SetupFigures> {
  const server: ChildServer<ServerReady> = await startChildServer<ServerReady>('../metrics-scrape/scrape-server.ts', { env: { ...env, BENCH_FLAGS: '50', BENCH_SEGMENTS: '5' } });
  try {
    const { url } = server.ready;
    console.log(`  ${label}: Flagstaff pid ${server.pid} at ${url} (ready in ${server.ready.startMilliseconds} ms)`);

    // The fresh server's first scrape: what a dashboard sees before any traffic.
    const first = await timedGet(`${url}/metrics`);
    const documented = documentedSeries();
    const missing = missingSeries(first.body, documented);

    const sinkStored = await warmUp(url, server.ready);
    for (let i = 0; i < WARM_UP_SCRAPES; i++) {
      await timedGet(`${url}/health`);
      await timedGet(`${url}/metrics`);
    }

    const adminsBefore = await server.ask<KafkaAdmins>({ type: 'kafka-admins' });
    const health: number[] = [];
    const scrapes: number[] = [];
    let bytes = 0;
    for (let i = 0; i < SCRAPES; i++) {
      health.push((await timedGet(`${url}/health`)).ms);
      const scrape = await timedGet(`${url}/metrics`);
      scrapes.push(scrape.ms);
      bytes = scrape.body.length;
    }
    const adminsAfter = await server.ask<KafkaAdmins>({ type: 'kafka-admins' });
    const figures: SetupFigures = {
      label,
      families: seriesFamilies(first.body),
      missing,
      firstScrapeMs: first.ms,
      health: latencySummary(health),
      scrape: latencySummary(scrapes),
      scrapeBytes: bytes,
      ...(env['FLAGSTAFF_BUS'] === 'kafka' ? { adminsPerScrape: (adminsAfter.count - adminsBefore.count) / SCRAPES } : {}),
      sinkStored,
    };
    console.log(
      `  ${label}: first scrape ${figures.families} families, ${missing.length === 0 ? `all ${documented.length} documented series` : `missing ${missing.join(', ')}`}; /metrics median ${figures.scrape.median.toFixed(2)} ms, p99 ${figures.scrape.p99.toFixed(2)} ms; /health median ${figures.health.median.toFixed(2)} ms` +
        (figures.adminsPerScrape === undefined ? '' : `; Kafka admin clients during the scrapes: ${adminsAfter.count - adminsBefore.count}`),
    );
    return figures;
  } finally {
    await server.stop();
  }
}

/**
 * Traffic that gives the series values: evaluations of every seeded flag (several users each), then batches of
 * metric events; waits until the analytics sink reports them stored, so the pipeline series have samples too.
 * Returns the records the sink reported stored.
 */
async function warmUp(url: string, ready: ServerReady): Promise<number> {
  const serverKey = ready.serverKeys['production'];
  if (!serverKey) throw new Error(`no production server key among ${Object.keys(ready.serverKeys).join(', ')}`);
  const auth = { authorization: `Bearer ${serverKey}` };
  for (let i = 0; i < EVALUATIONS; i++) {
    const flag = ready.flagKeys[i % ready.flagKeys.length]!;
    const response = await fetch(`${url}/api/v1/flags/${flag}?environment=production&targetingKey=user-${i * 7919}&country=US`, { headers: auth });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`GET /api/v1/flags/${flag}: ${response.status}`);
  }
  const now = new Date().toISOString();
  for (let b = 0; b < EVENT_BATCHES; b++) {
    const events = Array.from({ length: EVENTS_PER_BATCH }, (_, i) => ({ type: 'metric', eventId: `warm-${b}-${i}`, name: 'page_view', unitId: `user-${i}`, timestamp: now }));
    const response = await fetch(`${url}/api/v1/events`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ events }) });
    const text = await response.text();
    if (response.status !== 202) throw new Error(`POST /api/v1/events: ${response.status} ${text.slice(0, 300)}`);
  }
  const expected = EVENT_BATCHES * EVENTS_PER_BATCH;
  for (const until = Date.now() + SINK_TIMEOUT_MS; ; ) {
    const stored = sampleSum((await timedGet(`${url}/metrics`)).body, 'flagstaff_pipeline_records_total');
    if (stored >= expected) return stored;
    if (Date.now() > until) {
      console.warn(`  warning: the analytics sink reported ${stored} of ${expected} warm-up events after ${SINK_TIMEOUT_MS / 1000} s; measuring anyway`);
      return stored;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** One GET, the body read to its end: milliseconds from the request to the last byte. */
async function timedGet(url: string): Promise<{ ms: number; body: string }> {
  const started = process.hrtime.bigint();
  const response = await fetch(url);
  const body = await response.text();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${body.slice(0, 300)}`);
  return { ms, body };
}

function setupMeasurements(f: SetupFigures, targeted: boolean, load: string): Measurement[] {
  const baseline: Measurement = {
    name: `${f.label}: GET /health, median`,
    value: f.health.median,
    unit: 'ms',
    notes: `${f.health.runs} requests interleaved with the scrapes, p99 ${f.health.p99.toFixed(2)} ms; ${load}`,
  };
  const target = targeted ? { target: TARGET_P99 } : {};
  const measurements: Measurement[] = [
    baseline,
    compared(`${f.label}: GET /metrics, median`, f.scrape.median, 'ms', baseline, { notes: `${f.scrape.runs} sequential scrapes after ${WARM_UP_SCRAPES} untimed; ${Math.round(f.scrapeBytes / 1024)} KiB each; max ${f.scrape.max.toFixed(2)} ms` }),
    compared(`${f.label}: GET /metrics, p95`, f.scrape.p95, 'ms', baseline),
    compared(`${f.label}: GET /metrics, p99`, f.scrape.p99, 'ms', baseline, target),
    { name: `${f.label}: series families on the first scrape of a fresh server`, value: f.families, unit: 'families', notes: `that scrape took ${f.firstScrapeMs.toFixed(1)} ms` },
    {
      name: `${f.label}: documented series missing from the first scrape`,
      value: f.missing.length,
      unit: 'series',
      target: '0',
      notes: f.missing.length === 0 ? `every series of docs/operations.md's metrics table present` : f.missing.join(', '),
    },
  ];
  if (f.adminsPerScrape !== undefined) {
    measurements.push({
      name: `${f.label}: consumer-lag readings (Kafka admin clients) per scrape`,
      value: f.adminsPerScrape,
      unit: 'per scrape',
      target: '0',
      notes: `admin clients the server opened during the ${f.scrape.runs} timed scrapes; warm-up: ${f.sinkStored} records stored by the sink`,
    });
  }
  return measurements;
}

/** The topics, the sink's consumer group and the database the Kafka setup created. */
async function removeKafkaSetup(prefix: string, database: string): Promise<void> {
  const admin = new Kafka({ clientId: 'flagstaff-bench', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch((error: unknown) => console.warn(`  could not delete topics: ${(error as Error).message}`));
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix));
    if (groups.length > 0) await admin.deleteGroups(groups).catch((error: unknown) => console.warn(`  could not delete consumer groups: ${(error as Error).message}`));
  } finally {
    await admin.disconnect();
  }
  const client = createClient({ url: clickhouseUrl });
  await client.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch((error: unknown) => console.warn(`  could not drop ${database}: ${(error as Error).message}`));
  await client.close();
}
