import type { EventStore, StoredEvent } from '../event-store/event-store.ts';
import type { AdminTokenEvent, ApiKeyEvent } from '../shared/access-events.ts';
import { splitStreamId, type EventMetadata } from '../shared/domain-event.ts';
import type { EnvironmentEvent } from '../shared/environment-events.ts';
import type { FlagEvent } from '../shared/flag-events.ts';
import type { SegmentEvent } from '../shared/segment-events.ts';
import { segmentsReferenced } from '../shared/targeting.ts';
import { evolveAdminToken, evolveApiKey, type AdminToken, type ApiKey } from './access/access-decider.ts';
import { evolveEnvironment, type Environment } from './environments/environment-decider.ts';
import type { FlagDecisionContext } from './flags/flag-decider.ts';
import { evolveFlag, type Flag } from './flags/flag.ts';
import type { SegmentDecisionContext } from './segments/segment-decider.ts';
import { evolveSegment, type Segment } from './segments/segment.ts';

/** An aggregate's state with the stream facts the API needs: version (the ETag), and who touched it when. */
export interface Versioned<T> {
  readonly state: T;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly updatedBy: string;
}

export interface IdempotencyRecord {
  readonly streamId: string;
  readonly version: number;
  readonly requestHash: string | undefined;
  readonly recordedAt: Date;
}

/** Idempotency keys are honoured for a day, like Stripe's; after that a key may be reused. */
const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * The write side's own view of every aggregate, folded from the global log. Commands read their aggregate's
 * state and version here (then append at that version, so a stale view can only cause a retry, never a lost
 * update), deciders look across aggregates through it, and the admin API's reads are served from it.
 * `refresh()` reads only what was appended since the last call.
 */
export class WriteModel implements FlagDecisionContext, SegmentDecisionContext {
  readonly flagsByKey = new Map<string, Versioned<Flag>>();
  readonly segments = new Map<string, Versioned<Segment>>();
  readonly environments = new Map<string, Versioned<Environment>>();
  readonly adminTokens = new Map<string, Versioned<AdminToken>>();
  readonly apiKeys = new Map<string, Versioned<ApiKey>>();
  readonly idempotency = new Map<string, IdempotencyRecord>();
  private readonly adminTokenIdByHash = new Map<string, string>();
  private readonly apiKeyIdByHash = new Map<string, string>();
  private position = 0;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(private readonly store: EventStore) {}

  get revision(): number {
    return this.position;
  }

  /** Catches up with the store. Concurrent callers share one read, and none returns before its call's head. */
  refresh(): Promise<void> {
    this.queued ??= (this.running ?? Promise.resolve())
      .catch(() => {})
      .then(() => {
        this.queued = undefined;
        const run = this.readNew().finally(() => {
          if (this.running === run) this.running = undefined;
        });
        this.running = run;
        return run;
      });
    return this.queued;
  }

  private async readNew(): Promise<void> {
    for (;;) {
      const batch = await this.store.readAll({ after: this.position, limit: 1_000 });
      for (const event of batch) this.apply(event);
      if (batch.length < 1_000) break;
    }
    this.pruneIdempotency();
  }

  apply(event: StoredEvent): void {
    const { category, id } = splitStreamId(event.streamId);
    const metadata = event.metadata as unknown as Partial<EventMetadata>;
    switch (category) {
      case 'flag':
        fold(this.flagsByKey, id, event, (s) => evolveFlag(s, event as unknown as FlagEvent));
        break;
      case 'segment':
        fold(this.segments, id, event, (s) => evolveSegment(s, event as unknown as SegmentEvent));
        break;
      case 'environment':
        fold(this.environments, id, event, (s) => evolveEnvironment(s, event as unknown as EnvironmentEvent));
        break;
      case 'admintoken': {
        const token = fold(this.adminTokens, id, event, (s) => evolveAdminToken(s, event as unknown as AdminTokenEvent));
        this.adminTokenIdByHash.set(token.state.tokenHash, token.state.id);
        break;
      }
      case 'apikey': {
        const key = fold(this.apiKeys, id, event, (s) => evolveApiKey(s, event as unknown as ApiKeyEvent));
        this.apiKeyIdByHash.set(key.state.keyHash, key.state.id);
        break;
      }
      default:
        break; // other categories (experiments, ...) belong to other slices
    }
    if (metadata.idempotencyKey) {
      this.idempotency.set(metadata.idempotencyKey, {
        streamId: event.streamId,
        version: event.version,
        requestHash: metadata.requestHash,
        recordedAt: event.recordedAt,
      });
    }
    this.position = event.position;
  }

  private pruneIdempotency(): void {
    const cutoff = Date.now() - IDEMPOTENCY_TTL_MS;
    for (const [key, record] of this.idempotency) {
      if (record.recordedAt.getTime() < cutoff) this.idempotency.delete(key);
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
  flag(key: string): Flag | undefined {
    return this.flagsByKey.get(key)?.state;
  }
  *flags(): Iterable<Flag> {
    for (const versioned of this.flagsByKey.values()) yield versioned.state;
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

function fold<T>(map: Map<string, Versioned<T>>, id: string, event: StoredEvent, evolve: (state: T | undefined) => T): Versioned<T> {
  const previous = map.get(id);
  const next: Versioned<T> = {
    state: evolve(previous?.state),
    version: event.version,
    createdAt: previous?.createdAt ?? event.recordedAt,
    updatedAt: event.recordedAt,
    updatedBy: String((event.metadata as { actor?: unknown }).actor ?? 'unknown'),
  };
  map.set(id, next);
  return next;
}
