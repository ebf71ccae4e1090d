import type { ServerResponse } from 'node:http';
import type { SdkKeyKind } from '../shared/access-events.ts';
import type { EnvironmentSnapshot, SnapshotDelta } from '../shared/snapshot.ts';

export type { SnapshotDelta };
import type { AppliedBatch, ReadModel } from './read-model.ts';
import type { SdkPrincipal } from './sdk-keys.ts';

interface Connection {
  readonly res: ServerResponse;
  readonly kind: SdkKeyKind;
  readonly environment: string;
  readonly keyId: string;
}

/**
 * The last frame of a stream whose key no longer opens any: `status` is what a new request with the key gets,
 * so a client knows reconnecting cannot help (a plain end of the response would make it reconnect).
 */
const REVOKED_FRAME = `event: end\ndata: ${JSON.stringify({ status: 401, reason: 'revoked', detail: 'The SDK key was revoked' })}\n\n`;

/** How many recent changes per environment are kept so a reconnecting client gets deltas, not a snapshot. */
const RECENT_CHANGES = 256;
/**
 * And at most this much of them: catching up on a large log publishes the whole configuration as deltas (about
 * 6 MB per environment with 10,000 flags), which no client is better served by than by a snapshot.
 */
const RECENT_BYTES = 1024 * 1024;
/** A client that stops reading is dropped once this much is buffered for it; it reconnects and resumes. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * Server-Sent Events per environment. Server keys get the snapshot (`event: snapshot`) then deltas
 * (`event: change`), each with `id: <revision>`; a client reconnecting with Last-Event-ID gets only the deltas
 * it missed when they are still in memory, else a fresh snapshot. Client keys get `event: revision` only (they
 * evaluate remotely and just learn when to). Comments keep idle connections alive through proxies. Streams are
 * also known by key: when a key is revoked, its streams end with a last `event: end` frame saying why.
 */
export class StreamHub {
  private readonly connections = new Map<string, Set<Connection>>();
  private readonly byKey = new Map<string, Set<Connection>>();
  private readonly published = new Map<string, EnvironmentSnapshot>();
  private readonly recent = new Map<string, { changes: { revision: number; previousRevision: number; frame: string }[]; length: number }>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    /** Undefined until the projection has started: nothing is published before. */
    private readonly model: () => ReadModel | undefined,
    heartbeatMs = 15_000,
  ) {
    this.heartbeat = setInterval(() => this.broadcastAll(': heartbeat\n\n'), heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    let n = 0;
    for (const set of this.connections.values()) n += set.size;
    return n;
  }

  /** Open streams of one SDK key (the read API caps them). */
  streamsOf(keyId: string): number {
    return this.byKey.get(keyId)?.size ?? 0;
  }

  open(res: ServerResponse, principal: SdkPrincipal, lastEventId: number | undefined): void {
    const { environment, kind, keyId } = principal;
    const snapshot = this.model()?.snapshot(environment);
    if (!snapshot) throw new Error(`unknown environment ${environment}`);
    this.published.set(environment, this.published.get(environment) ?? snapshot);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const connection: Connection = { res, kind, environment, keyId };
    addTo(this.connections, environment, connection);
    addTo(this.byKey, keyId, connection);
    res.on('close', () => this.forget(connection));

    const revision = snapshot.revision;
    if (kind === 'client') {
      if (lastEventId !== revision) res.write(revisionFrame(revision));
      return;
    }
    if (lastEventId === revision) return;
    const missed = lastEventId === undefined ? undefined : this.changesSince(environment, lastEventId);
    if (missed) for (const frame of missed) res.write(frame);
    else res.write(`id: ${revision}\nevent: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
  }

  /**
   * Ends the streams of the keys the batch revoked, then sends each changed environment's delta to its
   * connections and remembers it for resuming clients. Called as the projection applies the batch, so a
   * revocation ends streams as soon as this process has read it from the log (no timer, no polling here).
   */
  publish(changes: AppliedBatch): void {
    for (const keyId of changes.revokedKeys) this.endKey(keyId);
    for (const change of changes.environments) {
      const snapshot = this.model()?.snapshot(change.environment);
      if (!snapshot) continue;
      const previous = this.published.get(change.environment);
      this.published.set(change.environment, snapshot);
      const delta = previous ? deltaBetween(previous, snapshot) : undefined;
      const connections = this.connections.get(change.environment);
      // Without a delta nothing was published yet, so no one is connected: no use building a whole snapshot's JSON.
      if (!delta && !connections?.size) continue;
      const frame = delta
        ? `id: ${snapshot.revision}\nevent: change\ndata: ${JSON.stringify(delta)}\n\n`
        : `id: ${snapshot.revision}\nevent: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`;
      if (delta) {
        const recent = this.recent.get(change.environment) ?? { changes: [], length: 0 };
        recent.changes.push({ revision: delta.revision, previousRevision: delta.previousRevision, frame });
        recent.length += frame.length;
        // Dropped oldest first, so what remains is always an unbroken chain up to now.
        while (recent.changes.length > RECENT_CHANGES || recent.length > RECENT_BYTES) recent.length -= recent.changes.shift()!.frame.length;
        this.recent.set(change.environment, recent);
      }
      for (const connection of connections ?? []) {
        this.write(connection, connection.kind === 'client' ? revisionFrame(snapshot.revision) : frame);
      }
    }
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const set of this.connections.values()) for (const connection of set) connection.res.end();
    this.connections.clear();
    this.byKey.clear();
  }

  /** Ends every stream of a revoked key at once, its last frame saying why. */
  private endKey(keyId: string): void {
    for (const connection of this.byKey.get(keyId) ?? []) {
      this.forget(connection);
      if (connection.res.writableLength > MAX_BUFFERED_BYTES) connection.res.destroy(); // would never read the frame
      else connection.res.end(REVOKED_FRAME);
    }
  }

  private forget(connection: Connection): void {
    deleteFrom(this.connections, connection.environment, connection);
    deleteFrom(this.byKey, connection.keyId, connection);
  }

  /** The frames after `revision`, if the chain from it to now is unbroken in memory. */
  private changesSince(environment: string, revision: number): string[] | undefined {
    const recent = this.recent.get(environment)?.changes ?? [];
    const start = recent.findIndex((change) => change.previousRevision === revision);
    if (start < 0) return undefined;
    return recent.slice(start).map((change) => change.frame);
  }

  private broadcastAll(frame: string): void {
    for (const set of this.connections.values()) for (const connection of set) this.write(connection, frame);
  }

  private write(connection: Connection, frame: string): void {
    if (connection.res.writableLength > MAX_BUFFERED_BYTES) {
      connection.res.destroy(); // a stalled reader would otherwise hold memory without bound
      return;
    }
    connection.res.write(frame);
  }
}

function addTo(map: Map<string, Set<Connection>>, key: string, connection: Connection): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(connection);
}

/** Empty sets go, so a map keyed by SDK key does not keep every key that ever streamed. */
function deleteFrom(map: Map<string, Set<Connection>>, key: string, connection: Connection): void {
  const set = map.get(key);
  if (!set?.delete(connection)) return;
  if (set.size === 0) map.delete(key);
}

function revisionFrame(revision: number): string {
  return `id: ${revision}\nevent: revision\ndata: {"revision":${revision}}\n\n`;
}

/** Unchanged flags and segments keep their object identity across snapshots, so the delta is a pointer walk. */
export function deltaBetween(previous: EnvironmentSnapshot, next: EnvironmentSnapshot): SnapshotDelta {
  const changed = <T>(before: Readonly<Record<string, T>>, after: Readonly<Record<string, T>>) => ({
    upserted: Object.fromEntries(Object.entries(after).filter(([key, value]) => before[key] !== value)),
    deleted: Object.keys(before).filter((key) => !(key in after)),
  });
  const flags = changed(previous.flags, next.flags);
  const segments = changed(previous.segments, next.segments);
  return {
    previousRevision: previous.revision,
    revision: next.revision,
    flags: flags.upserted,
    deletedFlags: flags.deleted,
    segments: segments.upserted,
    deletedSegments: segments.deleted,
  };
}
