import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
} from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { BusUnavailableError } from '../../../src/analytics/bus/bus-errors.ts';
import { isBrokerUnavailable, toBusError } from '../../../src/analytics/bus/kafka-bus.ts';
import { ServiceUnavailableError } from '../../../src/shared/errors.ts';

// kafkajs's typings lag its runtime (causes, protocol error fields), so those are attached by hand.
const protocolError = (message: string, type: string, code: number, retriable: boolean): KafkaJSProtocolError =>
  new KafkaJSProtocolError(Object.assign(new Error(message), { type, code, retriable }));
const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092', { broker: '127.0.0.1:9092', code: 'ECONNREFUSED' });

describe('kafka bus error mapping', () => {
  it.each([
    ['a refused connection', refused],
    ['a request timeout', new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out')],
    // What a connected producer's send() rejects with once the broker is stopped (infra/README.md).
    ['a connection error wrapped as non-retriable', Object.assign(new KafkaJSNonRetriableError(refused), { cause: refused })],
    ['retries exhausted', new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 5, retryTime: 1_000 })],
    ['a retriable protocol error', protocolError('There is no leader for this topic-partition', 'LEADER_NOT_AVAILABLE', 5, true)],
  ])('maps %s to BusUnavailableError (a 503)', (_what, error) => {
    expect(isBrokerUnavailable(error)).toBe(true);
    const mapped = toBusError(error);
    expect(mapped).toBeInstanceOf(BusUnavailableError);
    expect(mapped).toBeInstanceOf(ServiceUnavailableError);
    expect((mapped as BusUnavailableError).status).toBe(503);
    expect((mapped as BusUnavailableError).cause).toBe(error);
  });

  it.each([
    ['a record the broker refuses', protocolError('The request included a message larger than the max message size', 'MESSAGE_TOO_LARGE', 10, false)],
    ['a programming error', new TypeError('x is not a function')],
  ])('leaves %s alone: retrying would not help', (_what, error) => {
    expect(isBrokerUnavailable(error)).toBe(false);
    expect(toBusError(error)).toBe(error);
  });
});
