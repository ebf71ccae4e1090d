import type { StoredEvent } from '../event-store/event-store.ts';
import { splitStreamId } from '../shared/domain-event.ts';
import { FLAG_CATEGORY, type FlagEvent } from '../shared/flag-events.ts';
import { evolveFlagDefinition, targetingIn, type FlagDefinition } from '../shared/flag-evolution.ts';
import { canonicalJson, type ReadModel } from './read-model.ts';

/**
 * Every flag stream folded by the shared evolution and nothing else: what the write side's fold says a flag is,
 * with none of the read model's own handling (which events it skips, which environments it marks, the values it
 * pools, its saved and loaded state). The rebuild check compares the read models with it, so a read model that
 * drifted from what the write side decides with shows, flag by flag.
 */
export class FlagStreamsFold {
  private readonly flags = new Map<string, FlagDefinition>();

  /** Folds the flag events of a batch of the global log (in order; each stream's events come in its order). */
  add(events: readonly StoredEvent[]): void {
    for (const event of events) {
      const { category, id } = splitStreamId(event.streamId);
      if (category !== FLAG_CATEGORY) continue;
      // An event of a flag never created leaves it unknown, as the read model leaves it (the write side refuses it).
      const next = evolveFlagDefinition(this.flags.get(id), event as unknown as FlagEvent);
      if (next !== undefined) this.flags.set(id, next);
    }
  }

  /** The keys, sorted, of the flags `model` holds otherwise than the fold: missing, extra, or defined differently. */
  differencesFrom(model: ReadModel): string[] {
    const keys = new Set([...this.flags.keys(), ...model.flagKeys()]);
    return [...keys].filter((key) => !sameDefinition(this.flags.get(key), model.storedFlag(key))).sort();
  }
}

/**
 * Equal in all that evaluation reads: key, type, variants (in their declared order, which picks a default), hash
 * version, archived, and the targeting of every environment either sets (one that only the other sets must be
 * its default).
 */
function sameDefinition(fold: FlagDefinition | undefined, model: FlagDefinition | undefined): boolean {
  if (fold === undefined || model === undefined) return fold === model;
  if (fold.key !== model.key || fold.type !== model.type || fold.hashVersion !== model.hashVersion || fold.archived !== model.archived) return false;
  if (canonicalJson(Object.entries(fold.variants)) !== canonicalJson(Object.entries(model.variants))) return false;
  const environments = new Set([...Object.keys(fold.environments), ...Object.keys(model.environments)]);
  return [...environments].every((environment) => canonicalJson(targetingIn(fold, environment)) === canonicalJson(targetingIn(model, environment)));
}
