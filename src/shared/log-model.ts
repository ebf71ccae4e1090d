import type { EventStore, StoredEvent } from '../event-store/event-store.ts';
import { streamId, type EventMetadata } from './domain-event.ts';
import { sha256 } from './tokens.ts';

export interface IdempotencyRecord {
  readonly streamId: string;
  readonly version: number;
  readonly requestHash: string | undefined;
  readonly recordedAt: Date;
}

/** An Idempotency-Key taken, before its command was done: which request (by hash) the key now belongs to. */
export interface IdempotencyClaim {
  readonly requestHash: string | undefined;
  readonly recordedAt: Date;
}

/** The record of a request under an Idempotency-Key that changed nothing (command-handler.ts writes it). */
export const NO_OP_RECORDED = 'IdempotentNoOpRecorded';
/**
 * A request taking an Idempotency-Key before its command appends (command-handler.ts writes it): the command's
 * own stream cannot tell two requests with one key apart when they write different streams, the key's stream can.
 */
export const KEY_CLAIMED = 'IdempotencyKeyClaimed';
/** The category of the streams keeping Idempotency-Keys: bookkeeping, not changes anyone made. */
export const IDEMPOTENCY_CATEGORY = 'idempotency';
/** Keys are free text scoped by their actor; hashed, they make a valid stream id of fixed length. */
export const noOpRecordStream = (idempotencyKey: string): string => streamId(IDEMPOTENCY_CATEGORY, sha256(idempotencyKey));

/** Idempotency keys are honoured for a day, like Stripe's; after that a key may be reused. */
const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * A model folded from the global log on demand: `refresh()` reads only what was appended since the last call,
 * concurrent callers share one read, and none returns before its call's head. It also indexes the
 * idempotency keys found on the events it folds. The write side and the experiments slice each keep one.
 */
export abstract class LogModel {
  readonly idempotency = new Map<string, IdempotencyRecord>();
  /** Keys taken by a request whose outcome may not be recorded yet (see KEY_CLAIMED). */
  readonly idempotencyClaims = new Map<string, IdempotencyClaim>();
  private position = 0;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(protected readonly store: EventStore) {}

  get revision(): number {
    return this.position;
  }

  /** Folds one event of the log; events of categories the model does not know are ignored. */
  protected abstract fold(event: StoredEvent): void;

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

  apply(event: StoredEvent): void {
    this.fold(event);
    const metadata = event.metadata as unknown as Partial<EventMetadata>;
    if (metadata.idempotencyKey && event.type === KEY_CLAIMED) {
      this.idempotencyClaims.set(metadata.idempotencyKey, { requestHash: metadata.requestHash, recordedAt: event.recordedAt });
    } else if (metadata.idempotencyKey) {
      // A no-op's record names the stream the command was about, at the version it left unchanged.
      const outcome = event.type === NO_OP_RECORDED ? (event.data as { streamId: string; version: number }) : event;
      this.idempotency.set(metadata.idempotencyKey, {
        streamId: outcome.streamId,
        version: outcome.version,
        requestHash: metadata.requestHash,
        recordedAt: event.recordedAt,
      });
    }
    this.position = event.position;
  }

  private async readNew(): Promise<void> {
    for (;;) {
      const batch = await this.store.readAll({ after: this.position, limit: 1_000 });
      for (const event of batch) this.apply(event);
      if (batch.length < 1_000) break;
    }
    const cutoff = Date.now() - IDEMPOTENCY_TTL_MS;
    for (const [key, record] of this.idempotency) {
      if (record.recordedAt.getTime() < cutoff) this.idempotency.delete(key);
    }
    for (const [key, claim] of this.idempotencyClaims) {
      if (claim.recordedAt.getTime() < cutoff) this.idempotencyClaims.delete(key);
    }
  }
}
