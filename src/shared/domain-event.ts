/** A domain event as deciders produce it: a past-tense type and a JSON payload. Metadata is added on append. */
export interface DomainEvent<Type extends string = string, Data extends object = object> {
  readonly type: Type;
  readonly data: Data;
}

/** Carried by every stored event, for the audit and time travel: who, why, which request, when, and the payload's schema. */
export interface EventMetadata {
  readonly actor: string;
  readonly reason?: string;
  readonly correlationId: string;
  /** When the command was decided (ISO 8601); the store also records its own commit time. */
  readonly timestamp: string;
  readonly schemaVersion: number;
  /** Scoped to the admin token: `<token id>:<Idempotency-Key>`. */
  readonly idempotencyKey?: string;
  /** Hash of the request that carried the idempotency key, to refuse the same key on a different request. */
  readonly requestHash?: string;
}

/** Streams are `<category>-<id>`; categories hold no dash, ids may. */
export function streamId(category: string, id: string): string {
  return `${category}-${id}`;
}

export function splitStreamId(stream: string): { category: string; id: string } {
  const dash = stream.indexOf('-');
  return dash < 0 ? { category: stream, id: '' } : { category: stream.slice(0, dash), id: stream.slice(dash + 1) };
}
