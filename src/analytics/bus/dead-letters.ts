import type { BusMessage, ConsumedMessage } from '../../shared/event-bus.ts';

/** Headers a dead letter carries besides the original's: why it was refused and where it was read. */
export const DEAD_LETTER_HEADERS = {
  reason: 'x-dead-letter-reason',
  topic: 'x-source-topic',
  partition: 'x-source-partition',
  offset: 'x-source-offset',
  /** Where in the source record the message sat, when several travelled in one (Kafka packs them). */
  index: 'x-source-index',
} as const;

/** Reasons travel in a Kafka header; a pathological record or error must not make them huge. */
const MAX_REASON_LENGTH = 1_000;

export function boundedReason(reason: string): string {
  return reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH - 1)}…` : reason;
}

/**
 * A consumed message as a dead letter: its key, value and headers as they were, plus the reason and its source.
 * The sink sends a malformed record there; the bus sends a whole batch its handler kept refusing (batch-runner.ts).
 */
export function deadLetterOf(message: ConsumedMessage, reason: string): BusMessage {
  return {
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      [DEAD_LETTER_HEADERS.reason]: boundedReason(reason),
      [DEAD_LETTER_HEADERS.topic]: message.topic,
      [DEAD_LETTER_HEADERS.partition]: String(message.partition),
      [DEAD_LETTER_HEADERS.offset]: message.offset,
      ...(message.index === undefined ? {} : { [DEAD_LETTER_HEADERS.index]: String(message.index) }),
    },
  };
}
