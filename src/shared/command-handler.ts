import { VersionConflictError, expectedVersionAt, type EventStore, type ExpectedVersion, type JsonObject } from '../event-store/event-store.ts';
import type { DomainEvent, EventMetadata } from './domain-event.ts';
import { ConflictError, IdempotencyKeyReusedError, PreconditionFailedError } from './errors.ts';
import { KEY_CLAIMED, NO_OP_RECORDED, noOpRecordStream, type LogModel } from './log-model.ts';
import type { Versioned } from './versioned.ts';

/** Who asks, why, and under which preconditions: everything about a command that is not its payload. */
export interface CommandContext {
  readonly actor: string;
  readonly reason?: string | undefined;
  readonly correlationId: string;
  readonly now: Date;
  /** From `If-Match`: the version the caller last saw. A mismatch is a 412, never a silent overwrite. */
  readonly expectedVersion?: number | undefined;
  readonly idempotencyKey?: string | undefined;
  /** Hash of the request carrying the idempotency key. */
  readonly requestHash?: string | undefined;
}

export interface CommandOutcome {
  /** The stream written; for a replay, the stream the original request wrote. */
  readonly streamId: string;
  /** The stream's version after the command (unchanged when nothing was appended). */
  readonly version: number;
  readonly events: readonly DomainEvent[];
  /** True when an earlier request with the same Idempotency-Key already did this; nothing was appended. */
  readonly replayed: boolean;
}

/**
 * How long a command without If-Match keeps retrying lost races. A bound on time, not on attempts: twenty
 * writers on one flag across two processes lost up to 9 of 20 commands after 5 attempts, and how many
 * attempts a burst needs depends on the machine; a real conflict is a domain error, decided on the fresh state.
 */
const RETRY_BUDGET_MS = 10_000;
/** Jittered so that writers who lost together do not all come back together. */
const retryDelayMs = (attempt: number): number => Math.random() * Math.min(50, 2 ** attempt);

/**
 * Runs one command: read the aggregate from the write model, decide, append at the version read. Without an
 * If-Match a lost race is retried against the fresh state (the decision is re-made, not blindly re-applied);
 * with one it is a 412. With an Idempotency-Key, a command already done returns the earlier outcome, also
 * when it changed nothing (that outcome is recorded too, or the key could later be spent on another request).
 */
export async function executeCommand<State>(
  deps: { store: EventStore; model: LogModel },
  target: {
    streamId: string;
    current: () => Versioned<State> | undefined;
    decide: (state: State | undefined) => DomainEvent[];
    /**
     * Called with the events decided, before they are appended at `version`: reserves what the decision needs in
     * other streams (see flag-reservations.ts). It must be idempotent, for a lost race decides and reserves again.
     */
    reserve?: (state: State | undefined, version: number, events: readonly DomainEvent[]) => Promise<void>;
  },
  context: CommandContext,
): Promise<CommandOutcome> {
  const { store, model } = deps;
  const deadline = performance.now() + RETRY_BUDGET_MS;
  for (let attempt = 1; ; attempt++) {
    await model.refresh();
    const replay = idempotentReplay(model, context);
    if (replay) return replay;

    const current = target.current();
    const version = current?.version ?? 0;
    if (context.expectedVersion !== undefined && context.expectedVersion !== version) {
      // A resource that does not exist is a 404 whatever the If-Match: deciding says so (a create decides fine, and gets the 412).
      if (current === undefined) target.decide(undefined);
      throw new PreconditionFailedError(`The resource is at version ${version}, not ${context.expectedVersion}: reload it and retry`);
    }
    const events = target.decide(current?.state);
    if (events.length === 0) {
      const outcome = { streamId: target.streamId, version, events, replayed: false };
      return context.idempotencyKey === undefined ? outcome : recordNoOp(deps, outcome, context);
    }

    if (context.idempotencyKey !== undefined) {
      const replayed = await claimKey(deps, target.streamId, context);
      if (replayed) return replayed;
    }
    if (target.reserve) await target.reserve(current?.state, version, events);

    const metadata: EventMetadata = {
      actor: context.actor,
      ...(context.reason === undefined ? {} : { reason: context.reason }),
      correlationId: context.correlationId,
      timestamp: context.now.toISOString(),
      schemaVersion: 1,
      ...(context.idempotencyKey === undefined ? {} : { idempotencyKey: context.idempotencyKey, requestHash: context.requestHash }),
    };
    try {
      const result = await store.append(
        target.streamId,
        events.map((event) => ({ type: event.type, data: event.data as JsonObject, metadata: metadata as unknown as JsonObject })),
        // The version read: no_stream when the aggregate did not exist (version 0).
        { expectedVersion: expectedVersionAt(version) },
      );
      await model.refresh();
      return { streamId: target.streamId, version: result.nextExpectedVersion, events, replayed: false };
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
      // Someone else appended first. It may have been our own retry carrying the same Idempotency-Key.
      await model.refresh();
      const replayAfterRace = idempotentReplay(model, context);
      if (replayAfterRace) return replayAfterRace;
      if (context.expectedVersion !== undefined) {
        throw new PreconditionFailedError('The resource was changed by someone else meanwhile: reload it and retry');
      }
      if (performance.now() >= deadline) throw new ConflictError('Too much contention on this resource: retry later');
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs(attempt)));
    }
  }
}

/**
 * Takes the Idempotency-Key for this request before its command appends, in the key's own stream. A command's
 * events carry its key, but two requests with one key that write different streams (two flags created, say) never
 * meet in one stream's expected version: each would find the key unused and both would apply. They meet here: the
 * first claim wins; a different request then gets the 422, an identical one (a retry, or this request's own claim
 * after a lost race) goes on, and the command's stream decides between identical ones as before.
 * Resolves to the earlier outcome when an identical request completed meanwhile.
 */
async function claimKey(deps: { store: EventStore; model: LogModel }, commandStream: string, context: CommandContext): Promise<CommandOutcome | undefined> {
  const { model } = deps;
  const key = context.idempotencyKey!;
  const claimedByThisRequest = (): boolean => model.idempotencyClaims.get(key)?.requestHash === context.requestHash;
  if (claimedByThisRequest()) return undefined;
  // After a lost race: the 422 when the key went to another request, an identical request's claim stands for this one.
  return appendKeyRecord(deps, context, { type: KEY_CLAIMED, data: { streamId: commandStream } }, () => idempotentReplay(model, context) ?? (claimedByThisRequest() ? 'stands' : 'retry'));
}

/**
 * Remembers that the request under this Idempotency-Key changed nothing, in a stream of the key's own: the same
 * durable, cross-process record an effective command leaves in its events' metadata. Two requests racing with
 * one key meet in that stream's expected version; the loser replays the winner's outcome or gets the 422.
 */
async function recordNoOp(deps: { store: EventStore; model: LogModel }, outcome: CommandOutcome, context: CommandContext): Promise<CommandOutcome> {
  const record = { type: NO_OP_RECORDED, data: { streamId: outcome.streamId, version: outcome.version } };
  return (await appendKeyRecord(deps, context, record, () => idempotentReplay(deps.model, context) ?? 'retry')) ?? outcome;
}

/**
 * Appends one record to the Idempotency-Key's own stream, where requests racing with one key meet. After a lost
 * race, `afterRace` tells how it ended: with an outcome to answer, with the winning record standing for this
 * request too, or not yet (append again at the stream's new version). Resolves to the outcome, or undefined when
 * this request's record (or one standing for it) is in the stream.
 */
async function appendKeyRecord(
  deps: { store: EventStore; model: LogModel },
  context: CommandContext,
  record: { readonly type: string; readonly data: JsonObject },
  afterRace: () => CommandOutcome | 'stands' | 'retry',
): Promise<CommandOutcome | undefined> {
  const { store, model } = deps;
  const key = context.idempotencyKey!;
  const event = {
    ...record,
    metadata: {
      actor: context.actor,
      correlationId: context.correlationId,
      timestamp: context.now.toISOString(),
      schemaVersion: 1,
      idempotencyKey: key,
      requestHash: context.requestHash ?? null,
    },
  };
  // The stream is new unless the key was used more than a day ago (records expire): then it is appended to.
  let expectedVersion: ExpectedVersion = 'no_stream';
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await store.append(noOpRecordStream(key), [event], { expectedVersion });
      await model.refresh();
      return undefined;
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
      await model.refresh();
      const ended = afterRace();
      if (ended === 'stands') return undefined;
      if (ended !== 'retry') return ended;
      expectedVersion = expectedVersionAt(error.actual);
    }
  }
  throw new ConflictError('Too much contention on this Idempotency-Key: retry later');
}

/** The earlier outcome under this request's Idempotency-Key; the 422 when the key belongs to another request. */
function idempotentReplay(model: LogModel, context: CommandContext): CommandOutcome | undefined {
  if (context.idempotencyKey === undefined) return undefined;
  const record = model.idempotency.get(context.idempotencyKey);
  const holder = record ?? model.idempotencyClaims.get(context.idempotencyKey);
  if (holder !== undefined && holder.requestHash !== context.requestHash) {
    // The request as a whole differs from the one first sent with the key: `#`, as for the other header errors.
    throw new IdempotencyKeyReusedError('This Idempotency-Key was already used for a different request', [{ pointer: '#', detail: 'differs from the request first sent with this Idempotency-Key' }]);
  }
  return record && { streamId: record.streamId, version: record.version, events: [], replayed: true };
}
