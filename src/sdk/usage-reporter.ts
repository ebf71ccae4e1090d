import type { EvaluationResult } from '../evaluation/evaluation-result.ts';
import { reportPoster, type ReportTarget } from './post-report.ts';

/** Evaluations per flag and variant: `{ "new-checkout": { "on": 12, "off": 30 } }`. */
export type UsageCounts = Record<string, Record<string, number>>;

/** What `POST /api/v1/usage` takes: the counts of a period, as Unleash's SDKs report a metrics bucket. */
export interface UsageReport {
  readonly start: string;
  readonly stop: string;
  readonly flags: UsageCounts;
}

export type UsageSendOutcome = { readonly kind: 'accepted' } | { readonly kind: 'rejected'; readonly error: Error } | { readonly kind: 'retry'; readonly error: Error };

export interface UsageReporterOptions {
  /** How often counts are sent (default 60,000 ms, as Unleash's SDKs do). */
  readonly flushIntervalMs: number;
  readonly now?: () => Date;
}

/** After this many failures in a row the period stops growing: at most 10 periods between attempts, as Unleash does. */
const MAX_BACKOFF_PERIODS = 10;

/**
 * Counts local evaluations per flag and variant and sends them every period, so a flag evaluated only in SDKs
 * does not look unused in the stale-flags report. Counting is on the evaluation hot path: results are the
 * engine's shared frozen objects (one per flag, slot and revision), so a count is one Map lookup by identity and
 * an integer increment; a counter object is allocated only the first time a result is seen (again after a new
 * revision, or after a period in which it was not served). Counts that could not be sent are kept and sent with
 * the next period's, like Unleash's restored bucket; an unsent report waits longer after each failure.
 */
export class UsageReporter {
  private counters = new Map<EvaluationResult, { n: number }>();
  /** Counted but not yet accepted by the server, with the start of the oldest period in it. */
  private pending: { start: Date; flags: UsageCounts } | undefined;
  private since: Date;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly send: (report: UsageReport) => Promise<UsageSendOutcome>,
    private readonly options: UsageReporterOptions,
    private readonly onError: (error: Error) => void = () => {},
  ) {
    this.since = this.now();
  }

  /** Called for every evaluation that served a variant: one Map lookup and an increment, no allocation after the first. */
  count(result: EvaluationResult): void {
    const counter = this.counters.get(result);
    if (counter !== undefined) counter.n++;
    else if (!this.stopped) this.counters.set(result, { n: 1 });
  }

  /** Sends on a timer from now on. */
  start(): void {
    this.schedule();
  }

  /** Sends what was counted now; resolves once the server answered (counts not accepted stay for the next try). */
  flush(): Promise<void> {
    this.sending ??= this.sendPending().finally(() => (this.sending = undefined));
    return this.sending;
  }

  /**
   * Stops the timer and sends what was counted, once, waiting at most `timeoutMs`: on close the client does not
   * wait long for a sick server (what is still unsent then is dropped).
   */
  async close(timeoutMs: number): Promise<void> {
    this.stopTimer();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    const last = (async () => {
      await this.sending;
      await this.flush();
    })();
    await Promise.race([last, deadline]);
    clearTimeout(timer);
    this.stopped = true;
    this.counters.clear();
  }

  /** Stops for good without sending (a key the server refuses). */
  abandon(): void {
    this.stopped = true;
    this.stopTimer();
    this.counters.clear();
    this.pending = undefined;
  }

  private async sendPending(): Promise<void> {
    if (this.stopped) return;
    this.collect();
    const pending = this.pending;
    if (pending === undefined) return;
    const report: UsageReport = { start: pending.start.toISOString(), stop: this.since.toISOString(), flags: pending.flags };
    let outcome: UsageSendOutcome;
    try {
      outcome = await this.send(report);
    } catch (error) {
      outcome = { kind: 'retry', error: error as Error };
    }
    if (outcome.kind === 'retry') {
      this.failures = Math.min(MAX_BACKOFF_PERIODS - 1, this.failures + 1);
      this.onError(outcome.error);
      return;
    }
    // Counted meanwhile are in counters, not in this report: only what was sent leaves.
    if (this.pending === pending) this.pending = undefined;
    this.failures = 0;
    if (outcome.kind === 'rejected') this.onError(outcome.error);
  }

  /**
   * Moves the counters' counts into the pending report and zeroes them. A counter that counted nothing over a
   * whole period is dropped: its result belongs to an old revision, or the flag is no longer evaluated.
   */
  private collect(): void {
    const now = this.now();
    for (const [result, counter] of this.counters) {
      if (counter.n === 0) {
        this.counters.delete(result);
        continue;
      }
      this.pending ??= { start: this.since, flags: {} };
      const variants = (this.pending.flags[result.flagKey] ??= {});
      const variant = result.variant!;
      variants[variant] = (variants[variant] ?? 0) + counter.n;
      counter.n = 0;
    }
    this.since = now;
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().finally(() => this.schedule());
    }, this.options.flushIntervalMs * (1 + this.failures));
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private now(): Date {
    return (this.options.now ?? (() => new Date()))();
  }
}

/** Sends a report with fetch; 5xx, 408, 429 and network errors are worth another try, other refusals are not. */
export function httpUsageSender(target: ReportTarget): (report: UsageReport) => Promise<UsageSendOutcome> {
  const post = reportPoster(target, '/api/v1/usage', 'usage');
  return async (report) => {
    const outcome = await post(report);
    return outcome.kind === 'refused' ? { kind: 'rejected', error: outcome.error } : outcome;
  };
}
