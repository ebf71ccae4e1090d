import type { ClickHouseClient } from '@clickhouse/client';

/**
 * When did each event become visible in ClickHouse? Every request's events carry the request's send time as
 * their `timestamp` (unique per request, to the millisecond; see event-bodies.ts), which the store keeps as the
 * integer column `ts`. Every `intervalMs` this polls
 *
 *   SELECT ts, count() FROM (exposures WHERE ts in [oldest pending, newest pending]
 *                            UNION ALL metric_events WHERE ts in ...) GROUP BY ts
 *
 * and, for each request still pending, counts the events that appeared since the previous poll: each of those
 * has lag = (start of this poll) − (its send time). That is an upper bound: an event that became visible just
 * after the previous poll started is charged up to one interval plus one query too much, so the figures are
 * conservative by at most `intervalMs` + the poll's duration (reported). A request is complete when all its
 * events are visible (`count()` may exceed it if the sink re-delivered a batch before a merge: at least once).
 */
export interface LagSample {
  readonly lagMs: number;
  readonly events: number;
}

export interface VisibilityReport {
  /** One entry per group of events that became visible in the same poll, weighted by their number. */
  readonly events: LagSample[];
  /** Per request: the lag of its last event to become visible. */
  readonly requests: number[];
  /** When the last pending request became complete (epoch ms), if every one did. */
  readonly lastCompletedAt: number | undefined;
  readonly pending: number;
  readonly polls: number;
  readonly pollMs: { p50: number; max: number };
}

export class VisibilityTracker {
  private readonly expected = new Map<number, { count: number; seen: number }>();
  private samples: LagSample[] = [];
  private requestLags: number[] = [];
  private pollDurations: number[] = [];
  private lastCompletedAt: number | undefined;
  private visibleEvents = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly waiters: (() => void)[] = [];
  failures = 0;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly tables: { exposures: string; metricEvents: string },
    private readonly intervalMs: number,
  ) {}

  /** A request is about to be sent: `count` events stamped `ts`. */
  expect(ts: number, count: number): void {
    if (this.expected.has(ts)) throw new Error(`two requests stamped ${ts}`);
    this.expected.set(ts, { count, seen: 0 });
  }

  /** The request was refused: its events are not expected (whatever of them reached the bus is ignored). */
  forget(ts: number): void {
    this.expected.delete(ts);
  }

  /** Gives up on everything pending (a phase that did not drain in time), so the next phase starts clean. */
  forgetAll(): void {
    this.expected.clear();
  }

  start(): void {
    this.stopped = false;
    const tick = (): void => {
      if (this.stopped) return;
      this.running = this.poll().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs);
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Resolves once nothing is pending, or with false after `timeoutMs`. */
  async settled(timeoutMs: number): Promise<boolean> {
    if (this.expected.size === 0) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  get pending(): number {
    return this.expected.size;
  }

  /** Events of this phase seen in ClickHouse so far (as of the last poll). */
  get visible(): number {
    return this.visibleEvents;
  }

  /** Takes the samples gathered so far and starts afresh (one report per phase). */
  take(): VisibilityReport {
    const durations = [...this.pollDurations].sort((a, b) => a - b);
    const report: VisibilityReport = {
      events: this.samples,
      requests: this.requestLags,
      lastCompletedAt: this.expected.size === 0 ? this.lastCompletedAt : undefined,
      pending: this.expected.size,
      polls: durations.length,
      pollMs: { p50: durations[Math.floor(durations.length / 2)] ?? Number.NaN, max: durations[durations.length - 1] ?? Number.NaN },
    };
    this.samples = [];
    this.requestLags = [];
    this.pollDurations = [];
    this.lastCompletedAt = undefined;
    this.visibleEvents = 0;
    return report;
  }

  private async poll(): Promise<void> {
    if (this.expected.size === 0) return;
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    for (const ts of this.expected.keys()) {
      low = Math.min(low, ts);
      high = Math.max(high, ts);
    }
    // Integers this process made, not input: safe to put in the SQL as they are.
    if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high)) throw new Error('bad bounds');
    const where = `ts >= ${low} AND ts <= ${high}`;
    const query = `SELECT ts, count() AS n FROM (SELECT ts FROM ${this.tables.exposures} WHERE ${where} UNION ALL SELECT ts FROM ${this.tables.metricEvents} WHERE ${where}) GROUP BY ts`;
    const startedAt = Date.now();
    const started = performance.now();
    let rows: { ts: string; n: string }[];
    try {
      rows = await (await this.client.query({ query, format: 'JSONEachRow' })).json<{ ts: string; n: string }>();
    } catch {
      this.failures++;
      return;
    }
    this.pollDurations.push(performance.now() - started);
    for (const row of rows) {
      const ts = Number(row.ts);
      const entry = this.expected.get(ts);
      if (!entry) continue;
      const visible = Math.min(Number(row.n), entry.count);
      if (visible > entry.seen) {
        this.samples.push({ lagMs: startedAt - ts, events: visible - entry.seen });
        this.visibleEvents += visible - entry.seen;
        entry.seen = visible;
      }
      if (entry.seen === entry.count) {
        this.requestLags.push(startedAt - ts);
        this.expected.delete(ts);
        this.lastCompletedAt = startedAt;
      }
    }
    if (this.expected.size === 0) for (const wake of this.waiters.splice(0)) wake();
  }
}

/** The q-quantile of weighted samples (the smallest lag at or below which a fraction q of the events fall). */
export function weightedQuantile(samples: readonly LagSample[], q: number): number {
  const sorted = [...samples].sort((a, b) => a.lagMs - b.lagMs);
  const total = sorted.reduce((sum, s) => sum + s.events, 0);
  let cumulative = 0;
  for (const s of sorted) {
    cumulative += s.events;
    if (cumulative >= q * total) return s.lagMs;
  }
  return Number.NaN;
}

export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}
