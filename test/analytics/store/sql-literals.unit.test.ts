import { describe, expect, it } from 'vitest';
import { quoteString, sqlIdentifier, sqlInteger, sqlString, sqlUInt64 } from '../../../src/analytics/store/sql-literals.ts';
import { ValidationError } from '../../../src/shared/errors.ts';

describe('sqlString: the one way a value enters analysis SQL', () => {
  it('quotes values that match their pattern', () => {
    expect(sqlString('checkout-test', 'key', 'clickhouse')).toBe("'checkout-test'");
    expect(sqlString('v1.2_b', 'key', 'duckdb')).toBe("'v1.2_b'");
    expect(sqlString('Checkout:Completed.v2', 'eventName', 'clickhouse')).toBe("'Checkout:Completed.v2'");
  });

  it.each([
    ["checkout' OR 1=1 --", 'key'],
    ["x'; DROP TABLE exposures; --", 'key'],
    ['x\\', 'key'],
    ["treatment\\' OR 1=1 --", 'key'],
    ['Upper', 'key'],
    ['', 'key'],
    ['-leading-dash', 'key'],
    ['a'.repeat(129), 'key'],
    ["purchase' OR 1=1 --", 'eventName'],
    ['purchase\nSELECT 1', 'eventName'],
    ['purchase ', 'eventName'],
    ['pur"chase', 'eventName'],
    ['pur`chase', 'eventName'],
    ['', 'eventName'],
    ['e'.repeat(129), 'eventName'],
    ['achât', 'eventName'],
  ] as const)('refuses %j as a %s in either dialect', (value, kind) => {
    expect(() => sqlString(value, kind, 'clickhouse')).toThrow(ValidationError);
    expect(() => sqlString(value, kind, 'duckdb')).toThrow(ValidationError);
  });

  it('refuses what is not a string at all', () => {
    expect(() => sqlString(42 as unknown as string, 'key', 'clickhouse')).toThrow(ValidationError);
    expect(() => sqlString(undefined as unknown as string, 'eventName', 'duckdb')).toThrow(ValidationError);
  });
});

describe('quoteString: escaping, behind the pattern check', () => {
  it('escapes backslash and quote with a backslash for ClickHouse', () => {
    expect(quoteString("' OR 1=1 --", 'clickhouse')).toBe("'\\' OR 1=1 --'");
    expect(quoteString("\\' OR 1=1 --", 'clickhouse')).toBe("'\\\\\\' OR 1=1 --'");
    expect(quoteString('x\\', 'clickhouse')).toBe("'x\\\\'");
  });

  it('doubles quotes and leaves backslashes alone for DuckDB (standard SQL)', () => {
    expect(quoteString("' OR 1=1 --", 'duckdb')).toBe("''' OR 1=1 --'");
    expect(quoteString("\\' OR 1=1 --", 'duckdb')).toBe("'\\'' OR 1=1 --'");
  });

  it('never lets a quote end the literal early: every quote inside is escaped', () => {
    for (const value of ["'", "''", "\\'", "\\\\'", "a'b\\'c\\\\'d", "'\\"]) {
      const ch = quoteString(value, 'clickhouse').slice(1, -1);
      // Scanning as ClickHouse does: a backslash takes the next character; an unescaped quote would end the string.
      for (let i = 0; i < ch.length; i++) {
        if (ch[i] === '\\') i++;
        else expect(ch[i]).not.toBe("'");
      }
      expect(quoteString(value, 'duckdb').slice(1, -1).replaceAll("''", '')).not.toContain("'");
    }
  });
});

describe('sqlIdentifier, sqlInteger and sqlUInt64', () => {
  it('quotes plain identifiers and refuses anything else', () => {
    expect(sqlIdentifier('analytics_1', 'clickhouse')).toBe('`analytics_1`');
    expect(sqlIdentifier('analytics_1', 'duckdb')).toBe('"analytics_1"');
    for (const bad of ['a`b', 'a"b', 'x; DROP DATABASE default', '1abc', '', 'a-b', 'a.b']) {
      expect(() => sqlIdentifier(bad, 'clickhouse')).toThrow(ValidationError);
    }
  });

  it('writes safe integers only', () => {
    expect(sqlInteger(1767225600000)).toBe('1767225600000');
    expect(sqlInteger(-5)).toBe('-5');
    for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '1 OR 1=1' as unknown as number]) {
      expect(() => sqlInteger(bad)).toThrow(ValidationError);
    }
  });

  it('writes unsigned 64-bit bounds from bigints only', () => {
    expect(sqlUInt64(0n)).toBe('0');
    expect(sqlUInt64((1n << 64n) - 1n)).toBe('18446744073709551615');
    for (const bad of [-1n, 1n << 64n, 5 as unknown as bigint]) expect(() => sqlUInt64(bad)).toThrow(ValidationError);
  });
});
