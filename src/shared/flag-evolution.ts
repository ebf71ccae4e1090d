import { defaultTargeting } from './flag-defaults.ts';
import { isBookkeeping, type FlagEvent, type FlagType, type HashVersion, type Variants } from './flag-events.ts';
import type { Targeting } from './targeting.ts';
import { shareAll, shareParts } from './targeting-sharing.ts';
import { evolveSchedules, type Schedules } from './flag-schedules.ts';

/**
 * What a flag is, folded from its events: the one evolution both sides use. The write side decides with the
 * whole `Flag`; the read model keeps only the `FlagDefinition` (what applications evaluate), for its memory,
 * and evolves it with the same rules (`evolveFlagDefinition`), so the two cannot drift apart.
 */

/** The part of a flag applications evaluate: all the read model keeps of it. */
export interface FlagDefinition {
  readonly key: string;
  readonly type: FlagType;
  readonly variants: Variants;
  readonly hashVersion: HashVersion;
  readonly archived: boolean;
  /** Only environments whose targeting was ever set; the others use `defaultTargeting`. */
  readonly environments: Readonly<Record<string, Targeting>>;
}

/** A flag as the write side sees it: everything the deciders need, built from its events alone. */
export interface Flag extends FlagDefinition {
  readonly description: string;
  readonly tags: readonly string[];
  /** By environment, the last experiment that reserved the flag there (live or spent: see flag-reservations.ts). */
  readonly experiments: Readonly<Record<string, { readonly experimentKey: string; readonly experimentVersion: number }>>;
  /** By dependent flag, the version its change naming this flag as a prerequisite appends at. */
  readonly prerequisiteClaims: Readonly<Record<string, number>>;
  /** Its scheduled changes, by id: pending and done. */
  readonly schedules: Schedules;
}

/**
 * The definition after `event`; undefined for an event of a flag never created (the caller decides what that
 * means: the write side refuses it, the read model ignores it). Reservations (an experiment attached, a
 * prerequisite claimed) return `state` itself: nothing applications evaluate changes.
 */
export function evolveFlagDefinition(state: FlagDefinition | undefined, event: FlagEvent): FlagDefinition | undefined {
  if (event.type === 'FlagCreated') {
    const { key, type, variants, hashVersion } = event.data;
    return definition(key, type, variants, hashVersion, false, {});
  }
  if (state === undefined || isBookkeeping(event)) return state;
  const { key, type, variants, hashVersion, archived, environments } = state;
  switch (event.type) {
    case 'FlagDetailsChanged':
      return definition(key, type, event.data.variants, hashVersion, archived, environments);
    case 'FlagTargetingChanged':
    case 'FlagTargetingRolledBack': {
      const { environment, targeting } = event.data;
      const others = Object.entries(environments).flatMap(([name, t]) => (name === environment ? [] : [t]));
      return definition(key, type, variants, hashVersion, archived, { ...environments, [environment]: shareParts(targeting, others) });
    }
    case 'FlagToggled': {
      const targeting = targetingIn(state, event.data.environment);
      return definition(key, type, variants, hashVersion, archived, { ...environments, [event.data.environment]: { ...targeting, enabled: event.data.enabled } });
    }
    case 'FlagArchived':
      return definition(key, type, variants, hashVersion, true, environments);
    case 'FlagRestored':
      return definition(key, type, variants, hashVersion, false, environments);
    case 'FlagRolledBack':
      // `environments` holds exactly those configured at the version rolled back to: the others go back to default.
      return definition(key, type, event.data.variants, hashVersion, event.data.archived, shareAll(event.data.environments));
    default: {
      const exhaustive: never = event;
      throw new Error(`unknown flag event ${(exhaustive as FlagEvent).type}`);
    }
  }
}

/** The whole flag after `event`: its definition as `evolveFlagDefinition` says, and what describes and reserves it. */
export function evolveFlag(state: Flag | undefined, event: FlagEvent): Flag {
  const next = evolveFlagDefinition(state, event);
  if (next === undefined) throw new Error(`${event.type} before FlagCreated`);
  const { key, type, variants, hashVersion, archived, environments } = next;
  const { description, tags, experiments, prerequisiteClaims } = evolveDescription(state, event);
  const schedules = evolveSchedules(state?.schedules ?? {}, event);
  // Every field named, not spread: the write model holds one such object per flag.
  return { key, type, description, tags, variants, hashVersion, archived, environments, experiments, prerequisiteClaims, schedules };
}

/** Which environments' configuration an event changes: what the read model marks for rebuilding and announces. */
export type FlagEventReach = { readonly kind: 'all' } | { readonly kind: 'one'; readonly environment: string } | { readonly kind: 'none' };

export function environmentsChangedBy(event: FlagEvent): FlagEventReach {
  if (isBookkeeping(event)) return NONE;
  switch (event.type) {
    case 'FlagCreated':
    case 'FlagDetailsChanged':
    case 'FlagArchived':
    case 'FlagRestored':
    case 'FlagRolledBack':
      return ALL;
    case 'FlagTargetingChanged':
    case 'FlagTargetingRolledBack':
    case 'FlagToggled':
      return { kind: 'one', environment: event.data.environment };
    default: {
      const exhaustive: never = event;
      throw new Error(`unknown flag event ${(exhaustive as FlagEvent).type}`);
    }
  }
}

/** The targeting `environment` evaluates with: the one set there, or the default. */
export function targetingIn(flag: FlagDefinition, environment: string): Targeting {
  return flag.environments[environment] ?? defaultTargeting(flag);
}

const ALL: FlagEventReach = { kind: 'all' };
const NONE: FlagEventReach = { kind: 'none' };

function definition(
  key: string,
  type: FlagType,
  variants: Variants,
  hashVersion: HashVersion,
  archived: boolean,
  environments: Readonly<Record<string, Targeting>>,
): FlagDefinition {
  return { key, type, variants, hashVersion, archived, environments };
}

type FlagDescription = Pick<Flag, 'description' | 'tags' | 'experiments' | 'prerequisiteClaims'>;

/** The fields of a flag no evaluation reads. Called once `evolveFlagDefinition` accepted the event. */
function evolveDescription(state: Flag | undefined, event: FlagEvent): FlagDescription {
  if (event.type === 'FlagCreated') return { description: event.data.description, tags: event.data.tags, experiments: {}, prerequisiteClaims: {} };
  const { description, tags, experiments, prerequisiteClaims } = state!;
  switch (event.type) {
    case 'FlagDetailsChanged':
    case 'FlagRolledBack':
      // Reservations are not content: a rollback keeps today's.
      return { description: event.data.description, tags: event.data.tags, experiments, prerequisiteClaims };
    case 'FlagExperimentAttached': {
      const { environment, experimentKey, experimentVersion } = event.data;
      return { description, tags, experiments: { ...experiments, [environment]: { experimentKey, experimentVersion } }, prerequisiteClaims };
    }
    case 'FlagPrerequisiteClaimed':
      return { description, tags, experiments, prerequisiteClaims: { ...prerequisiteClaims, [event.data.dependentKey]: event.data.dependentVersion } };
    default:
      return { description, tags, experiments, prerequisiteClaims };
  }
}
