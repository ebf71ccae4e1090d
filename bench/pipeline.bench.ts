import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { clickHouseTables } from '../src/analytics/store/clickhouse-analytics-store.ts';
import { compared, machine, type BenchReport, type Measurement } from './harness.ts';
import { clickHouseBaseline, kafkaBaseline, type ClickHouseBaseline, type KafkaBaseline } from './pipeline/baselines.ts';
import { countersBetween, readCounters, tableInserts, type ClickHouseCounters } from './pipeline/clickhouse-counters.ts';
import { cpuBetween, cpuText, findServicePids, markCpu, type CpuWindow, type ProcessIds } from './pipeline/cpu-accounting.ts';
import { profileText, summariseProfile, type ProfileSummary, type StageRule } from './pipeline/cpu-profile.ts';
import { bodyTemplates, EVENTS_PER_REQUEST, EXPOSURE_SHARE } from './pipeline/event-bodies.ts';
import { ingestLoad, type IngestLoadResult } from './pipeline/ingest-load.ts';
import { groupMembers, kafkaBacklog, SINK_GROUP } from './pipeline/kafka-backlog.ts';
import type { PipelineServerReady, PipelineServerStats } from './pipeline/pipeline-server.ts';
import { quantile, VisibilityTracker, weightedQuantile, type VisibilityReport } from './pipeline/visibility.ts';
import { startChildServer, type ChildServer } from './read-api/child-server.ts';

/**
 * The target: ≥ 50,000 events/s from POST /api/v1/events through Kafka into ClickHouse on this machine,
 * with an end-to-end lag p99 under 5 s.
 *
 * Flagstaff runs in its own process exactly as `npm start` runs it (bench/pipeline/pipeline-server.ts): the
 * embedded PGlite event store in a temporary directory, FLAGSTAFF_BUS=kafka on the real broker with a topic
 * prefix of its own, FLAGSTAFF_ANALYTICS=clickhouse on the real server with a database of its own; its analytics
 * sink runs in the same process, as it does in production. An SDK key is created through the admin API. This
 * process is the client: it posts pre-built bodies of 10,000 events (40% exposures, 60% metric events, see
 * pipeline/event-bodies.ts), CONCURRENCY requests in flight, and watches ClickHouse.
 *
 * Phases:
 * 1. An idle window (what the rest of the machine uses anyway), then a warm-up: a few seconds of load, until
 *    ClickHouse holds all of it (the sink has joined its group, the JIT is warm).
 * 2. Baselines, round 1 (Flagstaff idle): the raw kafkajs producer and consumer, and raw ClickHouse inserts,
 *    with the pipeline's settings and the pipeline's data (pipeline/baselines.ts).
 * 3. Saturation: each connection posts its next body as soon as the previous one is answered, for SECONDS s;
 *    the server's V8 CPU profiler records this window. Then the bench waits until ClickHouse holds every event.
 *    - ingest rate: events acknowledged (202) per second, first request sent → last one answered;
 *    - end-to-end throughput: distinct events stored (uniqExact(event_id) over the phase's events) per second,
 *      first request sent → the poll that found the last event in ClickHouse: the target's figure;
 *    - lag: every event's timestamp is its request's send time (unique per request); ClickHouse is polled every
 *      POLL_MS for the count per timestamp, and each event is charged (start of the first poll that saw it) −
 *      (send time): see pipeline/visibility.ts. Per-event p50/p99 weight each poll's newly visible events; the
 *      per-request figure is the lag of each request's last event. Both are upper bounds by up to one poll
 *      interval plus one poll's duration (reported).
 * 4. Paced: the same bodies on a fixed schedule (open loop) at the target's 50,000 events/s, for PACED_SECONDS s:
 *    whether the pipeline sustains that rate (everything acknowledged, everything stored) and its lag. Not profiled.
 * 5. Baselines, round 2, so that the ratios use the mean of a round before and a round after the pipeline on
 *    this shared, noisy machine.
 *
 * CPU per process (Flagstaff, Kafka, ClickHouse, this process, the rest of the machine) comes from /proc over
 * each window; the sink's inserts from the tables' block numbers; ClickHouse's merge counters from system.events
 * (server-wide). Everything it creates (topics, the sink's offsets for them, the databases, the temporary data
 * directory and profile) is removed at the end; the sink's consumer group is shared with any other Flagstaff on
 * the broker, so it is left alone (its offsets for deleted topics go with them).
 */
const CONCURRENCY = 4;
const SECONDS = 30;
const WARM_UP_SECONDS = 4;
const IDLE_SECONDS = 3;
const PACED_SECONDS = 30;
const POLL_MS = 250;
const DRAIN_TIMEOUT_MS = 150_000;
const TEMPLATES = 8;
/** The Kafka bus creates its topics with 3 partitions; the baselines use the same. */
const PARTITIONS = 3;
const BASELINE_SECONDS = 10;
const LARGE_INSERT_ROWS = 50_000;
const TARGETS = { eventsPerSecond: 50_000, lagP99Ms: 5_000 };
/** The frames whose inclusive time the report lists: Flagstaff's own, and the entry points of the libraries. */
const PROFILE_FRAMES = /src\/|kafkajs\/src\/producer\/(index|sendMessages|groupMessages)|kafkajs\/src\/consumer\/(runner|batch)|@clickhouse\/client\/dist\/common\/client/;
/**
 * The pipeline's stages, by the code their frames belong to. Shared helpers (kafkajs's encoder and Long, zod,
 * Node's buffers, JSON) have no rule, so they count to whichever stage called them.
 */
const PROFILE_STAGES: StageRule[] = [
  { name: 'ingest: HTTP body, JSON.parse, zod, JSON.stringify (src/read)', url: /\/src\/read\// },
  { name: 'Kafka produce: partitioning, record encoding, CRC (kafkajs producer)', url: /kafkajs\/src\/(producer\/|protocol\/requests\/produce\/|protocol\/recordBatch\/(record\/v0\/index|v0\/index|crc32C))/ },
  { name: 'Kafka consume: fetch and record decoding (kafkajs consumer)', url: /kafkajs\/src\/(consumer\/|protocol\/requests\/fetch\/|protocol\/recordBatch\/(v0\/decoder|record\/v0\/decoder))/ },
  { name: 'sink: JSON.parse, zod, rows, ClickHouse insert (src/analytics, @clickhouse/client)', url: /\/src\/analytics\/(sink|store)\/|@clickhouse\// },
];

const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
const clickhouseUrl = process.env['CLICKHOUSE_URL'] ?? 'http://127.0.0.1:8123';

const round = (v: number): string => Math.round(v).toLocaleString('en-US');
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const verdict = (met: boolean): string => (met ? 'target met' : 'TARGET MISSED');
const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

interface Phase {
  load: IngestLoadResult;
  visibility: VisibilityReport;
  stored: { distinct: number; rows: number };
  /** Distinct events stored per second, first request sent → the last of them visible (or the drain timeout). */
  endToEnd: number;
  drained: boolean;
  /** Events in ClickHouse when the last request was answered, and the rate at which the rest arrived. */
  visibleAtLoadEnd: number;
  drainSeconds: number;
  loadCpu: CpuWindow;
  drainCpu: CpuWindow;
  counters: ClickHouseCounters;
  inserts: { inserts: number; rows: number };
  backlogAtLoadEnd: number;
  serverElu: number;
}

interface Baselines {
  kafka: KafkaBaseline;
  clickhouse: ClickHouseBaseline;
}

export async function run(): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const tag = randomUUID().replaceAll('-', '').slice(0, 10);
  const prefix = `bench-pipeline-${tag}.`;
  const database = `bench_pipeline_${tag}`;
  const adminToken = `fs_admin_${randomBytes(24).toString('hex')}`;
  const profileDir = await fs.mkdtemp(path.join(os.tmpdir(), 'flagstaff-pipeline-profile-'));
  const profileFile = path.join(profileDir, 'saturation.cpuprofile');
  const templates = bodyTemplates(TEMPLATES, 'production');
  const bodyBytes = mean(templates.map((t) => t.body.length));
  const recordBytes = mean(templates.map((t) => [...t.records.exposures, ...t.records.metrics].reduce((s, r) => s + r.value.length + r.key.length, 0) / EVENTS_PER_REQUEST));

  const admin = new Kafka({ clientId: 'flagstaff-bench', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const client = createClient({ url: clickhouseUrl });
  const tables = clickHouseTables(database);
  const topics = ['exposures', 'metrics', 'dead-letters'].map((t) => `${prefix}${t}`);
  let server: ChildServer<PipelineServerReady> | undefined;
  let saturation: Phase;
  let paced: Phase | undefined;
  let pacedRate = 0;
  let warmUp: string;
  let idle: CpuWindow;
  let sharedGroup: { before: number; during: number };
  let duplicates: number;
  const rounds: Baselines[] = [];
  let largeInsert: ClickHouseBaseline;
  let rowsPerInsert = 0;
  let profile: ProfileSummary;
  try {
    const before = await groupMembers(admin, SINK_GROUP);
    if (before > 0) console.warn(`  warning: ${before} consumer(s) already in ${SINK_GROUP}: another Flagstaff shares this broker and may take our partitions`);

    server = await startChildServer<PipelineServerReady>('../pipeline/pipeline-server.ts', {
      env: {
        FLAGSTAFF_ADMIN_TOKEN: adminToken,
        FLAGSTAFF_BUS: 'kafka',
        KAFKA_BROKERS: brokers.join(','),
        FLAGSTAFF_KAFKA_TOPIC_PREFIX: prefix,
        FLAGSTAFF_ANALYTICS: 'clickhouse',
        CLICKHOUSE_URL: clickhouseUrl,
        CLICKHOUSE_DATABASE: database,
      },
    });
    const { url } = server.ready;
    const sdkKey = await createSdkKey(url, adminToken);
    const pids: ProcessIds = { flagstaff: server.pid, bench: process.pid, ...(await findServicePids()) };
    console.log(`  Flagstaff pid ${server.pid} at ${url} (ready in ${server.ready.startMilliseconds} ms); Kafka pid ${pids.kafka}, ClickHouse pid ${pids.clickhouse}; topics ${prefix}*, database ${database}`);

    // 1. Idle, then warm-up.
    const idleStart = await markCpu(pids);
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    idle = cpuBetween(idleStart, await markCpu(pids));
    console.log(`  idle: ${cpuText(idle)}`);
    const tracker = new VisibilityTracker(client, tables, POLL_MS);
    tracker.start();
    try {
      const warm = await ingestLoad({ url, sdkKey, templates, concurrency: CONCURRENCY, seconds: WARM_UP_SECONDS, firstSequence: 0, tracker });
      const warmStart = performance.now();
      if (!(await tracker.settled(120_000))) throw new Error(`warm-up: ${tracker.pending} requests still not in ClickHouse after 120 s`);
      tracker.take();
      warmUp = `warm-up: ${round(warm.acceptedEvents)} events at ${round(warm.eventsPerSecond)}/s, all in ClickHouse ${seconds(performance.now() - warmStart)} after the last was acknowledged`;
      console.log(`  ${warmUp}`);

      // 2. Baselines, round 1. A backlogged sink's batches are whole fetches, as the raw consumer's are.
      const kafkaRound1 = await kafkaBaseline({ brokers, prefix, templates, concurrency: CONCURRENCY, seconds: BASELINE_SECONDS, partitions: PARTITIONS, pids });
      rowsPerInsert = Math.round(kafkaRound1.consumer.meanBatch / 100) * 100;
      rounds.push({ kafka: kafkaRound1, clickhouse: await clickHouseBaseline({ url: clickhouseUrl, database: `${database}_raw1`, templates, rowsPerInsert, seconds: BASELINE_SECONDS, pids }) });
      logBaselines(1, rounds[0]!, rowsPerInsert);

      // 3. Saturation, profiled.
      const context: PhaseContext = { server, pids, client, admin, topics, tracker, tables, database };
      saturation = await phase(context, async () => {
        await server!.ask({ type: 'profile', file: profileFile });
        try {
          return await ingestLoad({ url, sdkKey, templates, concurrency: CONCURRENCY, seconds: SECONDS, firstSequence: warm.nextSequence, tracker });
        } finally {
          await server!.ask({ type: 'profile', file: profileFile });
        }
      });
      sharedGroup = { before, during: await groupMembers(admin, SINK_GROUP) };
      report('saturation', saturation);
      profile = await summariseProfile(profileFile, { top: 25, inclusiveOf: PROFILE_FRAMES, stages: PROFILE_STAGES });
      console.log(`  Flagstaff CPU profile, saturation window:\n${profileText(profile).replace(/^/gm, '    ')}`);

      // 4. Paced, below what phase 3 showed the pipeline can carry.
      pacedRate = TARGETS.eventsPerSecond;
      if (saturation.drained) {
        paced = await phase(context, () =>
          ingestLoad({ url, sdkKey, templates, concurrency: CONCURRENCY, seconds: PACED_SECONDS, eventsPerSecond: pacedRate, firstSequence: saturation.load.nextSequence, tracker }),
        );
        report(`paced ${round(pacedRate)}/s`, paced);
      }
    } finally {
      await tracker.stop();
    }
    const totals = await storedTotals(client, tables);
    duplicates = totals.rows - totals.distinct;

    // 5. Baselines, round 2.
    rounds.push({
      kafka: await kafkaBaseline({ brokers, prefix, templates, concurrency: CONCURRENCY, seconds: BASELINE_SECONDS, partitions: PARTITIONS, pids }),
      clickhouse: await clickHouseBaseline({ url: clickhouseUrl, database: `${database}_raw2`, templates, rowsPerInsert, seconds: BASELINE_SECONDS, pids }),
    });
    logBaselines(2, rounds[1]!, rowsPerInsert);
    largeInsert = await clickHouseBaseline({ url: clickhouseUrl, database: `${database}_raw3`, templates, rowsPerInsert: LARGE_INSERT_ROWS, seconds: BASELINE_SECONDS, pids });
    console.log(`  raw ClickHouse, ${round(LARGE_INSERT_ROWS)} rows per insert: ${round(largeInsert.rowsPerSecond)} rows/s; ${cpuText(largeInsert.cpu)}`);
  } finally {
    await server?.stop();
    await admin.deleteTopics({ topics }).catch((error: unknown) => console.warn(`  could not delete topics: ${(error as Error).message}`));
    await admin.disconnect();
    await client.command({ query: `DROP DATABASE IF EXISTS ${tables.exposures.split('.')[0]}` }).catch(() => {});
    await client.close();
    await fs.rm(profileDir, { recursive: true, force: true });
  }

  // Figures.
  const measurements: Measurement[] = [];
  const s = saturation;
  const settings = `${CONCURRENCY} requests in flight, each ${EVENTS_PER_REQUEST.toLocaleString('en-US')} events (${Math.round(EXPOSURE_SHARE * 100)}% exposures, ${Math.round((1 - EXPOSURE_SHARE) * 100)}% metric events; ${(bodyBytes / 2 ** 20).toFixed(2)} MiB body, ${Math.round(recordBytes)} B per event as a bus message, packed many to a Kafka record), ${SECONDS} s; Flagstaff child process on the embedded PGlite store, FLAGSTAFF_BUS=kafka (3 partitions per topic, idempotent producer, acks=all, 1 request in flight), FLAGSTAFF_ANALYTICS=clickhouse 18.16, sink on its own thread; ${warmUp}; machine before the load: ${cpuText(idle)}`;

  const perRound = (f: (b: Baselines) => number): string => rounds.map((b) => round(f(b))).join(' / ');
  const producer: Measurement = {
    name: 'raw kafkajs producer, the Kafka records and sends the bus makes of the same events (packed; idempotent, acks=all, 1 in flight)',
    value: mean(rounds.map((b) => b.kafka.producer.messagesPerSecond)),
    unit: 'events/s',
    notes: `mean of a round before and one after the pipeline (${perRound((b) => b.kafka.producer.messagesPerSecond)}); ${CONCURRENCY} bodies' worth in flight, ${BASELINE_SECONDS} s each, ${(mean(rounds.map((b) => b.kafka.producer.megabytesPerSecond))).toFixed(1)} MB/s; producer (bench process) CPU ${perEventText(rounds.map((b) => [b.kafka.producer.cpu.bench, b.kafka.producer.messagesPerSecond]))}, Kafka ${perEventText(rounds.map((b) => [b.kafka.producer.cpu.kafka, b.kafka.producer.messagesPerSecond]))}; round 1 ${cpuText(rounds[0]!.kafka.producer.cpu)}`,
  };
  const consumer: Measurement = {
    name: 'raw kafkajs consumer, the same packed records split into events, eachBatch + commit per batch as the bus',
    value: mean(rounds.map((b) => b.kafka.consumer.messagesPerSecond)),
    unit: 'events/s',
    notes: `rounds ${perRound((b) => b.kafka.consumer.messagesPerSecond)}; batches of ${perRound((b) => b.kafka.consumer.meanBatch)} events on average, first batch → last; consumer CPU ${perEventText(rounds.map((b) => [b.kafka.consumer.cpu.bench, b.kafka.consumer.messagesPerSecond]))}`,
  };
  const insert: Measurement = {
    name: `raw ClickHouse JSONEachRow inserts, same rows, ${round(rowsPerInsert)} rows per insert, one at a time`,
    value: mean(rounds.map((b) => b.clickhouse.rowsPerSecond)),
    unit: 'events/s',
    notes: `rounds ${perRound((b) => b.clickhouse.rowsPerSecond)}; @clickhouse/client into the store's own schema (materialized view included), ${round(rowsPerInsert)} rows = the raw consumer's mean batch, what a backlogged sink inserts at once; ClickHouse CPU ${perEventText(rounds.map((b) => [b.clickhouse.cpu.clickhouse, b.clickhouse.rowsPerSecond]))}, client ${perEventText(rounds.map((b) => [b.clickhouse.cpu.bench, b.clickhouse.rowsPerSecond]))}`,
  };
  const insertLarge: Measurement = {
    name: `raw ClickHouse JSONEachRow inserts, same rows, ${round(LARGE_INSERT_ROWS)} rows per insert, one at a time`,
    value: largeInsert.rowsPerSecond,
    unit: 'events/s',
    notes: `${largeInsert.inserts} inserts in ${largeInsert.seconds.toFixed(1)} s, after the pipeline; ClickHouse CPU ${perEventText([[largeInsert.cpu.clickhouse, largeInsert.rowsPerSecond]])}`,
  };
  const slowest = [producer, consumer, insert].reduce((a, b) => (b.value < a.value ? b : a));

  measurements.push(
    compared('POST /api/v1/events → 202: acknowledged events/s at saturation', s.load.eventsPerSecond, 'events/s', producer, {
      notes: `${settings}; ${s.load.accepted} requests accepted${refusedText(s.load)}; request latency p50 ${seconds(quantile(s.load.latenciesMs, 0.5))}, p99 ${seconds(quantile(s.load.latenciesMs, 0.99))}; generator CPU ${s.load.generatorCpu.toFixed(2)} s/s; Flagstaff's V8 profiler on`,
    }),
    compared('POST /api/v1/events → Kafka → sink → ClickHouse: distinct events stored per second at saturation (first post → all visible)', s.endToEnd, 'events/s', slowest, {
      target: `≥ ${TARGETS.eventsPerSecond.toLocaleString('en-US')} events/s`,
      notes: `${verdict(s.endToEnd >= TARGETS.eventsPerSecond)}; baseline: the slowest raw stage; ${(s.endToEnd / insert.value).toFixed(2)}× the raw ClickHouse inserts; ${round(s.stored.distinct)} distinct events stored of ${round(s.load.acceptedEvents)} acknowledged${s.drained ? '' : ` (NOT all visible within ${DRAIN_TIMEOUT_MS / 1000} s of the end of the load)`}; ${phaseText(s)}`,
    }),
    {
      name: 'sink → ClickHouse while the load ran (events visible when the last request was answered ÷ load time)',
      value: s.visibleAtLoadEnd / ((s.load.lastAnsweredAt - s.load.firstSentAt) / 1000),
      unit: 'events/s',
      notes: `${round(s.visibleAtLoadEnd)} of ${round(s.load.acceptedEvents)} visible; in Kafka and not yet committed by the sink then: ${round(s.backlogAtLoadEnd)} records`,
    },
    {
      name: 'sink → ClickHouse after the load stopped (the rest ÷ time until all visible)',
      value: (s.stored.distinct - s.visibleAtLoadEnd) / s.drainSeconds,
      unit: 'events/s',
      notes: `${round(s.stored.distinct - s.visibleAtLoadEnd)} events in ${s.drainSeconds.toFixed(1)} s; ${cpuText(s.drainCpu)}`,
    },
    {
      name: 'end-to-end lag at saturation, p50 (per event)',
      value: weightedQuantile(s.visibility.events, 0.5),
      unit: 'ms',
      notes: `send time (the request's start, stamped in each event's timestamp) → first poll seeing the event; polled every ${POLL_MS} ms, a poll took p50 ${s.visibility.pollMs.p50.toFixed(0)} ms, max ${s.visibility.pollMs.max.toFixed(0)} ms (upper bounds by that much); the load exceeds what the pipeline carries, so this grows with the length of the run`,
    },
    {
      name: 'end-to-end lag at saturation, p99 (per event)',
      value: weightedQuantile(s.visibility.events, 0.99),
      unit: 'ms',
      target: `< ${TARGETS.lagP99Ms.toLocaleString('en-US')} ms`,
      notes: `${verdict(weightedQuantile(s.visibility.events, 0.99) < TARGETS.lagP99Ms)}; max ${round(Math.max(...s.visibility.requests))} ms; per request (its last event) p50 ${round(quantile(s.visibility.requests, 0.5))} ms, p99 ${round(quantile(s.visibility.requests, 0.99))} ms over ${s.visibility.requests.length} requests`,
    },
  );
  if (paced) {
    const p99 = weightedQuantile(paced.visibility.events, 0.99);
    measurements.push(
      {
        name: `paced load: acknowledged events/s (open loop, scheduled at ${round(pacedRate)}/s)`,
        value: paced.load.eventsPerSecond,
        unit: 'events/s',
        notes: `${PACED_SECONDS} s at the target rate, requests started up to ${round(paced.load.behindMs)} ms late; end-to-end ${round(paced.endToEnd)} events/s, ${round(paced.stored.distinct)} of ${round(paced.load.acceptedEvents)} stored; request latency p50 ${seconds(quantile(paced.load.latenciesMs, 0.5))}, p99 ${seconds(quantile(paced.load.latenciesMs, 0.99))}; not profiled; ${phaseText(paced)}`,
      },
      { name: `end-to-end lag at ${round(pacedRate)} events/s, p50 (per event)`, value: weightedQuantile(paced.visibility.events, 0.5), unit: 'ms', notes: `polls took p50 ${paced.visibility.pollMs.p50.toFixed(0)} ms` },
      {
        name: `end-to-end lag at ${round(pacedRate)} events/s, p99 (per event)`,
        value: p99,
        unit: 'ms',
        target: `< ${TARGETS.lagP99Ms.toLocaleString('en-US')} ms`,
        notes: `${verdict(p99 < TARGETS.lagP99Ms)} at the target rate; max ${round(Math.max(...paced.visibility.requests))} ms`,
      },
    );
  }
  measurements.push(producer, consumer, insert, insertLarge);

  // Where the CPU goes, per event, over the saturation load and its drain.
  const events = s.stored.distinct;
  const cpuSecondsOf = (key: 'flagstaff' | 'kafka' | 'clickhouse'): number => s.loadCpu[key] * s.loadCpu.seconds + s.drainCpu[key] * s.drainCpu.seconds;
  const micros = (key: 'flagstaff' | 'kafka' | 'clickhouse'): number => (1e6 * cpuSecondsOf(key)) / events;
  // ClickHouse's figure above is server-wide (other people's merges count), so the estimate takes its cost per row
  // from the raw inserts of the same rows instead (also server-wide, but over a short window of our own inserts).
  const clickhouseRowMicros = mean(rounds.map((b) => (1e6 * b.clickhouse.cpu.clickhouse) / b.clickhouse.rowsPerSecond));
  const pipelineMicros = micros('flagstaff') + micros('kafka') + clickhouseRowMicros;
  const pacedFlagstaffMicros = paced ? (1e6 * (paced.loadCpu.flagstaff * paced.loadCpu.seconds + paced.drainCpu.flagstaff * paced.drainCpu.seconds)) / paced.stored.distinct : Number.NaN;
  measurements.push(
    {
      name: 'Flagstaff CPU per event (ingest + produce + consume + sink), saturation load and drain',
      value: micros('flagstaff'),
      unit: 'µs',
      notes: `one Node.js thread does all of it: at this cost it carries at most ${round(1e6 / micros('flagstaff'))} events/s with a core to itself; event-loop utilisation during the load ${(100 * s.serverElu).toFixed(0)}%; the same figure in the paced phase, without the profiler: ${pacedFlagstaffMicros.toFixed(1)} µs`,
    },
    { name: 'Kafka broker CPU per event', value: micros('kafka'), unit: 'µs' },
    {
      name: 'ClickHouse CPU per event (inserts, materialized view, merges, the bench’s polls)',
      value: micros('clickhouse'),
      unit: 'µs',
      notes: `server-wide, so other work on it counts too: it used ${idle.clickhouse.toFixed(2)} s/s in the idle window before the load; the raw inserts of the same rows cost it ${clickhouseRowMicros.toFixed(1)} µs per row`,
    },
    {
      name: 'events/s two cores could carry at that CPU cost (Flagstaff + Kafka + ClickHouse per raw-insert row, nothing else running, perfectly parallel)',
      value: 2e6 / pipelineMicros,
      unit: 'events/s',
      target: `≥ ${TARGETS.eventsPerSecond.toLocaleString('en-US')} events/s`,
      notes: `${verdict(2e6 / pipelineMicros >= TARGETS.eventsPerSecond)}; ${pipelineMicros.toFixed(1)} µs of CPU per event in all (Flagstaff ${micros('flagstaff').toFixed(1)}, Kafka ${micros('kafka').toFixed(1)}, ClickHouse ${clickhouseRowMicros.toFixed(1)}); the target needs ≤ ${(2e6 / TARGETS.eventsPerSecond).toFixed(0)} µs on this 2-core machine, less what the load generator takes; and Flagstaff's share runs on one thread, which caps the pipeline at ${round(1e6 / micros('flagstaff'))} events/s whatever the other core does`,
    },
  );

  const packageShare = (pattern: RegExp): number => profile.byPackage.filter((p) => pattern.test(p.name)).reduce((sum, p) => sum + p.share, 0);
  measurements.push(
    {
      name: 'Flagstaff main thread busy during the saturation window (V8 profile, 1 − idle)',
      value: 100 * (1 - profile.idleShare),
      unit: '%',
      notes: `${profile.samples} samples over ${profile.seconds.toFixed(1)} s; the shares below are of the busy samples; process CPU ${s.loadCpu.flagstaff.toFixed(2)} s/s (main thread + GC and libuv threads)`,
    },
    ...profile.byStage.map((stage) => ({ name: `Flagstaff CPU by stage: ${stage.name}`, value: 100 * stage.share, unit: '% of busy' })),
    { name: 'Flagstaff CPU profile, self time: kafkajs (produce + consume)', value: 100 * packageShare(/^kafkajs$/), unit: '% of busy' },
    { name: 'Flagstaff CPU profile, self time: garbage collector', value: 100 * packageShare(/^\(garbage collector\)$/), unit: '% of busy' },
    { name: "Flagstaff CPU profile, self time: Flagstaff's own code (src/; JSON.parse/stringify count to their callers)", value: 100 * packageShare(/^src\//), unit: '% of busy' },
    { name: 'Flagstaff CPU profile, self time: zod (ingest validation and again in the sink)', value: 100 * packageShare(/^zod$/), unit: '% of busy' },
    { name: 'Flagstaff CPU profile, self time: Node internals (buffers, streams, http)', value: 100 * packageShare(/^node:internal$/), unit: '% of busy' },
    { name: 'Flagstaff CPU profile, self time: @clickhouse/client', value: 100 * packageShare(/^@clickhouse\//), unit: '% of busy' },
    {
      name: 'Flagstaff CPU profile: top self-time functions',
      value: 100 * (profile.topSelf[0]?.share ?? 0),
      unit: '% of busy (the first)',
      notes: profile.topSelf.map((f) => `${(100 * f.share).toFixed(1)}% ${f.label}`).join('; '),
    },
    {
      name: 'Flagstaff CPU profile: inclusive time of the stages',
      value: 100 * (profile.inclusive[0]?.share ?? 0),
      unit: '% of busy (the first)',
      notes: profile.inclusive.map((f) => `${(100 * f.share).toFixed(1)}% ${f.label}`).join('; '),
    },
    {
      name: 'other sinks in the shared consumer group during the run',
      value: Math.max(sharedGroup.before, sharedGroup.during - 1),
      unit: 'members',
      notes: `members of ${SINK_GROUP} before the run: ${sharedGroup.before}, after the saturation phase besides ours: ${Math.max(0, sharedGroup.during - 1)} (kafkajs's round-robin assigner spreads every subscribed topic over every member, so another Flagstaff in the group could take our partitions); duplicates (rows − distinct event ids) in ClickHouse at the end: ${duplicates}`,
    },
  );

  for (const m of measurements) if (m.notes) console.log(`  ${m.name}: ${m.notes}`);
  return { bench: 'pipeline', startedAt, machine: machine(), measurements };
}

interface PhaseContext {
  server: ChildServer<PipelineServerReady>;
  pids: ProcessIds;
  client: ClickHouseClient;
  admin: Admin;
  topics: string[];
  tracker: VisibilityTracker;
  tables: ReturnType<typeof clickHouseTables>;
  database: string;
}

/** One load, then waiting until ClickHouse holds all of it, with CPU and counters over both windows. */
async function phase(context: PhaseContext, load: () => Promise<IngestLoadResult>): Promise<Phase> {
  const { server, pids, client, admin, topics, tracker, tables, database } = context;
  const countersBefore = await readCounters(client);
  const insertsBefore = await tableInserts(client, database);
  const statsBefore = await server.ask<PipelineServerStats>({ type: 'stats' });
  const cpuStart = await markCpu(pids);
  const result = await load();
  const cpuLoadEnd = await markCpu(pids);
  const visibleAtLoadEnd = tracker.visible;
  const loadEndedAt = Date.now();
  const statsAfter = await server.ask<PipelineServerStats>({ type: 'stats' });
  const backlog = await kafkaBacklog(admin, SINK_GROUP, topics.slice(0, 2)).catch(() => ({ backlog: Number.NaN }));
  const drained = await tracker.settled(DRAIN_TIMEOUT_MS);
  const cpuDrainEnd = await markCpu(pids);
  const countersAfter = await readCounters(client);
  const insertsAfter = await tableInserts(client, database);
  const visibility = tracker.take();
  if (!drained) tracker.forgetAll();
  const stored = await storedTotals(client, tables, result.firstSentAt, result.lastAnsweredAt);
  const until = visibility.lastCompletedAt ?? Date.now();
  const active = statsAfter.elu.active - statsBefore.elu.active;
  const idle = statsAfter.elu.idle - statsBefore.elu.idle;
  return {
    load: result,
    visibility,
    stored,
    endToEnd: stored.distinct / ((until - result.firstSentAt) / 1000),
    drained,
    visibleAtLoadEnd,
    drainSeconds: Math.max(0.001, (until - loadEndedAt) / 1000),
    loadCpu: cpuBetween(cpuStart, cpuLoadEnd),
    drainCpu: cpuBetween(cpuLoadEnd, cpuDrainEnd),
    counters: countersBetween(countersBefore, countersAfter),
    inserts: { inserts: insertsAfter.inserts - insertsBefore.inserts, rows: insertsAfter.rows - insertsBefore.rows },
    backlogAtLoadEnd: backlog.backlog,
    serverElu: active / (active + idle),
  };
}

async function storedTotals(client: ClickHouseClient, tables: ReturnType<typeof clickHouseTables>, fromTs?: number, toTs?: number): Promise<{ distinct: number; rows: number }> {
  const where = fromTs === undefined || toTs === undefined ? '' : `WHERE ts >= ${Math.floor(fromTs)} AND ts <= ${Math.ceil(toTs)}`;
  const query = `SELECT uniqExact(event_id) AS distinct, count() AS rows FROM (SELECT event_id FROM ${tables.exposures} ${where} UNION ALL SELECT event_id FROM ${tables.metricEvents} ${where})`;
  const rows = await (await client.query({ query, format: 'JSONEachRow' })).json<{ distinct: string; rows: string }>();
  return { distinct: Number(rows[0]?.distinct ?? 0), rows: Number(rows[0]?.rows ?? 0) };
}

async function createSdkKey(url: string, adminToken: string): Promise<string> {
  const response = await fetch(`${url}/admin/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ environment: 'production', kind: 'server' }),
  });
  const body = (await response.json()) as { key?: string };
  if (response.status !== 201 || !body.key) throw new Error(`POST /admin/api-keys: ${response.status} ${JSON.stringify(body)}`);
  // The read side knows the key once its projection has applied the event.
  for (const until = Date.now() + 10_000; Date.now() < until; ) {
    const check = await fetch(`${url}/api/v1/snapshot`, { headers: { authorization: `Bearer ${body.key}` } });
    await check.arrayBuffer();
    if (check.status === 200) return body.key;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the new SDK key was not accepted by the read API within 10 s');
}

function report(name: string, p: Phase): void {
  console.log(
    `  ${name}: ingest ${round(p.load.eventsPerSecond)} events/s (${p.load.accepted} requests${refusedText(p.load)}), end-to-end ${round(p.endToEnd)} events/s, lag p50 ${round(weightedQuantile(p.visibility.events, 0.5))} ms, p99 ${round(weightedQuantile(p.visibility.events, 0.99))} ms; ${p.drained ? 'all stored' : 'NOT all stored'}; backlog in Kafka at load end ${round(p.backlogAtLoadEnd)}`,
  );
  console.log(`    ${phaseText(p)}`);
}

function logBaselines(n: number, b: Baselines, rowsPerInsert: number): void {
  console.log(
    `  baselines, round ${n}: raw kafkajs produce ${round(b.kafka.producer.messagesPerSecond)} msg/s (${b.kafka.producer.megabytesPerSecond.toFixed(1)} MB/s; ${cpuText(b.kafka.producer.cpu)}), consume ${round(b.kafka.consumer.messagesPerSecond)} msg/s in batches of ${round(b.kafka.consumer.meanBatch)}; raw ClickHouse ${round(b.clickhouse.rowsPerSecond)} rows/s at ${round(rowsPerInsert)} rows per insert (${cpuText(b.clickhouse.cpu)})`,
  );
}

function refusedText(load: IngestLoadResult): string {
  const entries = Object.entries(load.refused);
  return entries.length === 0 ? '' : `, refused: ${entries.map(([status, n]) => `${n}× ${status}`).join(', ')}`;
}

function phaseText(p: Phase): string {
  const c = p.counters;
  return `during the load ${cpuText(p.loadCpu)}, Flagstaff event-loop utilisation ${(100 * p.serverElu).toFixed(0)}%; draining afterwards (${p.drainSeconds.toFixed(1)} s) ${cpuText(p.drainCpu)}; the sink made ${p.inserts.inserts} inserts of ${round(p.inserts.inserts > 0 ? p.inserts.rows / p.inserts.inserts : 0)} rows on average; ClickHouse server-wide meanwhile (other databases included): ${round(c.MergedRows)} rows merged in ${(c.MergesTimeMilliseconds / 1000).toFixed(1)} s of merge threads, ${c.SelectQuery} selects`;
}

/** `[CPU s/s, events/s]` pairs as µs of CPU per event, per round. */
function perEventText(pairs: [number, number][]): string {
  return `${pairs.map(([cpu, rate]) => ((1e6 * cpu) / rate).toFixed(1)).join(' / ')} µs per event`;
}

