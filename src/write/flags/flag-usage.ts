import type { EventStore, StoredEvent } from '../../event-store/event-store.ts';
import type { EvaluationCount } from '../../observability/evaluation-tally.ts';
import { UNKNOWN_FLAG } from '../../observability/evaluation-tally.ts';
import { streamId, type EventMetadata } from '../../shared/domain-event.ts';

/**
 * Flag usage from evaluation telemetry: how often each flag was evaluated, when last, and which variants it
 * served. Each process sums its evaluations in memory and appends one `FlagUsageRecorded` event per environment
 * and flush (default every minute, only when something was evaluated) to the stream `flagusage-<environment>`,
 * so every process, whatever the store, sees the usage of all of them. It is telemetry, not configuration: the
 * read model, time travel and the audit feed leave this category alone.
 */
export const FLAG_USAGE_CATEGORY = 'flagusage';

export interface FlagUsageRecorded {
  readonly type: 'FlagUsageRecorded';
  readonly data: {
    readonly environment: string;
    /** The window the counts cover, ISO times. */
    readonly from: string;
    readonly to: string;
    readonly flags: Readonly<Record<string, { readonly evaluations: number; readonly variants: Readonly<Record<string, number>> }>>;
  };
}

type Window = Map<string, { evaluations: number; variants: Map<string, number> }>;

/** Sums evaluation counts per environment and flag until the next flush. */
export class FlagUsageRecorder {
  private windows = new Map<string, Window>();
  private since: Date;

  constructor(
    private readonly store: Pick<EventStore, 'append'>,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.since = now();
  }

  absorb(counts: readonly EvaluationCount[]): void {
    for (const c of counts) {
      if (c.flagKey === UNKNOWN_FLAG) continue;
      let window = this.windows.get(c.environment);
      if (!window) this.windows.set(c.environment, (window = new Map()));
      const flag = window.get(c.flagKey) ?? { evaluations: 0, variants: new Map<string, number>() };
      flag.evaluations += c.count;
      if (c.variant !== '') flag.variants.set(c.variant, (flag.variants.get(c.variant) ?? 0) + c.count);
      window.set(c.flagKey, flag);
    }
  }

  /** Appends what was counted since the last flush; on failure the counts stay for the next one. */
  async flush(): Promise<void> {
    const windows = this.windows;
    if (windows.size === 0) return;
    const from = this.since;
    const to = this.now();
    this.windows = new Map();
    this.since = to;
    const metadata: EventMetadata = { actor: 'system', reason: 'flag usage', correlationId: 'flag-usage', timestamp: to.toISOString(), schemaVersion: 1 };
    const failed: [string, Window][] = [];
    for (const [environment, window] of windows) {
      const flags = Object.fromEntries([...window].map(([key, { evaluations, variants }]) => [key, { evaluations, variants: Object.fromEntries(variants) }]));
      const event: FlagUsageRecorded = { type: 'FlagUsageRecorded', data: { environment, from: from.toISOString(), to: to.toISOString(), flags } };
      try {
        await this.store.append(streamId(FLAG_USAGE_CATEGORY, environment), [{ ...event, metadata: metadata as unknown as Record<string, unknown> }], { expectedVersion: 'any' });
      } catch {
        failed.push([environment, window]);
      }
    }
    if (failed.length === 0) return;
    this.since = from; // the next window starts where the unsaved counts did
    for (const [environment, window] of failed) {
      for (const [flagKey, flag] of window) {
        this.absorb([...flag.variants].map(([variant, count]) => ({ environment, flagKey, variant, reason: '', count })));
        const variantless = flag.evaluations - [...flag.variants.values()].reduce((a, b) => a + b, 0);
        if (variantless > 0) this.absorb([{ environment, flagKey, variant: '', reason: '', count: variantless }]);
      }
    }
    throw new Error(`flag usage of ${failed.length} environment(s) not saved; kept for the next flush`);
  }
}

const DAY_MS = 86_400_000;

/** What the stale-flag report says of one flag over a period. */
export interface FlagUsageSummary {
  /** End of the last window in which the flag was evaluated, in any environment. */
  readonly lastEvaluatedAt: string | null;
  /** Evaluations in the period, all environments. */
  readonly evaluations: number;
  /** Variants served in the period and how often. */
  readonly variants: Readonly<Record<string, number>>;
}

/**
 * Flag usage folded from the log: per flag, the last time it was evaluated, and per day the variants it served
 * (all environments together). Days older than `retentionDays` are dropped as they age out, so the model holds at
 * most flags × retentionDays small maps.
 */
export class FlagUsage {
  private readonly last = new Map<string, number>();
  private readonly days = new Map<string, Map<number, Map<string, number>>>();

  constructor(private readonly retentionDays = 400) {}

  fold(event: StoredEvent): void {
    if (event.type !== 'FlagUsageRecorded') return;
    const data = event.data as unknown as FlagUsageRecorded['data'];
    const to = Date.parse(data.to);
    if (!Number.isFinite(to)) return;
    const day = Math.floor(to / DAY_MS);
    for (const [flagKey, usage] of Object.entries(data.flags)) {
      if (usage.evaluations > 0) this.last.set(flagKey, Math.max(this.last.get(flagKey) ?? 0, to));
      let perDay = this.days.get(flagKey);
      if (!perDay) this.days.set(flagKey, (perDay = new Map()));
      const variants = perDay.get(day) ?? new Map<string, number>();
      for (const [variant, count] of Object.entries(usage.variants)) variants.set(variant, (variants.get(variant) ?? 0) + count);
      const variantless = usage.evaluations - Object.values(usage.variants).reduce((a, b) => a + b, 0);
      if (variantless > 0) variants.set('', (variants.get('') ?? 0) + variantless);
      perDay.set(day, variants);
      for (const old of perDay.keys()) if (old < day - this.retentionDays) perDay.delete(old);
    }
  }

  /** The flag's usage from `since` on (whole days: a day counts when it ends after `since`). */
  summary(flagKey: string, since: Date): FlagUsageSummary {
    const last = this.last.get(flagKey);
    const fromDay = Math.floor(since.getTime() / DAY_MS);
    const variants: Record<string, number> = {};
    let evaluations = 0;
    for (const [day, counts] of this.days.get(flagKey) ?? []) {
      if (day < fromDay) continue;
      for (const [variant, count] of counts) {
        evaluations += count;
        if (variant !== '') variants[variant] = (variants[variant] ?? 0) + count;
      }
    }
    return { lastEvaluatedAt: last === undefined ? null : new Date(last).toISOString(), evaluations, variants };
  }
}

export type StaleReason = 'not-evaluated' | 'single-variant';

/**
 * Stale over the period: not evaluated at all, or every evaluation served one and the same variant (a rollout
 * finished at 100%, an experiment long decided). Flags younger than the period are never stale.
 */
export function staleReason(summary: FlagUsageSummary, createdAt: Date, since: Date): StaleReason | undefined {
  if (createdAt.getTime() > since.getTime()) return undefined;
  if (summary.evaluations === 0) return 'not-evaluated';
  const served = Object.keys(summary.variants);
  return served.length === 1 ? 'single-variant' : undefined;
}
