import type { StoredEvent } from '../event-store/event-store.ts';
import type { FlagCatalog } from '../shared/flag-catalog.ts';
import { LogModel } from '../shared/log-model.ts';
import { foldVersioned, type Versioned } from '../shared/versioned.ts';
import type { AdminTokenEvent, ApiKeyEvent } from '../shared/access-events.ts';
import { splitStreamId } from '../shared/domain-event.ts';
import type { EnvironmentEvent } from '../shared/environment-events.ts';
import type { FlagEvent } from '../shared/flag-events.ts';
import type { SegmentEvent } from '../shared/segment-events.ts';
import { segmentsReferenced } from '../shared/targeting.ts';
import { FLAG_USAGE_CATEGORY, FlagUsage } from './flags/flag-usage.ts';
import { evolveAdminToken, evolveApiKey, type AdminToken, type ApiKey } from './access/access-decider.ts';
import { evolveEnvironment, type Environment } from './environments/environment-decider.ts';
import type { ExperimentEvent } from '../shared/experiment-events.ts';
import type { ExperimentFacts, FlagDecisionContext } from './flags/flag-decider.ts';
import { evolveFlag, type Flag } from '../shared/flag-evolution.ts';
import type { SegmentDecisionContext } from './segments/segment-decider.ts';
import { evolveSegment, type Segment } from './segments/segment.ts';

/**
 * The write side's own view of every aggregate, folded from the global log. Commands read their aggregate's
 * state and version here (then append at that version, so a stale view can only cause a retry, never a lost
 * update), deciders look across aggregates through it, and the admin API's reads are served from it.
 */
export class WriteModel extends LogModel implements FlagDecisionContext, SegmentDecisionContext, FlagCatalog {
  readonly flagsByKey = new Map<string, Versioned<Flag>>();
  readonly segments = new Map<string, Versioned<Segment>>();
  readonly environments = new Map<string, Versioned<Environment>>();
  readonly adminTokens = new Map<string, Versioned<AdminToken>>();
  readonly apiKeys = new Map<string, Versioned<ApiKey>>();
  /** Of each experiment, only what tells whether its reservation of a flag holds (the experiments slice owns the rest). */
  private readonly experimentFacts = new Map<string, ExperimentFacts>();
  /** Flag usage from evaluation telemetry, for the stale-flag report. */
  readonly usage = new FlagUsage();
  private readonly adminTokenIdByHash = new Map<string, string>();
  private readonly flagListeners: ((key: string, event: StoredEvent, flag: Versioned<Flag>) => void)[] = [];

  /** Told of every flag version as it is folded (the flag history keeps snapshots of long streams from it). */
  onFlagFolded(listener: (key: string, event: StoredEvent, flag: Versioned<Flag>) => void): void {
    this.flagListeners.push(listener);
  }
  private readonly apiKeyIdByHash = new Map<string, string>();

  protected fold(event: StoredEvent): void {
    const { category, id } = splitStreamId(event.streamId);
    switch (category) {
      case 'flag': {
        const flag = foldVersioned(this.flagsByKey, id, event, (s) => evolveFlag(s, event as unknown as FlagEvent));
        for (const listener of this.flagListeners) listener(id, event, flag);
        break;
      }
      case 'segment':
        foldVersioned(this.segments, id, event, (s) => evolveSegment(s, event as unknown as SegmentEvent));
        break;
      case 'environment':
        foldVersioned(this.environments, id, event, (s) => evolveEnvironment(s, event as unknown as EnvironmentEvent));
        break;
      case 'admintoken': {
        const token = foldVersioned(this.adminTokens, id, event, (s) => evolveAdminToken(s, event as unknown as AdminTokenEvent));
        this.adminTokenIdByHash.set(token.state.tokenHash, token.state.id);
        break;
      }
      case 'apikey': {
        const key = foldVersioned(this.apiKeys, id, event, (s) => evolveApiKey(s, event as unknown as ApiKeyEvent));
        this.apiKeyIdByHash.set(key.state.keyHash, key.state.id);
        break;
      }
      case FLAG_USAGE_CATEGORY:
        this.usage.fold(event);
        break;
      case 'experiment':
        this.foldExperimentFacts(id, event);
        break;
      default:
        break; // other categories (metrics, ...) belong to other slices
    }
  }

  private foldExperimentFacts(key: string, stored: StoredEvent): void {
    const event = stored as unknown as ExperimentEvent;
    const previous = this.experimentFacts.get(key);
    switch (event.type) {
      case 'ExperimentCreated':
      case 'ExperimentDesignChanged':
        this.experimentFacts.set(key, { flagKey: event.data.flagKey, environment: event.data.environment, running: false, version: stored.version });
        return;
      case 'ExperimentStarted':
      case 'ExperimentRestarted':
      case 'ExperimentStopped':
      case 'ExperimentConcluded':
        if (!previous) return;
        this.experimentFacts.set(key, { ...previous, running: event.type === 'ExperimentStarted' || event.type === 'ExperimentRestarted', version: stored.version });
        return;
      default: {
        const exhaustive: never = event;
        throw new Error(`unknown experiment event ${(exhaustive as ExperimentEvent).type}`);
      }
    }
  }

  adminTokenByHash(hash: string): AdminToken | undefined {
    const id = this.adminTokenIdByHash.get(hash);
    return id === undefined ? undefined : this.adminTokens.get(id)?.state;
  }

  apiKeyByHash(hash: string): ApiKey | undefined {
    const id = this.apiKeyIdByHash.get(hash);
    return id === undefined ? undefined : this.apiKeys.get(id)?.state;
  }

  // FlagDecisionContext and SegmentDecisionContext: the cross-aggregate questions deciders may ask.
  environmentExists(key: string): boolean {
    return this.environments.has(key);
  }
  segmentExists(key: string): boolean {
    const segment = this.segments.get(key);
    return segment !== undefined && !segment.state.archived;
  }
  flagVariants(flagKey: string): readonly string[] | undefined {
    const flag = this.flag(flagKey);
    return flag && !flag.archived ? Object.keys(flag.variants) : undefined;
  }
  flag(key: string): Flag | undefined {
    return this.flagsByKey.get(key)?.state;
  }
  *flags(): Iterable<Flag> {
    for (const versioned of this.flagsByKey.values()) yield versioned.state;
  }
  flagVersion(key: string): number {
    return this.flagsByKey.get(key)?.version ?? 0;
  }
  experiment(key: string): ExperimentFacts | undefined {
    return this.experimentFacts.get(key);
  }
  flagsUsingSegment(key: string): string[] {
    const users: string[] = [];
    for (const flag of this.flags()) {
      if (flag.archived) continue;
      const uses = Object.values(flag.environments).some((t) => t.rules.some((r) => segmentsReferenced(r.conditions).includes(key)));
      if (uses) users.push(flag.key);
    }
    return users;
  }
}
