import { describe, expect, it } from 'vitest';
import { sqlIdentifier, sqlInteger, sqlString, sqlUInt64 } from '../../../src/analytics/store/sql-literals.ts';
import { ValidationError } from '../../../src/shared/errors.ts';

/** What a literal function throws: its class, message and issues. */
function refusal(write: () => string): { message: string; issues: readonly { pointer: string; detail: string }[] } {
  try {
    write();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    const { message, issues } = error as ValidationError;
    return { message, issues };
  }
  throw new Error('the value was accepted');
}

describe('the literal functions say what they refused and why', () => {
  it('a key: the value as JSON and the pattern', () => {
    expect(refusal(() => sqlString("x' OR 1=1", 'key', 'clickhouse'))).toEqual({
      message: 'Not a valid key for an analytics query: "x\' OR 1=1"',
      issues: [{ pointer: '#', detail: 'must match ^[a-z0-9][a-z0-9._-]{0,127}$' }],
    });
  });

  it('an event name and an identifier, each with its own pattern', () => {
    expect(refusal(() => sqlString('a b', 'eventName', 'duckdb'))).toEqual({
      message: 'Not a valid eventName for an analytics query: "a b"',
      issues: [{ pointer: '#', detail: 'must match ^[A-Za-z0-9_.:-]{1,128}$' }],
    });
    expect(refusal(() => sqlIdentifier('a-b', 'clickhouse'))).toEqual({
      message: 'Not a valid identifier for an analytics query: "a-b"',
      issues: [{ pointer: '#', detail: 'must match ^[A-Za-z_][A-Za-z0-9_]{0,63}$' }],
    });
  });

  it('shows at most 80 characters of a long value (its JSON, opening quote included)', () => {
    const { message } = refusal(() => sqlString('A'.repeat(500), 'key', 'clickhouse'));
    expect(message).toBe(`Not a valid key for an analytics query: "${'A'.repeat(79)}`);
  });

  it('shows what is not a string as a string', () => {
    expect(refusal(() => sqlString(42 as unknown as string, 'key', 'duckdb')).message).toBe('Not a valid key for an analytics query: "42"');
  });

  it('an integer that is not safe', () => {
    expect(refusal(() => sqlInteger(1.5))).toEqual({
      message: 'Not a safe integer for an analytics query: 1.5',
      issues: [{ pointer: '#', detail: 'must be a safe integer' }],
    });
  });

  it('a 64-bit bound outside [0, 2^64)', () => {
    expect(refusal(() => sqlUInt64(1n << 64n))).toEqual({
      message: 'Not an unsigned 64-bit integer for an analytics query: 18446744073709551616',
      issues: [{ pointer: '#', detail: 'must be in [0, 2^64)' }],
    });
  });
});
