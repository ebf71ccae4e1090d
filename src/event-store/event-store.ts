/**
 * The event-store port. Small on purpose, as Emmett's is: append with an expectation, read a stream, read
 * the global log, and a checkpointed catch-up-then-live subscription. Every adapter passes the same contract
 * suite (test/event-store/event-store-contract.ts).
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** Event payloads are JSON objects; typed loosely so domain types with optional fields fit without casts. */
export type JsonObject = Readonly<Record<string, unknown>>;

/**
 * What the writer expects of the stream, KurrentDB's expected stream states: `no_stream` (it must not exist yet),
 * `stream_exists` (it must exist, at whatever version), an exact version (the version of its last event, an
 * integer ≥ 1), or `any` (no check; should be rare). There is no version 0: a stream expected not to exist is
 * `no_stream`, one spelling, and every adapter refuses a 0 (checkExpectedVersion).
 */
export type ExpectedVersion = 'any' | 'no_stream' | 'stream_exists' | number;

/**
 * Throws when `expected` is no expected version: 0 (say `no_stream`), a negative, fractional or unsafe number, or
 * an unknown word. Adapters call it before anything else, so a wrong expectation is never a silent conflict.
 */
export function checkExpectedVersion(expected: ExpectedVersion): void {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return;
  if (expected === 0) throw new RangeError("Invalid expected version 0: a stream that must not exist yet is expected as 'no_stream'");
  if (typeof expected !== 'number' || !Number.isSafeInteger(expected) || expected < 1) {
    throw new RangeError(`Invalid expected version ${JSON.stringify(expected)}: 'any', 'no_stream', 'stream_exists' or an exact version, an integer ≥ 1`);
  }
}

/** What a writer who read the stream at `version` expects of it: that version, or `no_stream` when it read nothing (0). */
export function expectedVersionAt(version: number): ExpectedVersion {
  return version === 0 ? 'no_stream' : version;
}

export interface NewEvent {
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata?: JsonObject;
}

export interface StoredEvent {
  readonly streamId: string;
  /** 1-based position of the event in its stream; a stream's version is the version of its last event. */
  readonly version: number;
  /** Position in the global log: strictly increasing in commit order; readers never see a later one first. */
  readonly position: number;
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata: JsonObject;
  /** The store's own commit time, millisecond precision, never decreasing along the global log. */
  readonly recordedAt: Date;
}

export interface AppendResult {
  /** The stream's version after the append: pass it as the next expected version. */
  readonly nextExpectedVersion: number;
  /** Global position of the last appended event. */
  readonly position: number;
}

export interface ReadStreamOptions {
  readonly fromVersion?: number;
  readonly toVersion?: number;
  /** Only events recorded at or before this instant. */
  readonly toTime?: Date;
}

export interface ReadAllOptions {
  /** Exclusive lower bound on the global position; 0 reads from the start. */
  readonly after?: number;
  readonly limit?: number;
}

export interface ReadAllBackwardOptions {
  /** Exclusive upper bound on the global position; omitted reads from the end. */
  readonly before?: number;
  readonly limit?: number;
}

/** Where a subscription keeps its progress. The store offers one; a projection may bring its own. */
export interface CheckpointStore {
  load(): Promise<number | undefined>;
  save(position: number): Promise<void>;
}

export interface SubscribeOptions {
  /** Handles a batch of events in global order. Must be idempotent: a batch may be delivered again after a crash. */
  readonly onBatch: (events: readonly StoredEvent[]) => Promise<void> | void;
  /** Start after this position when the checkpoint store holds nothing (default 0). */
  readonly after?: number;
  readonly checkpoint?: CheckpointStore;
  readonly batchSize?: number;
  /** Told of handler or store errors; the subscription retries with backoff and never stops by itself. */
  readonly onError?: (error: unknown) => void;
  /** Told each time the subscription has read everything there is (it is live and the store answered). */
  readonly onIdle?: (position: number) => void;
  /**
   * How long an idle subscription waits for the store's change signal before reading anyway, in case a signal
   * was lost (default 1 s). Tests set it far beyond their timeout to show that the signal alone wakes it.
   */
  readonly fallbackPollMs?: number;
}

export interface Subscription {
  /** The position of the last event handled. */
  readonly position: number;
  /** Resolves once everything up to the store's head at call time has been handled. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

export interface EventStore {
  append(streamId: string, events: readonly NewEvent[], options: { expectedVersion: ExpectedVersion }): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  readAll(options?: ReadAllOptions): Promise<StoredEvent[]>;
  readAllBackward(options?: ReadAllBackwardOptions): Promise<StoredEvent[]>;
  /** Position of the last event in the global log (0 when empty). */
  headPosition(): Promise<number>;
  subscribe(options: SubscribeOptions): Subscription;
  /** A durable checkpoint kept in the store itself, under a name. */
  checkpointStore(name: string): CheckpointStore;
  /**
   * Set by a store that is opened in the background (a server, PostgreSQL or KurrentDB, is waited for so that
   * Flagstaff starts and serves its persisted read model meanwhile): resolves once the store is reachable, rejects
   * if it never can be (a misconfiguration). Until then calls fail as unavailable and subscriptions wait. Absent
   * when the store was ready as it was handed over (the embedded PGlite).
   */
  readonly ready?: Promise<void>;
  close(): Promise<void>;
}

export class VersionConflictError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: number,
  ) {
    super(`Stream ${streamId} is at version ${actual}, expected ${String(expected)}`);
    this.name = 'VersionConflictError';
  }
}

/** The store could not be reached or failed; callers may retry. */
export class EventStoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventStoreUnavailableError';
  }
}

/**
 * Stream ids are built from keys, but a reader may be handed anything (a history route's path parameter): an id
 * with NUL or an unpaired surrogate cannot name a stream in any store (PostgreSQL's text refuses it), so reading it
 * finds nothing instead of failing.
 */
export function isStorableStreamId(streamId: string): boolean {
  return !streamId.includes('\u0000') && streamId.isWellFormed();
}

/** Whether a stream at version `actual` (0: it does not exist) meets `expected`. */
export function isExpectedVersionMet(expected: ExpectedVersion, actual: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual === 0;
  if (expected === 'stream_exists') return actual > 0;
  return expected === actual;
}
