import {
  ANY,
  BACKWARDS,
  CancelledError,
  DeadlineExceededError,
  END,
  FORWARDS,
  KurrentDBClient,
  NO_STREAM,
  NotLeaderError,
  START,
  STREAM_EXISTS,
  TimeoutError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
  convertToCommandError,
  jsonEvent,
  streamNameFilter,
  type AllStreamSubscription,
  type AppendStreamState,
  type CurrentStreamState,
  type Direction,
  type Filter,
  type Position,
  type ReadPosition,
  type ReadRevision,
} from '@kurrent/kurrentdb-client';
// The client's own generated protocol and event converter (CommonJS, hence default imports): see "Reads" below.
import grpcEvents from '@kurrent/kurrentdb-client/dist/utils/convertGrpcEvent.js';
import sharedProtocol from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/shared_pb.js';
import streamsService from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_grpc_pb.js';
import streamsProtocol from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_pb.js';
import { sleep } from '../shared/sleep.ts';
import { ChangeBroadcast, startCatchUpSubscription } from './catch-up-subscription.ts';
import {
  EventStoreUnavailableError,
  VersionConflictError,
  checkExpectedVersion,
  isStorableStreamId,
  type AppendResult,
  type CheckpointStore,
  type EventStore,
  type ExpectedVersion,
  type JsonObject,
  type NewEvent,
  type ReadAllBackwardOptions,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
  type SubscribeOptions,
} from './event-store.ts';

/**
 * The event store on EventStoreDB/KurrentDB (gRPC, `@kurrent/kurrentdb-client`). Needs a server >= 22.6: older
 * ones do not report an event's `$all` position on stream reads.
 *
 * Positions. Our global `position` is the event's *prepare* position in the transaction log, as a number.
 * Every append over gRPC is written as implicitly committed prepares (no commit record), so for these events the
 * server reports commit == prepare == the record's own log position, one per event even within one append
 * (KurrentDB's AllReader and StorageChaser; KurrentDB-Client-Dotnet#20, fixed by KurrentDB#2522). Where the two
 * differ — events of explicit TCP-era transactions, which share their commit record's position — only the prepare
 * position is unique per event, so prepare is the safe choice either way; its order matches `$all` order for every
 * event this adapter can write. Positions are byte offsets: not consecutive (`gapFree: false`), far below 2^53.
 *
 * Reading `$all` from `{commit: p, prepare: p}` is inclusive and needs `p` to be a record boundary. Positions we
 * hand out always are; an arbitrary number (`headPosition() - 1`) is not, and the server then fails the read
 * (InvalidPosition). That case falls back to scanning back from the head to the nearest real event at or before
 * `p`: correct, and as slow as the distance from the head.
 *
 * Filters. `$all` reads and the live feed use one server-side stream-name regex that keeps only streams under
 * the prefix, drops `$`-streams (system streams and `$$` metadata streams) and the adapter's checkpoint streams.
 * One filter cannot also test event types, so `$`-typed events in user streams (links emitted by user projections)
 * are dropped on the client. With a `streamPrefix` the server still walks every record of `$all` between two
 * matches: a prefix over a busy shared server costs reads proportional to the whole log, not to its own events.
 *
 * Data. Events are JSON objects (data and metadata); anything else in a visible stream is an error, not skipped:
 * the database, or the prefix, must belong to Flagstaff.
 *
 * Reads. The client's `readAll`/`readStream` (1.3.1) go through its native Rust bridge, which truncates `created`
 * to whole seconds (`ticks / 10_000_000` in kurrentdb-rs); the port promises milliseconds. So reads use the same
 * `Streams.Read` RPC over the client's grpc-js channel, built with the client's generated protocol classes and
 * converted by its own `convertGrpcEvent` (the millisecond-exact path its subscriptions use). That leans on two
 * internals of the pinned client version (`execute`, `callArguments`); appends, subscriptions, stream metadata,
 * connection handling and errors stay on its public API.
 */
export async function createKurrentDbEventStore(
  connectionString: string,
  options: { streamPrefix?: string } = {},
): Promise<EventStore> {
  const prefix = options.streamPrefix ?? '';
  assertValidStreamPrefix(prefix);
  const client = KurrentDBClient.connectionString(connectionString);
  const streamRegex = globalLogStreamRegex(prefix);
  const changes = new ChangeBroadcast();
  const boundaries = new KnownBoundaries();

  const readLog = async (direction: Direction, fromPosition: ReadPosition, maxCount: number): Promise<LogRecordedEvent[]> =>
    (await readOverGrpc(client, allReadRequest(direction, fromPosition, maxCount, streamRegex))) ?? [];

  /** A stream's events, or undefined when the stream does not exist. */
  const readLogStream = (logStream: string, direction: Direction, from: ReadRevision, maxCount: number) =>
    readOverGrpc(client, streamReadRequest(logStream, direction, from, maxCount));

  const visible = (event: LogRecordedEvent): boolean => isInGlobalLog(prefix, event.streamId, event.type);

  const toStored = (event: LogRecordedEvent): StoredEvent => {
    const stored = toStoredEvent(prefix, event);
    boundaries.add(stored.position);
    return stored;
  };

  /**
   * Visible events after `after`, reading forward from `start` (a real record boundary at or before `after`).
   * Reads are inclusive, so each continuation page repeats the event it starts at: `seen` drops it.
   */
  const scanForward = async (start: ReadPosition, after: number, limit: number): Promise<StoredEvent[]> => {
    const found: StoredEvent[] = [];
    let from = start;
    let seen = -1;
    for (;;) {
      const want = limit - found.length + 1;
      const page = await readLog(FORWARDS, from, want);
      let progressed = false;
      for (const event of page) {
        const position = positionFromLog(event.position);
        if (position <= seen) continue;
        seen = position;
        progressed = true;
        if (position <= after || !visible(event)) continue;
        found.push(toStored(event));
        if (found.length === limit) return found;
      }
      if (page.length < want || !progressed) return found;
      from = logPositionOf(seen);
    }
  };

  /** Visible events before `before` (all, when undefined), newest first, reading backward from `start`. */
  const scanBackward = async (start: ReadPosition, before: number | undefined, limit: number): Promise<StoredEvent[]> => {
    const found: StoredEvent[] = [];
    let from = start;
    let seen = Number.POSITIVE_INFINITY;
    for (;;) {
      const want = limit - found.length + 1;
      const page = await readLog(BACKWARDS, from, want);
      let progressed = false;
      for (const event of page) {
        const position = positionFromLog(event.position);
        if (position >= seen) continue;
        seen = position;
        progressed = true;
        if ((before !== undefined && position >= before) || !visible(event)) continue;
        found.push(toStored(event));
        if (found.length === limit) return found;
      }
      if (page.length < want || !progressed) return found;
      // A backward read from a record's start position begins with the record before it.
      from = logPositionOf(seen);
    }
  };

  /** The nearest real record boundary at or before `position`, found by walking back from the head. */
  const readStartAtOrBefore = async (position: number): Promise<ReadPosition> => {
    const pageSize = 256;
    let from: ReadPosition = END;
    let seen = Number.POSITIVE_INFINITY;
    for (;;) {
      const page = await readLog(BACKWARDS, from, pageSize);
      for (const event of page) {
        const p = positionFromLog(event.position);
        if (p >= seen) continue;
        seen = p;
        if (p <= position) return logPositionOf(p);
      }
      if (page.length < pageSize) return START;
      from = logPositionOf(seen);
    }
  };

  const headPosition = async (): Promise<number> => {
    const [last] = await scanBackward(END, undefined, 1);
    return last?.position ?? 0;
  };

  const readForward = async (after: number, limit: number): Promise<StoredEvent[]> => {
    if (limit <= 0) return [];
    if (after <= 0) return scanForward(START, 0, limit);
    try {
      const events = await scanForward(logPositionOf(after), after, limit);
      // An empty answer from a position we never handed out may mean the server read garbage as "nothing":
      // trust it only if the head agrees. A position we did hand out is a real record, and this is the idle path.
      if (events.length > 0 || boundaries.has(after) || (await headPosition()) <= after) return events;
    } catch (error) {
      if (isKurrentDbUnreachable(error)) throw error;
      // Not a record boundary (InvalidPosition): fall through to the scan.
    }
    return scanForward(await readStartAtOrBefore(after), after, limit);
  };

  const readBackward = async (before: number | undefined, limit: number): Promise<StoredEvent[]> => {
    if (limit <= 0 || (before !== undefined && before <= 0)) return [];
    if (before === undefined) return scanBackward(END, undefined, limit);
    try {
      return await scanBackward(logPositionOf(before), before, limit);
    } catch (error) {
      if (isKurrentDbUnreachable(error)) throw error;
      // Not a record boundary: walk down from the head, skipping everything at or after `before`.
      return scanBackward(END, before, limit);
    }
  };

  /** The stream's current version, 0 when it does not exist. */
  const currentVersion = async (logStream: string): Promise<number> => {
    const [last] = (await readLogStream(logStream, BACKWARDS, END, 1)) ?? [];
    return last === undefined ? 0 : versionFromRevision(last.revision);
  };

  const lastEventPosition = async (logStream: string): Promise<number> => {
    const [last] = (await readLogStream(logStream, BACKWARDS, END, 1)) ?? [];
    if (last === undefined) throw new Error(`stream ${logStream} has no events right after an append`);
    return positionFromLog(last.position);
  };

  // Fail at start-up, like the SQL stores do, rather than on the first command.
  try {
    await guard(headPosition);
  } catch (error) {
    await client.dispose();
    throw error;
  }
  const live = await startLiveFeed(client, streamNameFilter({ regex: streamRegex }), () => changes.emit());
  let closed = false;

  const store: EventStore = {
    async append(streamId: string, events: readonly NewEvent[], { expectedVersion }: { expectedVersion: ExpectedVersion }) {
      if (events.length === 0) throw new Error('append needs at least one event');
      const streamState = toStreamState(expectedVersion);
      const logStream = toLogStreamName(prefix, streamId);
      const eventData = events.map((e) => jsonEvent({ type: e.type, data: e.data, metadata: e.metadata ?? {} }));
      return guard(async (): Promise<AppendResult> => {
        const result = await client.appendToStream(logStream, eventData, { streamState }).catch((error: unknown) => {
          if (error instanceof WrongExpectedVersionError) {
            throw new VersionConflictError(streamId, expectedVersion, actualVersionFromState(error.actualState));
          }
          throw error;
        });
        if (!result.success) {
          // Only when the connection string sets throwOnAppendFailure=false. The client's batch-append path then
          // reports the current revision wrongly, so ask the stream.
          throw new VersionConflictError(streamId, expectedVersion, await currentVersion(logStream));
        }
        changes.emit();
        // The server answers with the last event's log position (commit == prepare for implicit transactions).
        const position = result.position ? positionFromLog(result.position) : await lastEventPosition(logStream);
        boundaries.add(position);
        return { nextExpectedVersion: versionFromRevision(result.nextExpectedRevision), position };
      });
    },

    async readStream(streamId: string, { fromVersion = 1, toVersion, toTime }: ReadStreamOptions = {}) {
      if (!isStorableStreamId(streamId)) return [];
      const from = Math.max(1, fromVersion);
      if (toVersion !== undefined && toVersion < from) return [];
      const logStream = toLogStreamName(prefix, streamId);
      const maxCount = toVersion === undefined ? Number.MAX_SAFE_INTEGER : toVersion - from + 1;
      return guard(async () => {
        const events = (await readLogStream(logStream, FORWARDS, revisionOfVersion(from), maxCount)) ?? [];
        return (
          events
            .map(toStored)
            // Filtered, not cut short: after a leader change a later event may carry an earlier clock.
            .filter((e) => toTime === undefined || e.recordedAt.getTime() <= toTime.getTime())
        );
      });
    },

    async readAll({ after = 0, limit = 1_000 }: ReadAllOptions = {}) {
      return guard(() => readForward(after, limit));
    },

    async readAllBackward({ before, limit = 1_000 }: ReadAllBackwardOptions = {}) {
      return guard(() => readBackward(before, limit));
    },

    async headPosition() {
      return guard(headPosition);
    },

    subscribe(subscribeOptions: SubscribeOptions) {
      return startCatchUpSubscription(
        {
          readAll: (o) => store.readAll(o),
          headPosition: () => store.headPosition(),
          onChange: (listener) => changes.on(listener),
        },
        subscribeOptions,
      );
    },

    checkpointStore(name: string): CheckpointStore {
      const logStream = checkpointStreamName(prefix, name);
      let retentionSet = false;
      return {
        async load() {
          return guard(async () => {
            const [last] = (await readLogStream(logStream, BACKWARDS, END, 1)) ?? [];
            return last === undefined ? undefined : parseCheckpoint(logStream, last.data);
          });
        },
        async save(position: number) {
          await guard(async () => {
            if (!retentionSet) {
              // Only the latest checkpoint is ever read; older ones become unreadable at once and are scavenged.
              await client.setStreamMetadata(logStream, { maxCount: 1 });
              retentionSet = true;
            }
            // Last write wins, like the SQL stores' upsert: a checkpoint has one writer, and a stale one is merely
            // re-delivery (handlers are idempotent), so there is no version to expect.
            await client.appendToStream(logStream, jsonEvent({ type: 'CheckpointSaved', data: { position } }), {
              streamState: ANY,
            });
          });
        },
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      await live.stop();
      await client.dispose();
    },
  };
  return store;
}

/** What this adapter reads of a recorded event; both `$all` and stream reads yield it. */
export interface LogRecordedEvent {
  readonly streamId: string;
  readonly revision: bigint;
  readonly type: string;
  readonly isJson: boolean;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly created: Date;
  readonly position?: Position | undefined;
}

export const CHECKPOINT_CATEGORY = 'flagstaff_checkpoint';
const STREAM_PREFIX_PATTERN = /^[A-Za-z0-9_.:-]{0,100}$/;
const MAX_SAFE_POSITION = BigInt(Number.MAX_SAFE_INTEGER);

export function assertValidStreamPrefix(prefix: string): void {
  // `$` would make every stream a system stream; the rest keeps the server-side regex trivially safe.
  if (!STREAM_PREFIX_PATTERN.test(prefix)) throw new Error(`Invalid stream prefix: ${JSON.stringify(prefix)}`);
}

/** Our expected version as KurrentDB's expected stream state: the same words, and 0-based revisions for our 1-based versions. */
export function toStreamState(expected: ExpectedVersion): AppendStreamState {
  checkExpectedVersion(expected);
  if (expected === 'any') return ANY;
  if (expected === 'no_stream') return NO_STREAM;
  if (expected === 'stream_exists') return STREAM_EXISTS;
  return BigInt(expected - 1);
}

export function versionFromRevision(revision: bigint): number {
  return Number(revision) + 1;
}

export function revisionOfVersion(version: number): bigint {
  return BigInt(version - 1);
}

/** The actual version reported by a wrong-expected-version error: `no_stream` (or a negative code) is 0. */
export function actualVersionFromState(state: CurrentStreamState): number {
  if (state === NO_STREAM || state < 0n) return 0;
  return versionFromRevision(state);
}

/** Our global position: the prepare position, unique per event (see the module comment). */
export function positionFromLog(position: Position | undefined): number {
  // Servers before 22.6 (or events of explicit transactions) report no position, or -1 read as 2^64 - 1.
  if (position === undefined || position.prepare > MAX_SAFE_POSITION) {
    throw new Error('KurrentDB did not report the event position: server >= 22.6 is required');
  }
  return Number(position.prepare);
}

/** A read start for a position we handed out: for implicit transactions the commit position equals it. */
export function logPositionOf(position: number): Position {
  const p = BigInt(position);
  return { commit: p, prepare: p };
}

export function toLogStreamName(prefix: string, streamId: string): string {
  return `${prefix}${streamId}`;
}

/** Our stream id for a stream of the log, or undefined when the stream lies outside the prefix. */
export function fromLogStreamName(prefix: string, logStream: string): string | undefined {
  return logStream.startsWith(prefix) ? logStream.slice(prefix.length) : undefined;
}

export function checkpointStreamName(prefix: string, name: string): string {
  return `${prefix}${CHECKPOINT_CATEGORY}-${name}`;
}

/** The server-side stream-name filter of the global log (.NET regex, matched unanchored, so anchored here). */
export function globalLogStreamRegex(prefix: string): string {
  return `^(?!\\$)${escapeRegex(prefix)}(?!${CHECKPOINT_CATEGORY}-)`;
}

/** The same rule on the client, plus what a stream-name filter cannot see: `$`-typed events in user streams. */
export function isInGlobalLog(prefix: string, logStream: string, type: string): boolean {
  const streamId = fromLogStreamName(prefix, logStream);
  return (
    streamId !== undefined &&
    !logStream.startsWith('$') &&
    !type.startsWith('$') &&
    !streamId.startsWith(`${CHECKPOINT_CATEGORY}-`)
  );
}

export function toStoredEvent(prefix: string, event: LogRecordedEvent): StoredEvent {
  const streamId = fromLogStreamName(prefix, event.streamId);
  if (streamId === undefined) throw new Error(`Stream ${event.streamId} is outside the prefix ${prefix}`);
  const where = `${event.streamId}@${event.revision}`;
  if (!event.isJson) throw new Error(`Event ${where} is not JSON`);
  return {
    streamId,
    version: versionFromRevision(event.revision),
    position: positionFromLog(event.position),
    type: event.type,
    data: asJsonObject(event.data, `data of ${where}`),
    metadata: event.metadata === undefined ? {} : asJsonObject(event.metadata, `metadata of ${where}`),
    // The client converts the record's .NET ticks to a Date with integer division: already whole milliseconds.
    recordedAt: event.created,
  };
}

/** Whether an error means the server could not be reached or did not answer, so a retry may succeed. */
export function isKurrentDbUnreachable(error: unknown): boolean {
  if (error instanceof EventStoreUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  // Plain gRPC errors (a status `code`) become the client's typed errors here; anything else comes back as is.
  const converted = convertToCommandError(error);
  return (
    converted instanceof UnavailableError ||
    converted instanceof DeadlineExceededError ||
    converted instanceof TimeoutError ||
    converted instanceof CancelledError ||
    converted instanceof NotLeaderError ||
    // Transport failures the client has no name for arrive as UnknownError carrying the cause's text.
    (converted instanceof UnknownError && TRANSPORT_FAILURE.test(converted.message))
  );
}

const TRANSPORT_FAILURE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|unavailable|deadline exceeded|connection (is )?(refused|reset|closed)|transport error|discover/i;

function asStoreError(error: unknown): Error {
  if (error instanceof EventStoreUnavailableError) return error;
  if (isKurrentDbUnreachable(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return new EventStoreUnavailableError(`event store unavailable: ${message}`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

async function guard<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw asStoreError(error);
  }
}

function asJsonObject(value: unknown, what: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw new Error(`The ${what} is not a JSON object`);
  }
  return value as JsonObject;
}

function parseCheckpoint(logStream: string, data: unknown): number {
  const position = (data as { position?: unknown } | null)?.position;
  if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 0) {
    throw new Error(`Checkpoint stream ${logStream} holds no valid position`);
  }
  return position;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Positions this store handed out, so known to be record boundaries. Bounded: it only saves the head check on
 * the idle path of a subscription, whose position is always one it was given.
 */
class KnownBoundaries {
  private static readonly MAX = 4_096;
  private readonly positions = new Set<number>();

  add(position: number): void {
    if (this.positions.has(position)) return;
    this.positions.add(position);
    if (this.positions.size > KnownBoundaries.MAX) {
      const oldest = this.positions.values().next();
      if (!oldest.done) this.positions.delete(oldest.value);
    }
  }

  has(position: number): boolean {
    return this.positions.has(position);
  }
}

const { ReadReq } = streamsProtocol;
type ReadReq = InstanceType<typeof ReadReq>;
type ReadResp = InstanceType<typeof streamsProtocol.ReadResp>;

/** The two members of the client this adapter relies on beyond its public API (see the module comment). */
interface ClientInternals {
  execute<T>(
    service: typeof streamsService.StreamsClient,
    debugName: string,
    action: (grpc: InstanceType<typeof streamsService.StreamsClient>) => Promise<T>,
  ): Promise<T>;
  callArguments(options: object): Parameters<InstanceType<typeof streamsService.StreamsClient>['read']> extends [
    unknown,
    ...infer Rest,
  ]
    ? Rest
    : never;
}

function allReadRequest(direction: Direction, from: ReadPosition, maxCount: number, streamRegex: string): ReadReq {
  const all = new ReadReq.Options.AllOptions();
  if (from === START) all.setStart(new sharedProtocol.Empty());
  else if (from === END) all.setEnd(new sharedProtocol.Empty());
  else {
    const position = new ReadReq.Options.Position();
    position.setCommitPosition(from.commit.toString(10));
    position.setPreparePosition(from.prepare.toString(10));
    all.setPosition(position);
  }
  const expression = new ReadReq.Options.FilterOptions.Expression();
  expression.setRegex(streamRegex);
  const filter = new ReadReq.Options.FilterOptions();
  filter.setStreamIdentifier(expression);
  // Count window: the server keeps searching until it has maxCount matches or reaches the end of the log.
  filter.setCount(new sharedProtocol.Empty());
  filter.setCheckpointintervalmultiplier(1);
  const options = readOptions(direction, maxCount);
  options.setAll(all);
  options.setFilter(filter);
  const request = new ReadReq();
  request.setOptions(options);
  return request;
}

function streamReadRequest(logStream: string, direction: Direction, from: ReadRevision, maxCount: number): ReadReq {
  const identifier = new sharedProtocol.StreamIdentifier();
  identifier.setStreamName(Uint8Array.from(Buffer.from(logStream, 'utf8')));
  const stream = new ReadReq.Options.StreamOptions();
  stream.setStreamIdentifier(identifier);
  if (from === START) stream.setStart(new sharedProtocol.Empty());
  else if (from === END) stream.setEnd(new sharedProtocol.Empty());
  else stream.setRevision(from.toString(10));
  const options = readOptions(direction, maxCount);
  options.setStream(stream);
  options.setNoFilter(new sharedProtocol.Empty());
  const request = new ReadReq();
  request.setOptions(options);
  return request;
}

function readOptions(direction: Direction, maxCount: number): InstanceType<typeof ReadReq.Options> {
  const options = new ReadReq.Options();
  options.setReadDirection(direction === FORWARDS ? ReadReq.Options.ReadDirection.FORWARDS : ReadReq.Options.ReadDirection.BACKWARDS);
  options.setResolveLinks(false);
  options.setCount(String(maxCount));
  const uuid = new ReadReq.Options.UUIDOption();
  uuid.setString(new sharedProtocol.Empty());
  options.setUuidOption(uuid);
  return options;
}

/** One `Streams.Read` call: the events, or undefined when the server says the stream does not exist. */
function readOverGrpc(client: KurrentDBClient, request: ReadReq): Promise<LogRecordedEvent[] | undefined> {
  const internals = client as unknown as ClientInternals;
  return internals.execute(streamsService.StreamsClient, 'read', (grpc) => {
    return new Promise<LogRecordedEvent[] | undefined>((resolve, reject) => {
      const events: LogRecordedEvent[] = [];
      let found = true;
      const call = grpc.read(request, ...internals.callArguments({}));
      call.on('data', (response: ReadResp) => {
        if (response.hasStreamNotFound()) found = false;
        const event = response.getEvent();
        if (event === undefined) return;
        const recorded = grpcEvents.convertGrpcEvent(event).event;
        if (recorded !== undefined) events.push(recorded);
      });
      // A failed call emits 'error' and no 'end'; a settled promise ignores whatever comes after.
      call.on('error', (error: Error) => reject(convertToCommandError(error)));
      call.on('end', () => resolve(found ? events : undefined));
    });
  });
}

const LIVE_CONFIRMATION_TIMEOUT_MS = 5_000;
const MAX_RESUBSCRIBE_BACKOFF_MS = 5_000;

/**
 * One live `$all` subscription from the end, with the global-log filter, whose only job is to wake catch-up
 * subscriptions as soon as anything visible is appended, by any process. If it drops it is re-opened with
 * backoff; meanwhile the catch-up loop's slow fallback poll keeps subscribers moving.
 */
async function startLiveFeed(client: KurrentDBClient, filter: Filter, wake: () => void): Promise<{ stop(): Promise<void> }> {
  let stopped = false;
  let current: AllStreamSubscription | undefined;
  let failures = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const ready = new AbortController();

  const open = (): void => {
    if (stopped) return;
    const subscription = client.subscribeToAll({ fromPosition: END, filter, resolveLinkTos: false });
    current = subscription;
    let dropped = false;
    const drop = (): void => {
      if (dropped || stopped) return;
      dropped = true;
      // Tearing down a stream that already failed; its own error is the one that matters and was seen.
      void subscription.unsubscribe().catch(() => undefined);
      failures++;
      // Something may have been appended while the feed was down: let subscribers look.
      wake();
      retry = setTimeout(open, Math.min(MAX_RESUBSCRIBE_BACKOFF_MS, 100 * 2 ** Math.min(failures, 6)));
      ready.abort();
    };
    subscription.on('confirmation', () => {
      failures = 0;
      wake();
      ready.abort();
    });
    subscription.on('data', () => {
      failures = 0;
      wake();
    });
    subscription.on('error', drop);
    subscription.on('end', drop);
    subscription.on('close', drop);
  };

  open();
  // Appends made before the server confirms would wake nobody; wait for it (bounded: the poll still covers us).
  await sleep(LIVE_CONFIRMATION_TIMEOUT_MS, ready.signal);
  ready.abort();

  return {
    async stop() {
      stopped = true;
      clearTimeout(retry);
      // Cancelling our own call; a failure to cancel leaves nothing to clean up once the client is disposed.
      await current?.unsubscribe().catch(() => undefined);
    },
  };
}
