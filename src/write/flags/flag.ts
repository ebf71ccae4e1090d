import type { FlagEvent, FlagType, HashVersion, Variants } from '../../shared/flag-events.ts';
import { defaultTargeting } from '../../shared/flag-defaults.ts';
import type { Targeting } from '../../shared/targeting.ts';
import { shareAll, shareParts } from '../../shared/targeting-sharing.ts';

/** A flag as the write side sees it: everything the deciders need, built from its events alone. */
export interface Flag {
  readonly key: string;
  readonly type: FlagType;
  readonly description: string;
  readonly tags: readonly string[];
  readonly variants: Variants;
  readonly hashVersion: HashVersion;
  readonly archived: boolean;
  /** Only environments whose targeting was ever set; the others use `defaultTargeting`. */
  readonly environments: Readonly<Record<string, Targeting>>;
  /** By environment, the last experiment that reserved the flag there (live or spent: see flag-reservations.ts). */
  readonly experiments: Readonly<Record<string, { readonly experimentKey: string; readonly experimentVersion: number }>>;
  /** By dependent flag, the version its change naming this flag as a prerequisite appends at. */
  readonly prerequisiteClaims: Readonly<Record<string, number>>;
}

export function evolveFlag(state: Flag | undefined, event: FlagEvent): Flag {
  if (event.type === 'FlagCreated') {
    const { key, type, description, tags, variants, hashVersion } = event.data;
    return { key, type, description, tags, variants, hashVersion, archived: false, environments: {}, experiments: {}, prerequisiteClaims: {} };
  }
  if (state === undefined) throw new Error(`${event.type} before FlagCreated`);
  switch (event.type) {
    case 'FlagDetailsChanged':
      return { ...state, ...event.data };
    case 'FlagTargetingChanged':
    case 'FlagTargetingRolledBack': {
      const { environment, targeting } = event.data;
      const others = Object.entries(state.environments).flatMap(([name, t]) => (name === environment ? [] : [t]));
      return { ...state, environments: { ...state.environments, [environment]: shareParts(targeting, others) } };
    }
    case 'FlagToggled': {
      const targeting = targetingIn(state, event.data.environment);
      return {
        ...state,
        environments: { ...state.environments, [event.data.environment]: { ...targeting, enabled: event.data.enabled } },
      };
    }
    case 'FlagArchived':
      return { ...state, archived: true };
    case 'FlagRestored':
      return { ...state, archived: false };
    case 'FlagRolledBack': {
      // Reservations are not content: a rollback keeps today's.
      const { description, tags, variants, archived, environments } = event.data;
      return { ...state, description, tags, variants, archived, environments: shareAll(environments) };
    }
    case 'FlagExperimentAttached': {
      const { environment, experimentKey, experimentVersion } = event.data;
      return { ...state, experiments: { ...state.experiments, [environment]: { experimentKey, experimentVersion } } };
    }
    case 'FlagPrerequisiteClaimed':
      return { ...state, prerequisiteClaims: { ...state.prerequisiteClaims, [event.data.dependentKey]: event.data.dependentVersion } };
    default: {
      const exhaustive: never = event;
      throw new Error(`unknown flag event ${(exhaustive as FlagEvent).type}`);
    }
  }
}

export function targetingIn(flag: Flag, environment: string): Targeting {
  return flag.environments[environment] ?? defaultTargeting(flag);
}
