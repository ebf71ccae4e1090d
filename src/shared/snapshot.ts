import type { JsonValue } from '../event-store/event-store.ts';
import type { FlagType, HashVersion } from './flag-events.ts';
import type { Condition, Targeting, WeightedVariant } from './targeting.ts';

/**
 * The configuration of one environment as applications receive it (`GET /api/v1/snapshot`, the SSE stream,
 * the SDK's bootstrap file): plain JSON, compiled for evaluation on arrival (src/evaluation/compile.ts).
 */
export interface EnvironmentSnapshot {
  readonly formatVersion: 1;
  readonly environment: string;
  /** Position in the event store of the last event that changed this environment's configuration. */
  readonly revision: number;
  readonly flags: Readonly<Record<string, FlagSnapshot>>;
  readonly segments: Readonly<Record<string, SegmentSnapshot>>;
}

export interface FlagSnapshot extends Targeting {
  readonly key: string;
  readonly type: FlagType;
  readonly variants: Readonly<Record<string, JsonValue>>;
  readonly hashVersion: HashVersion;
  /** The experiment running on this flag in this environment, if any: it enters evaluation at step 5. */
  readonly experiment?: ExperimentSnapshot;
}

export interface ExperimentSnapshot {
  readonly key: string;
  /** Variants hash with `salt`, the traffic allocation with `<salt>:traffic` (the salt is the key, unless re-randomised). */
  readonly salt: string;
  readonly trafficPercent: number;
  readonly audience: readonly Condition[];
  readonly variants: readonly WeightedVariant[];
}

export interface SegmentSnapshot {
  readonly key: string;
  readonly conditions: readonly Condition[];
  readonly included: readonly string[];
  readonly excluded: readonly string[];
}

/** What an SSE `change` event carries: the flags and segments that differ from `previousRevision`. */
export interface SnapshotDelta {
  readonly previousRevision: number;
  readonly revision: number;
  readonly flags: EnvironmentSnapshot['flags'];
  readonly deletedFlags: readonly string[];
  readonly segments: EnvironmentSnapshot['segments'];
  readonly deletedSegments: readonly string[];
}
