import { VersionConflictError, type EventStore, type JsonObject } from '../event-store/event-store.ts';
import type { DomainEvent, EventMetadata } from './domain-event.ts';
import { ConflictError, IdempotencyKeyReusedError, PreconditionFailedError } from './errors.ts';
import type { LogModel } from './log-model.ts';
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

const MAX_ATTEMPTS = 5;

/**
 * Runs one command: read the aggregate from the write model, decide, append at the version read. Without an
 * If-Match a lost race is retried against the fresh state (the decision is re-made, not blindly re-applied);
 * with one it is a 412. With an Idempotency-Key, a command already done returns the earlier outcome.
 */
export async function executeCommand<State>(
  deps: { store: EventStore; model: LogModel },
  target: {
    streamId: string;
    current: () => Versioned<State> | undefined;
    decide: (state: State | undefined) => DomainEvent[];
  },
  context: CommandContext,
): Promise<CommandOutcome> {
  const { store, model } = deps;
  for (let attempt = 1; ; attempt++) {
    await model.refresh();
    const replay = idempotentReplay(model, context);
    if (replay) return replay;

    const current = target.current();
    const version = current?.version ?? 0;
    if (context.expectedVersion !== undefined && context.expectedVersion !== version) {
      throw new PreconditionFailedError(`The resource is at version ${version}, not ${context.expectedVersion}: reload it and retry`);
    }
    const events = target.decide(current?.state);
    if (events.length === 0) return { streamId: target.streamId, version, events, replayed: false };

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
        { expectedVersion: version },
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
      if (attempt >= MAX_ATTEMPTS) throw new ConflictError('Too much contention on this resource: retry later');
    }
  }
}

function idempotentReplay(model: LogModel, context: CommandContext): CommandOutcome | undefined {
  if (context.idempotencyKey === undefined) return undefined;
  const record = model.idempotency.get(context.idempotencyKey);
  if (!record) return undefined;
  if (record.requestHash !== context.requestHash) {
    throw new IdempotencyKeyReusedError('This Idempotency-Key was already used for a different request');
  }
  return { streamId: record.streamId, version: record.version, events: [], replayed: true };
}
