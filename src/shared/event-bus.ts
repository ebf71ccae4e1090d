/**
 * The bus port: Apache Kafka in production, an in-process bus for the embedded default.
 * Delivery is at least once: a consumer's offsets are committed only after its batch handler resolves, so
 * handlers must be idempotent (the analytics sink is, by event id).
 */
export type Topic = 'exposures' | 'metrics' | 'dead-letters';

export interface BusMessage {
  /** Partitioning key: the unit id, so one unit's events stay in order. */
  readonly key: string;
  readonly value: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ConsumedMessage extends BusMessage {
  readonly topic: Topic;
  readonly partition: number;
  /** The offset of the broker record that carried the message. */
  readonly offset: string;
  /** Where the message sat in that record, when the adapter packs several messages into one record (Kafka). */
  readonly index?: number;
}

export interface BusSubscription {
  /** Stops consuming after the batch in hand; its offsets are committed only if it completed. */
  stop(): Promise<void>;
}

export interface EventBus {
  /** Resolves once every message is durably accepted (Kafka: acks from all in-sync replicas). */
  publish(topic: Topic, messages: readonly BusMessage[]): Promise<void>;
  subscribe(options: {
    groupId: string;
    topics: readonly Topic[];
    /**
     * Resolving commits the batch's offsets; throwing redelivers the same batch after a backoff. Throwing because
     * a dependency is unavailable (a ServiceUnavailableError, a connection failure) redelivers it without bound;
     * throwing anything else the configured number of times in a row sends the batch to the dead letters with
     * the reason, and consuming goes on after it.
     */
    onBatch: (messages: readonly ConsumedMessage[]) => Promise<void>;
    /** Told of every failed attempt (and of bus-level failures). */
    onError?: (error: unknown) => void;
    /** Told when a batch the handler kept refusing was published to the dead letters (and committed). */
    onDeadLetter?: (messages: readonly ConsumedMessage[], reason: string) => void;
  }): Promise<BusSubscription>;
  /** Messages of `topics` published but not yet committed by the group: the consumer's lag. */
  consumerLag(groupId: string, topics: readonly Topic[]): Promise<number>;
  close(): Promise<void>;
}
