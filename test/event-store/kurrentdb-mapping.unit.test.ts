import { UnavailableError, UnknownError } from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import { EventStoreUnavailableError, VersionConflictError } from '../../src/event-store/event-store.ts';
import {
  actualVersionFromState,
  assertValidStreamPrefix,
  checkpointStreamName,
  fromLogStreamName,
  globalLogStreamRegex,
  isKurrentDbUnreachable,
  isInGlobalLog,
  logPositionOf,
  positionFromLog,
  revisionOfVersion,
  toLogStreamName,
  toStoredEvent,
  toStreamState,
  versionFromRevision,
  type LogRecordedEvent,
} from '../../src/event-store/kurrentdb-event-store.ts';

describe('KurrentDB mapping: versions and revisions', () => {
  it('maps 1-based versions to 0-based revisions and back', () => {
    expect(versionFromRevision(0n)).toBe(1);
    expect(versionFromRevision(41n)).toBe(42);
    expect(revisionOfVersion(1)).toBe(0n);
    expect(revisionOfVersion(42)).toBe(41n);
  });

  it('maps expected versions to stream states', () => {
    expect(toStreamState('any')).toBe('any');
    expect(toStreamState('no_stream')).toBe('no_stream');
    expect(toStreamState('stream_exists')).toBe('stream_exists');
    expect(toStreamState(1)).toBe(0n);
    expect(toStreamState(7)).toBe(6n);
  });

  it('refuses expected versions that are not whole numbers from 1, 0 included (it is spelled no_stream)', () => {
    expect(() => toStreamState(0)).toThrow("Invalid expected version 0: a stream that must not exist yet is expected as 'no_stream'");
    expect(() => toStreamState(-1)).toThrow();
    expect(() => toStreamState(1.5)).toThrow();
    expect(() => toStreamState(Number.NaN)).toThrow();
  });

  it('reports the actual version of a conflict 1-based, 0 when the stream does not exist', () => {
    expect(actualVersionFromState('no_stream')).toBe(0);
    expect(actualVersionFromState(-1n)).toBe(0);
    expect(actualVersionFromState(0n)).toBe(1);
    expect(actualVersionFromState(4n)).toBe(5);
  });
});

describe('KurrentDB mapping: positions', () => {
  it('uses the prepare position, which stays unique where commit positions are shared', () => {
    expect(positionFromLog({ commit: 500n, prepare: 500n })).toBe(500);
    expect(positionFromLog({ commit: 900n, prepare: 620n })).toBe(620);
  });

  it('refuses a missing position instead of inventing one', () => {
    expect(() => positionFromLog(undefined)).toThrow(/position/);
    expect(() => positionFromLog({ commit: 2n ** 64n - 1n, prepare: 2n ** 64n - 1n })).toThrow(/position/);
  });

  it('reads from a position it handed out with commit and prepare both set to it', () => {
    expect(logPositionOf(1234)).toEqual({ commit: 1234n, prepare: 1234n });
    expect(positionFromLog(logPositionOf(98_765))).toBe(98_765);
  });
});

describe('KurrentDB mapping: stream prefix and the global-log filter', () => {
  it('prepends the prefix to stream names and strips it on read', () => {
    expect(toLogStreamName('t1_', 'flag-9')).toBe('t1_flag-9');
    expect(fromLogStreamName('t1_', 't1_flag-9')).toBe('flag-9');
    expect(fromLogStreamName('t1_', 't2_flag-9')).toBeUndefined();
    expect(toLogStreamName('', 'flag-9')).toBe('flag-9');
    expect(fromLogStreamName('', 'flag-9')).toBe('flag-9');
  });

  it('names checkpoint streams inside the prefix', () => {
    expect(checkpointStreamName('t1_', 'read-model')).toBe('t1_flagstaff_checkpoint-read-model');
    expect(checkpointStreamName('', 'read-model')).toBe('flagstaff_checkpoint-read-model');
  });

  it('builds a stream-name regex that keeps the prefix and drops system and checkpoint streams', () => {
    // The server matches with .NET regex; this pattern means the same in JavaScript.
    const plain = new RegExp(globalLogStreamRegex(''));
    expect(plain.test('flag-1')).toBe(true);
    expect(plain.test('$stats-127.0.0.1:2113')).toBe(false);
    expect(plain.test('$$flag-1')).toBe(false);
    expect(plain.test('flagstaff_checkpoint-projection')).toBe(false);
    expect(plain.test('flagstaff_checkpoints-are-not-reserved')).toBe(true);

    const prefixed = new RegExp(globalLogStreamRegex('a.b_'));
    expect(prefixed.test('a.b_flag-1')).toBe(true);
    expect(prefixed.test('axb_flag-1')).toBe(false);
    expect(prefixed.test('flag-1')).toBe(false);
    expect(prefixed.test('x_a.b_flag-1')).toBe(false);
    expect(prefixed.test('a.b_flagstaff_checkpoint-projection')).toBe(false);
    expect(prefixed.test('$$a.b_flagstaff_checkpoint-projection')).toBe(false);
  });

  it('applies the same rule on the client, and drops $-typed events the stream filter cannot see', () => {
    expect(isInGlobalLog('p_', 'p_flag-1', 'FlagCreated')).toBe(true);
    expect(isInGlobalLog('p_', 'p_flag-1', '$>')).toBe(false);
    expect(isInGlobalLog('p_', 'q_flag-1', 'FlagCreated')).toBe(false);
    expect(isInGlobalLog('p_', 'p_flagstaff_checkpoint-x', 'CheckpointSaved')).toBe(false);
    expect(isInGlobalLog('', '$ce-flag', 'FlagCreated')).toBe(false);
    expect(isInGlobalLog('', 'flag-1', 'FlagCreated')).toBe(true);
  });

  it('accepts only prefixes that cannot turn streams into system streams or break the regex', () => {
    expect(() => assertValidStreamPrefix('')).not.toThrow();
    expect(() => assertValidStreamPrefix('contract_123_ab12cd_')).not.toThrow();
    expect(() => assertValidStreamPrefix('$sys')).toThrow();
    expect(() => assertValidStreamPrefix('a b')).toThrow();
    expect(() => assertValidStreamPrefix('a(b')).toThrow();
  });
});

describe('KurrentDB mapping: recorded events', () => {
  const recorded = (overrides: Partial<LogRecordedEvent> = {}): LogRecordedEvent => ({
    streamId: 'p_flag-1',
    revision: 2n,
    type: 'FlagToggled',
    isJson: true,
    data: { on: true },
    metadata: { actor: 'alice' },
    created: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678)),
    position: { commit: 4_096n, prepare: 4_096n },
    ...overrides,
  });

  it('maps a recorded event to a stored event', () => {
    expect(toStoredEvent('p_', recorded())).toEqual({
      streamId: 'flag-1',
      version: 3,
      position: 4_096,
      type: 'FlagToggled',
      data: { on: true },
      metadata: { actor: 'alice' },
      recordedAt: new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678)),
    });
  });

  it('defaults absent metadata to an empty object', () => {
    expect(toStoredEvent('p_', recorded({ metadata: undefined })).metadata).toEqual({});
  });

  it('refuses payloads that are not JSON objects rather than skipping them', () => {
    expect(() => toStoredEvent('p_', recorded({ isJson: false, data: new Uint8Array([1]) }))).toThrow(/not JSON/);
    expect(() => toStoredEvent('p_', recorded({ data: [1, 2] }))).toThrow(/not a JSON object/);
    expect(() => toStoredEvent('p_', recorded({ data: 'text' }))).toThrow(/not a JSON object/);
    expect(() => toStoredEvent('p_', recorded({ metadata: new Uint8Array([1]) }))).toThrow(/not a JSON object/);
    expect(() => toStoredEvent('q_', recorded())).toThrow(/outside the prefix/);
  });
});

describe('KurrentDB mapping: connection failures', () => {
  it('recognises unreachable-server errors, typed or as raw gRPC status', () => {
    expect(isKurrentDbUnreachable(new UnavailableError())).toBe(true);
    expect(isKurrentDbUnreachable(new EventStoreUnavailableError('down'))).toBe(true);
    const grpcUnavailable = Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
      code: 14,
      details: 'No connection established',
    });
    expect(isKurrentDbUnreachable(grpcUnavailable)).toBe(true);
    expect(isKurrentDbUnreachable(new UnknownError(undefined, 'Connection refused (os error 111): transport error'))).toBe(true);
  });

  it('does not mistake domain errors for connection failures, whatever their text', () => {
    expect(isKurrentDbUnreachable(new VersionConflictError('discovery-1', 1, 2))).toBe(false);
    expect(isKurrentDbUnreachable(new Error('ECONNREFUSED in a stream name'))).toBe(false);
    expect(isKurrentDbUnreachable(new UnknownError(undefined, 'Invalid position'))).toBe(false);
    expect(isKurrentDbUnreachable('not an error')).toBe(false);
  });
});
