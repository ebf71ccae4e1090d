import { createHash } from 'node:crypto';
import type { StoredEvent } from '../event-store/event-store.ts';
import { compileEnvironment, type CompiledEnvironment } from '../evaluation/compile.ts';
import type { ApiKeyEvent, SdkKeyKind } from '../shared/access-events.ts';
import { splitStreamId } from '../shared/domain-event.ts';
import type { EnvironmentEvent } from '../shared/environment-events.ts';
import type { FlagEvent } from '../shared/flag-events.ts';
import { environmentsChangedBy, evolveFlagDefinition, targetingIn, type FlagDefinition } from '../shared/flag-evolution.ts';
import type { SegmentEvent } from '../shared/segment-events.ts';
import type { EnvironmentSnapshot, FlagSnapshot, SegmentSnapshot } from '../shared/snapshot.ts';
import type { Condition, WeightedVariant } from '../shared/targeting.ts';
import { shareAll } from '../shared/targeting-sharing.ts';
import { ValuePool } from '../shared/value-pool.ts';
import type { ExperimentEvent } from '../shared/experiment-events.ts';

/** The read model's durable state: plain JSON, what a snapshot file holds and what the rebuild hash covers. */
export interface ReadModelState {
  formatVersion: 1;
  /** Global position of the last event applied: the projection's checkpoint. */
  position: number;
  flags: Record<string, StoredFlag>;
  segments: Record<string, SegmentSnapshot & { archived: boolean }>;
  /** Per environment, the position of the last event that changed its configuration. */
  environments: Record<string, { revision: number }>;
  /** SDK keys by the SHA-256 of the key. */
  apiKeys: Record<string, { id: string; environment: string; kind: SdkKeyKind; revoked: boolean }>;
  /** Experiments by key: what evaluation needs of their design, and whether they are running. */
  experiments: Record<string, StoredExperiment>;
}

export interface StoredExperiment {
  key: string;
  flagKey: string;
  environment: string;
  trafficPercent: number;
  audience: Condition[];
  variants: WeightedVariant[];
  salt: string;
  running: boolean;
}

/** A flag as the read model keeps it: what applications evaluate, and the version of its stream. */
export interface StoredFlag extends FlagDefinition {
  /** The version of the last event that changed the definition (a reservation changes none). */
  readonly version: number;
}

export function emptyReadModelState(): ReadModelState {
  return { formatVersion: 1, position: 0, flags: {}, segments: {}, environments: {}, apiKeys: {}, experiments: {} };
}

/** What one applied batch changed, per environment: the flags and segments to announce to streams. */
export interface EnvironmentChange {
  readonly environment: string;
  readonly previousRevision: number;
  readonly revision: number;
}

/** What one applied batch changed that open streams must hear of. */
export interface AppliedBatch {
  readonly environments: EnvironmentChange[];
  /** Ids of the SDK keys the batch revoked: their open streams must end, not merely stop being accepted anew. */
  readonly revokedKeys: string[];
}

/**
 * The read side's projection: folds flag, segment, environment and SDK-key events into per-environment
 * snapshots, compiled for evaluation. Applying is idempotent (events at or below `position` are skipped), so
 * a batch delivered again after a crash changes nothing. Snapshots and compilations are rebuilt only for the
 * environments a batch touched, reusing every unchanged flag.
 */
export class ReadModel {
  private state: ReadModelState;
  private readonly snapshots = new Map<string, EnvironmentSnapshot>();
  private readonly compiled = new Map<string, CompiledEnvironment>();
  /** Flags and segments changed since the environment's snapshot was last built. */
  private readonly dirty = new Map<string, { flags: Set<string>; segments: boolean }>();

  constructor(state: ReadModelState = emptyReadModelState()) {
    // A loaded state holds every string and part apart (JSON has no shared objects): share equal ones again,
    // across flags through a pool, and each flag's environments alike.
    const pool = new ValuePool();
    for (const records of [state.flags, state.segments, state.experiments ?? {}]) pool.shareValues(records);
    const flags: Record<string, StoredFlag> = {};
    for (const [key, flag] of Object.entries(state.flags)) flags[key] = { ...flag, environments: shareAll(flag.environments) };
    this.state = { ...state, flags, experiments: state.experiments ?? {} };
    for (const environment of Object.keys(state.environments)) this.markAll(environment);
  }

  /**
   * A model resuming from another model's `toState()`, sharing its objects: cheap (one copy of each record, no
   * re-sharing), and safe because stored objects are replaced, never changed in place. Time travel keeps such
   * checkpoints of the log and folds forward from the nearest one.
   */
  static resume(checkpoint: ReadModelState): ReadModel {
    const model = new ReadModel();
    const { formatVersion, position, flags, segments, environments, apiKeys, experiments } = checkpoint;
    model.state = { formatVersion, position, flags: { ...flags }, segments: { ...segments }, environments: { ...environments }, apiKeys: { ...apiKeys }, experiments: { ...experiments } };
    for (const environment of Object.keys(environments)) model.markAll(environment);
    return model;
  }

  /** A flag as stored, archived ones included (snapshots leave those out): what explain needs to say why. */
  storedFlag(key: string): StoredFlag | undefined {
    return Object.hasOwn(this.state.flags, key) ? this.state.flags[key] : undefined;
  }

  /** The keys of every flag stored, archived ones included. */
  flagKeys(): string[] {
    return Object.keys(this.state.flags);
  }

  get position(): number {
    return this.state.position;
  }

  environments(): string[] {
    return Object.keys(this.state.environments);
  }

  revisionOf(environment: string): number | undefined {
    return this.environmentMeta(environment)?.revision;
  }

  apiKey(hash: string): ReadModelState['apiKeys'][string] | undefined {
    return this.state.apiKeys[hash];
  }

  /** Applies a batch in order; returns the environments whose configuration changed and the keys revoked. */
  apply(events: readonly StoredEvent[]): AppliedBatch {
    const before = new Map(Object.entries(this.state.environments).map(([env, { revision }]) => [env, revision]));
    // Strings and small parts of configuration met before in the batch, so that thousands of flags hold one copy
    // of each. One pool per batch: a catch-up's batches of a thousand events share nearly all there is to share,
    // and a pool kept between batches would hold a map of every string met (1.1 MiB more at 10,000 flags, measured).
    const pool = new ValuePool();
    const revokedKeys: string[] = [];
    for (const event of events) {
      if (event.position <= this.state.position) continue;
      const revoked = this.applyOne(event, pool);
      if (revoked !== undefined) revokedKeys.push(revoked);
      this.state.position = event.position;
    }
    const environments: EnvironmentChange[] = [];
    for (const [environment, { revision }] of Object.entries(this.state.environments)) {
      const previousRevision = before.get(environment) ?? 0;
      if (revision !== previousRevision) environments.push({ environment, previousRevision, revision });
    }
    return { environments, revokedKeys };
  }

  /** Own members only: a name from a request (`constructor`) must not find an inherited member. */
  private environmentMeta(environment: string): { revision: number } | undefined {
    return Object.hasOwn(this.state.environments, environment) ? this.state.environments[environment] : undefined;
  }

  /** The environment's configuration as applications receive it. */
  snapshot(environment: string): EnvironmentSnapshot | undefined {
    const meta = this.environmentMeta(environment);
    if (!meta) return undefined;
    const previous = this.snapshots.get(environment);
    const dirty = this.dirty.get(environment);
    if (previous && previous.revision === meta.revision && !dirty) return previous;

    const flags: Record<string, FlagSnapshot> = {};
    for (const flag of Object.values(this.state.flags)) {
      if (flag.archived) continue;
      const reuse = previous?.flags[flag.key];
      flags[flag.key] = reuse && dirty && !dirty.flags.has(flag.key) ? reuse : flagSnapshot(flag, environment, this.runningExperiment(flag.key, environment));
    }
    let segments = previous?.segments;
    if (!segments || !dirty || dirty.segments) {
      segments = Object.fromEntries(
        Object.values(this.state.segments)
          .filter((s) => !s.archived)
          .map(({ key, conditions, included, excluded }) => [key, reuseSegment(previous?.segments[key], { key, conditions, included, excluded })]),
      );
    }
    const snapshot: EnvironmentSnapshot = { formatVersion: 1, environment, revision: meta.revision, flags, segments };
    this.snapshots.set(environment, snapshot);
    this.dirty.delete(environment);
    return snapshot;
  }

  /** The environment compiled for evaluation; recompiles only what changed since the last call. */
  compiledEnvironment(environment: string): CompiledEnvironment | undefined {
    const snapshot = this.snapshot(environment);
    if (!snapshot) return undefined;
    const previous = this.compiled.get(environment);
    if (previous?.snapshot === snapshot) return previous;
    const next = compileEnvironment(snapshot, previous);
    this.compiled.set(environment, next);
    return next;
  }

  /**
   * The durable state as of now, for persistence: later changes do not show in it. Its objects are the model's
   * own (stored objects are replaced, never changed in place, so copying the records is enough): read it, do
   * not change it. Not a deep copy, which would briefly double the model's memory at every save.
   */
  toState(): ReadModelState {
    const { formatVersion, position, flags, segments, environments, apiKeys, experiments } = this.state;
    return { formatVersion, position, flags: { ...flags }, segments: { ...segments }, environments: { ...environments }, apiKeys: { ...apiKeys }, experiments: { ...experiments } };
  }

  /** SHA-256 of the canonical JSON of the state: equal hashes, equal read models. */
  hash(): string {
    return createHash('sha256').update(canonicalJson(this.state)).digest('hex');
  }

  /** Returns the id of the SDK key the event revoked, if it did. */
  private applyOne(event: StoredEvent, pool: ValuePool): string | undefined {
    const { category, id } = splitStreamId(event.streamId);
    // The data's parts, not the data: each event's own record is unique, and is taken apart below anyway.
    if (POOLED_CATEGORIES.has(category)) pool.shareValues(event.data);
    switch (category) {
      case 'apikey':
        return this.applyApiKey(event as unknown as ApiKeyEvent & StoredEvent);
      case 'flag':
        this.applyFlag(id, event as unknown as FlagEvent & StoredEvent);
        break;
      case 'segment':
        this.applySegment(id, event as unknown as SegmentEvent & StoredEvent);
        break;
      case 'environment':
        this.applyEnvironment(event as unknown as EnvironmentEvent & StoredEvent);
        break;
      case 'experiment':
        this.applyExperiment(id, event as unknown as ExperimentEvent & StoredEvent);
        break;
      default:
        break; // admin tokens, flag usage: nothing applications evaluate against
    }
    return undefined;
  }

  /**
   * The flag evolves as the write side's does (one evolution, shared); what is the read model's own is what it
   * keeps (the definition and the version, no description or reservations) and which environments it marks.
   */
  private applyFlag(key: string, event: FlagEvent & StoredEvent): void {
    const reach = environmentsChangedBy(event);
    if (reach.kind === 'none') return; // reservations the write side decides with; nothing applications evaluate changes
    const next = evolveFlagDefinition(this.storedFlag(key), event);
    if (next === undefined) return; // an event of a flag never created: nothing to evaluate
    this.state.flags[key] = toStoredFlag(next, key, event.version);
    if (reach.kind === 'all') this.touchAll(key, event.position);
    else this.touch(reach.environment, key, event.position);
  }

  private applySegment(key: string, event: SegmentEvent & StoredEvent): void {
    const segments = this.state.segments;
    const current = segments[key];
    switch (event.type) {
      case 'SegmentCreated':
      case 'SegmentChanged': {
        const { conditions, included, excluded } = event.data;
        segments[key] = { key, conditions, included, excluded, archived: current?.archived ?? false };
        break;
      }
      case 'SegmentArchived':
      case 'SegmentRestored':
        if (!current) return;
        segments[key] = { ...current, archived: event.type === 'SegmentArchived' };
        break;
      default: {
        const exhaustive: never = event;
        throw new Error(`unknown segment event ${(exhaustive as StoredEvent).type}`);
      }
    }
    for (const environment of Object.keys(this.state.environments)) {
      this.dirtyOf(environment).segments = true;
      this.state.environments[environment] = { revision: event.position };
    }
  }

  private applyEnvironment(event: EnvironmentEvent & StoredEvent): void {
    if (event.type !== 'EnvironmentCreated') return; // a rename changes nothing applications evaluate
    this.state.environments[event.data.key] = { revision: event.position };
    this.markAll(event.data.key);
  }

  /** Returns the id of the key revoked, if the event revoked one. */
  private applyApiKey(event: ApiKeyEvent & StoredEvent): string | undefined {
    switch (event.type) {
      case 'ApiKeyIssued': {
        const { id, environment, kind, keyHash } = event.data;
        this.state.apiKeys[keyHash] = { id, environment, kind, revoked: false };
        return undefined;
      }
      case 'ApiKeyRevoked': {
        const entry = Object.entries(this.state.apiKeys).find(([, key]) => key.id === event.data.id);
        if (!entry) return undefined;
        this.state.apiKeys[entry[0]] = { ...entry[1], revoked: true };
        return entry[1].id;
      }
      default: {
        const exhaustive: never = event;
        throw new Error(`unknown API key event ${(exhaustive as StoredEvent).type}`);
      }
    }
  }

  private applyExperiment(key: string, event: ExperimentEvent & StoredEvent): void {
    const experiments = this.state.experiments;
    const current = experiments[key];
    switch (event.type) {
      case 'ExperimentCreated':
      case 'ExperimentDesignChanged': {
        const { flagKey, environment, trafficPercent, audience, variants } = event.data;
        experiments[key] = { key, flagKey, environment, trafficPercent, audience, variants, salt: current?.salt ?? key, running: current?.running ?? false };
        if (current?.running) this.touch(environment, flagKey, event.position);
        return;
      }
      case 'ExperimentStarted':
      case 'ExperimentRestarted':
        if (!current) return;
        experiments[key] = { ...current, salt: event.data.salt, running: true };
        return this.touch(current.environment, current.flagKey, event.position);
      case 'ExperimentStopped':
      case 'ExperimentConcluded':
        if (!current) return;
        experiments[key] = { ...current, running: false };
        return this.touch(current.environment, current.flagKey, event.position);
      default: {
        const exhaustive: never = event;
        throw new Error(`unknown experiment event ${(exhaustive as StoredEvent).type}`);
      }
    }
  }

  /** At most one experiment runs per flag and environment (the write side enforces it). */
  private runningExperiment(flagKey: string, environment: string): StoredExperiment | undefined {
    for (const experiment of Object.values(this.state.experiments)) {
      if (experiment.running && experiment.flagKey === flagKey && experiment.environment === environment) return experiment;
    }
    return undefined;
  }

  private touch(environment: string, flagKey: string, position: number): void {
    if (!this.state.environments[environment]) return; // targeting for an environment that does not exist (yet)
    this.dirtyOf(environment).flags.add(flagKey);
    this.state.environments[environment] = { revision: position };
  }

  private touchAll(flagKey: string, position: number): void {
    for (const environment of Object.keys(this.state.environments)) this.touch(environment, flagKey, position);
  }

  private dirtyOf(environment: string): { flags: Set<string>; segments: boolean } {
    let dirty = this.dirty.get(environment);
    if (!dirty) {
      dirty = { flags: new Set(), segments: false };
      this.dirty.set(environment, dirty);
    }
    return dirty;
  }

  private markAll(environment: string): void {
    this.snapshots.delete(environment);
    this.dirty.set(environment, { flags: new Set(Object.keys(this.state.flags)), segments: true });
  }
}

/** The events whose data the model keeps: their strings and small parts go through the pool. */
const POOLED_CATEGORIES: ReadonlySet<string> = new Set(['flag', 'segment', 'experiment']);

/**
 * A flag as the model stores it: the definition and the version of its stream, every field named (as below). Its
 * key is the stream's id, the very string the record is keyed by, so it is held once (the event's own copy of the
 * key cost 0.2 MiB more at 10,000 flags, measured); the two are equal (the rebuild check compares them).
 */
function toStoredFlag(definition: FlagDefinition, key: string, version: number): StoredFlag {
  const { type, variants, hashVersion, archived, environments } = definition;
  return { key, type, variants, hashVersion, version, archived, environments };
}

function flagSnapshot(flag: StoredFlag, environment: string, experiment: StoredExperiment | undefined): FlagSnapshot {
  const { enabled, offVariant, bucketBy, prerequisites, targets, rules, defaultServe } = targetingIn(flag, environment);
  // Every field named, not spread: V8 gives a literal's own fields room in the object, a spread's go in a second
  // array (0.5 MiB of them with 30,000 flag snapshots, measured).
  const snapshot: FlagSnapshot = { key: flag.key, type: flag.type, variants: flag.variants, hashVersion: flag.hashVersion, enabled, offVariant, bucketBy, prerequisites, targets, rules, defaultServe };
  if (!experiment) return snapshot;
  const { key, salt, trafficPercent, audience, variants } = experiment;
  return { ...snapshot, experiment: { key, salt, trafficPercent, audience, variants } };
}

/** Keeps the previous segment object when nothing changed, so compiled flags using it can be reused. */
function reuseSegment(previous: SegmentSnapshot | undefined, next: SegmentSnapshot): SegmentSnapshot {
  return previous && canonicalJson(previous) === canonicalJson(next) ? previous : next;
}

/** JSON with object keys sorted, so equal values always serialise, and hash, the same way. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v,
  );
}
