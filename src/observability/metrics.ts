import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Reason } from '../evaluation/evaluation-result.ts';
import type { Reading } from './background-reading.ts';
import type { EvaluationCount } from './evaluation-tally.ts';

/** The flag label of evaluations past the series budget. */
export const OTHER_FLAGS = '(other)';

/**
 * The label values with a known, closed set of values: each combination is declared at zero when the registry is
 * made, so dashboards and alerts see zeros from the first scrape instead of no series until a first occurrence
 * (a rate over a missing series is no answer at all, and an alert on it never fires).
 */
const REASONS = ['DISABLED', 'PREREQUISITE_FAILED', 'TARGETING_MATCH', 'SPLIT', 'DEFAULT', 'ERROR'] as const satisfies readonly Reason[];
// Fails to compile when evaluation gains a reason this list lacks.
const _everyReasonListed: [Exclude<Reason, (typeof REASONS)[number]>] extends [never] ? true : never = true;
const APIS = ['read', 'admin'] as const;
const EVALUATION_ROUTES = ['flag', 'batch', 'ofrep'] as const;
const INGEST_OUTCOMES = ['accepted', 'rejected'] as const;
const SINK_OUTCOMES = ['ok', 'retry', 'dead-letter'] as const;
/** A dead-lettered batch took no attempt of its own: it has no duration (see recordSinkBatch). */
const SINK_TIMED_OUTCOMES = ['ok', 'retry'] as const;
const SINK_RECORD_KINDS = ['exposure', 'metric', 'dead-letter'] as const;
const APPEND_OUTCOMES = ['ok', 'conflict', 'error'] as const;

/** Seconds; HTTP and evaluation latencies on this service sit between tens of microseconds and seconds. */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Every Prometheus series Flagstaff exports (`GET /metrics`), in one registry per process so tests can run
 * several servers side by side. Gauges whose value lives elsewhere (projection lag, SSE connections) are read at
 * scrape time through the `collect` hooks given here; the consumer lag, which costs a round of broker requests to
 * read, is read in the background (see background-reading.ts) and a scrape reports its last reading.
 *
 * Every series exists from the start: label sets with a closed set of values are declared at zero for each value;
 * those with an open one (flag, environment, variant; method, route, status) are declared once with those labels
 * empty, which Prometheus reads as absent, so `sum(rate(…))` answers 0 instead of nothing before first use.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly evaluations: Counter<'flag' | 'environment' | 'variant' | 'reason'>;
  readonly evaluationDuration: Histogram<'route'>;
  readonly httpDuration: Histogram<'api' | 'method' | 'route' | 'status'>;
  readonly ingested: Counter<'outcome'>;
  readonly sinkBatchSize: Histogram<'outcome'>;
  readonly sinkBatchDuration: Histogram<'outcome'>;
  readonly sinkRecords: Counter<'kind'>;
  readonly appendDuration: Histogram<'outcome'>;
  readonly appendConflicts: Counter;
  readonly preconditionFailures: Counter;
  readonly rateLimited: Counter<'api'>;
  private readonly flagsLabelled = new Set<string>();
  private readonly maxFlagSeries: number;

  constructor(hooks: {
    projectionLag: () => Promise<number | undefined>;
    sseConnections: () => number;
    /** The last reading of the messages the analytics sink has not committed; undefined before the first. */
    consumerLag?: () => Reading | undefined;
    /** Called at every scrape, before the evaluation counter is read: brings it up to date (see countEvaluations). */
    beforeScrape: () => void;
    /** Distinct flags given a series of their own; default 1,000. */
    maxFlagSeries?: number;
  }) {
    this.maxFlagSeries = hooks.maxFlagSeries ?? 1_000;
    const registry = this.registry;
    collectDefaultMetrics({ register: registry, prefix: 'flagstaff_' });
    const evaluations = new Counter({
      name: 'flagstaff_evaluations_total',
      help: 'Flag evaluations served by this process, by flag, environment, variant and reason',
      labelNames: ['flag', 'environment', 'variant', 'reason'] as const,
      registers: [registry],
      collect() {
        hooks.beforeScrape();
      },
    });
    this.evaluations = evaluations;
    for (const reason of REASONS) evaluations.inc({ flag: '', environment: '', variant: '', reason }, 0);
    this.evaluationDuration = new Histogram({
      name: 'flagstaff_evaluation_duration_seconds',
      help: 'Time to evaluate the flags of one request (single, batch, OFREP), excluding I/O',
      labelNames: ['route'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
    for (const route of EVALUATION_ROUTES) this.evaluationDuration.zero({ route });
    this.httpDuration = new Histogram({
      name: 'flagstaff_http_request_duration_seconds',
      help: 'HTTP request duration by API (read, admin), method, route and status',
      labelNames: ['api', 'method', 'route', 'status'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
    for (const api of APIS) this.httpDuration.zero({ api, method: '', route: '', status: '' });
    new Gauge({
      name: 'flagstaff_projection_lag_events',
      help: 'Events in the store not yet applied to this process read model (store head minus read-model position)',
      registers: [registry],
      async collect() {
        const lag = await hooks.projectionLag();
        if (lag !== undefined) this.set(lag);
      },
    });
    new Gauge({
      name: 'flagstaff_sse_connections',
      help: 'Open SSE streams',
      registers: [registry],
      collect() {
        this.set(hooks.sseConnections());
      },
    });
    this.ingested = new Counter({ name: 'flagstaff_ingest_events_total', help: 'Events received on POST /api/v1/events, accepted or rejected', labelNames: ['outcome'] as const, registers: [registry] });
    for (const outcome of INGEST_OUTCOMES) this.ingested.inc({ outcome }, 0);
    const consumerLag = hooks.consumerLag ?? (() => undefined);
    new Gauge({
      name: 'flagstaff_pipeline_consumer_lag_messages',
      help: 'Messages on the bus the analytics sink has not committed yet, as last read (when: flagstaff_pipeline_consumer_lag_read_timestamp_seconds)',
      registers: [registry],
      collect() {
        const reading = consumerLag();
        if (reading) this.set(reading.value);
      },
    });
    new Gauge({
      name: 'flagstaff_pipeline_consumer_lag_read_timestamp_seconds',
      help: 'When the consumer lag was last read from the bus (Unix time; 0 before the first reading): an old one means the bus does not answer',
      registers: [registry],
      collect() {
        const reading = consumerLag();
        if (reading) this.set(reading.readAt / 1000);
      },
    });
    this.sinkBatchSize = new Histogram({ name: 'flagstaff_pipeline_batch_size', help: 'Records per analytics sink batch', labelNames: ['outcome'] as const, buckets: [1, 10, 100, 500, 1_000, 5_000, 10_000, 50_000], registers: [registry] });
    this.sinkBatchDuration = new Histogram({ name: 'flagstaff_pipeline_batch_duration_seconds', help: 'Analytics sink batch duration (validate, write, acknowledge)', labelNames: ['outcome'] as const, buckets: LATENCY_BUCKETS, registers: [registry] });
    this.sinkRecords = new Counter({ name: 'flagstaff_pipeline_records_total', help: 'Records the analytics sink stored or dead-lettered', labelNames: ['kind'] as const, registers: [registry] });
    this.appendDuration = new Histogram({ name: 'flagstaff_event_store_append_duration_seconds', help: 'Event store append latency', labelNames: ['outcome'] as const, buckets: LATENCY_BUCKETS, registers: [registry] });
    this.appendConflicts = new Counter({ name: 'flagstaff_event_store_append_conflicts_total', help: 'Appends refused because the stream moved on (optimistic concurrency)', registers: [registry] });
    this.preconditionFailures = new Counter({ name: 'flagstaff_http_precondition_failed_total', help: 'Commands answered 412 because If-Match was stale', registers: [registry] });
    this.rateLimited = new Counter({ name: 'flagstaff_rate_limited_total', help: 'Requests refused with 429', labelNames: ['api'] as const, registers: [registry] });
    for (const outcome of SINK_OUTCOMES) this.sinkBatchSize.zero({ outcome });
    for (const outcome of SINK_TIMED_OUTCOMES) this.sinkBatchDuration.zero({ outcome });
    for (const kind of SINK_RECORD_KINDS) this.sinkRecords.inc({ kind }, 0);
    for (const outcome of APPEND_OUTCOMES) this.appendDuration.zero({ outcome });
    for (const api of APIS) this.rateLimited.inc({ api }, 0);
  }

  /**
   * Past `maxFlagSeries` distinct flags, further flags are counted under flag="(other)": a process serving 10,000
   * flags would otherwise export tens of thousands of series (flags × environments × variants × reasons) and hold
   * them in memory. Per-flag counts of every flag stay available as flag usage (GET /admin/flags?stale=…).
   */
  countEvaluations(counts: readonly EvaluationCount[]): void {
    for (const c of counts) {
      let flag = c.flagKey;
      if (!this.flagsLabelled.has(flag)) {
        if (this.flagsLabelled.size < this.maxFlagSeries) this.flagsLabelled.add(flag);
        else flag = OTHER_FLAGS;
      }
      this.evaluations.inc({ flag, environment: c.environment, variant: c.variant, reason: c.reason }, c.count);
    }
  }

  /**
   * Records one analytics sink batch (from the sink, on this thread or relayed from the sink thread). The alerts:
   * `outcome="retry"` batches (each failed attempt) and `outcome="dead-letter"` ones (a batch the store kept
   * refusing, given up on: its records count as dead letters; it took no attempt of its own, so no duration).
   */
  recordSinkBatch(batch: { outcome: 'ok' | 'retry' | 'dead-letter'; size: number; exposures: number; metricEvents: number; deadLetters: number; durationMs: number }): void {
    this.sinkBatchSize.observe({ outcome: batch.outcome }, batch.size);
    if (batch.outcome === 'dead-letter') {
      this.sinkRecords.inc({ kind: 'dead-letter' }, batch.deadLetters);
      return;
    }
    this.sinkBatchDuration.observe({ outcome: batch.outcome }, batch.durationMs / 1000);
    if (batch.outcome !== 'ok') return;
    if (batch.exposures > 0) this.sinkRecords.inc({ kind: 'exposure' }, batch.exposures);
    if (batch.metricEvents > 0) this.sinkRecords.inc({ kind: 'metric' }, batch.metricEvents);
    if (batch.deadLetters > 0) this.sinkRecords.inc({ kind: 'dead-letter' }, batch.deadLetters);
  }
}
