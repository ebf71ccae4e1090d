import type { EventStore, StoredEvent } from '../../event-store/event-store.ts';
import { splitStreamId } from '../../shared/domain-event.ts';
import { FLAG_CATEGORY, type FlagEvent } from '../../shared/flag-events.ts';
import { LogCheckpoints } from '../../shared/log-checkpoints.ts';
import { structuralDiff, type DiffEntry } from '../../shared/structural-diff.ts';
import type { Targeting } from '../../shared/targeting.ts';
import type { Versioned } from '../../shared/versioned.ts';
import type { FlagDecisionContext } from '../flags/flag-decider.ts';
import { evolveFlag, targetingIn, type Flag } from '../../shared/flag-evolution.ts';

/** What an environment rollback does to one flag. */
export interface PlannedChange {
  readonly flagKey: string;
  /**
   * `restore`: the targeting it had at that time. `disable`: the flag did not exist then (or was archived), so
   * applications got no value from it; it is switched off here, its rules kept, rather than archived, which
   * would take it from every environment.
   */
  readonly action: 'restore' | 'disable';
  readonly fromVersion: number;
  readonly targeting: Targeting;
  readonly changes: readonly DiffEntry[];
}

/**
 * Pure: the changes that put `environment` back as it was, given every flag as it was then and as it is now.
 * Archived flags are left alone (they serve nothing, and archiving is not per environment); flags whose
 * targeting there is already the old one are not touched, so a rollback to "now" plans nothing.
 */
export function planEnvironmentRollback(environment: string, past: ReadonlyMap<string, Flag>, current: Iterable<Versioned<Flag>>): PlannedChange[] {
  const planned: PlannedChange[] = [];
  for (const { state: flag, version } of current) {
    if (flag.archived) continue;
    const then = past.get(flag.key);
    const now = targetingIn(flag, environment);
    const restore = then !== undefined && !then.archived;
    const targeting = restore ? targetingIn(then, environment) : { ...now, enabled: false };
    const changes = structuralDiff(now, targeting);
    if (changes.length === 0) continue;
    planned.push({ flagKey: flag.key, action: restore ? 'restore' : 'disable', fromVersion: version, targeting, changes });
  }
  return planned.sort((a, b) => (a.flagKey < b.flagKey ? -1 : 1));
}

/**
 * The decision context as it will be once every planned change is made: each flag is then checked against the
 * others' restored targeting (a prerequisite restored together with its dependant is judged as it will be).
 */
export function contextAfter(environment: string, plan: readonly PlannedChange[], context: FlagDecisionContext): FlagDecisionContext {
  const planned = new Map(plan.map((change) => [change.flagKey, change.targeting]));
  const after = (flag: Flag): Flag => {
    const targeting = planned.get(flag.key);
    return targeting ? { ...flag, environments: { ...flag.environments, [environment]: targeting } } : flag;
  };
  return {
    environmentExists: (key) => context.environmentExists(key),
    segmentExists: (key) => context.segmentExists(key),
    flag: (key) => {
      const flag = context.flag(key);
      return flag && after(flag);
    },
    *flags() {
      for (const flag of context.flags()) yield after(flag);
    },
    flagVersion: (key) => context.flagVersion(key),
    experiment: (key) => context.experiment(key),
  };
}

/** Every flag as of any time, folded from the global log with the write side's own evolve, with checkpoints. */
export class FlagsHistory {
  private readonly checkpoints: LogCheckpoints<Map<string, Flag>, ReadonlyMap<string, Flag>>;

  constructor(store: Pick<EventStore, 'readAll'>, options: { spacing?: number; maxCheckpoints?: number } = {}) {
    this.checkpoints = new LogCheckpoints(
      store,
      {
        empty: () => new Map(),
        resume: (checkpoint) => new Map(checkpoint),
        apply: (flags, events) => events.forEach((event) => applyFlagEvent(flags, event)),
        checkpoint: (flags) => new Map(flags),
      },
      options,
    );
  }

  async at(time: Date): Promise<ReadonlyMap<string, Flag>> {
    return (await this.checkpoints.foldTo({ time })).model;
  }
}

function applyFlagEvent(flags: Map<string, Flag>, event: StoredEvent): void {
  const { category, id } = splitStreamId(event.streamId);
  if (category !== FLAG_CATEGORY) return;
  flags.set(id, evolveFlag(flags.get(id), event as unknown as FlagEvent));
}
