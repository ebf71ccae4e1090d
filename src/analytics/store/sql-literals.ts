import { ValidationError } from '../../shared/errors.ts';

/**
 * The only way a value enters analysis SQL. ClickHouse 18.16 has no server-side query parameters, so values are
 * written into the SQL text; each one is first checked against a strict pattern (which already rules out quotes,
 * backslashes and whitespace), then escaped anyway, so neither step alone has to be perfect.
 */
export const LITERAL_PATTERNS = {
  /** Experiment keys and variant names (the key pattern of src/shared/keys.ts). */
  key: /^[a-z0-9][a-z0-9._-]{0,127}$/,
  /** Metric event names, as `POST /api/v1/events` accepts them. */
  eventName: /^[A-Za-z0-9_.:-]{1,128}$/,
  /** Database names and other identifiers. */
  identifier: /^[A-Za-z_][A-Za-z0-9_]{0,63}$/,
} as const;

export type LiteralKind = keyof typeof LITERAL_PATTERNS;
export type SqlDialectName = 'clickhouse' | 'duckdb';

function checked(value: string, kind: LiteralKind): string {
  if (typeof value !== 'string' || !LITERAL_PATTERNS[kind].test(value)) {
    throw new ValidationError(`Not a valid ${kind} for an analytics query: ${JSON.stringify(String(value)).slice(0, 80)}`, [
      { pointer: '#', detail: `must match ${LITERAL_PATTERNS[kind].source}` },
    ]);
  }
  return value;
}

/** A checked value as a quoted SQL string literal: what the analysis SQL uses for every string. */
export function sqlString(value: string, kind: LiteralKind, dialect: SqlDialectName): string {
  return quoteString(checked(value, kind), dialect);
}

/**
 * Any string as a quoted literal. ClickHouse reads backslash escapes inside quotes, so `\` and `'` get a backslash;
 * DuckDB follows standard SQL (a backslash is an ordinary character) and doubles the quote.
 */
export function quoteString(value: string, dialect: SqlDialectName): string {
  return dialect === 'clickhouse' ? `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'` : `'${value.replace(/'/g, "''")}'`;
}

/** A quoted identifier (database name): backquotes in ClickHouse, double quotes in DuckDB. */
export function sqlIdentifier(value: string, dialect: SqlDialectName): string {
  const safe = checked(value, 'identifier');
  return dialect === 'clickhouse' ? `\`${safe}\`` : `"${safe}"`;
}

/** An integer literal (milliseconds, counts, millionths); anything but a safe integer is refused. */
export function sqlInteger(value: number): string {
  if (!Number.isSafeInteger(value)) {
    throw new ValidationError(`Not a safe integer for an analytics query: ${String(value)}`, [{ pointer: '#', detail: 'must be a safe integer' }]);
  }
  // String(-0) is "0"; the explicit form keeps "1e21"-style output impossible (safe integers never print so).
  return String(value);
}

/** An unsigned 64-bit literal (hash-range bounds), from a bigint in [0, 2^64). */
export function sqlUInt64(value: bigint): string {
  if (typeof value !== 'bigint' || value < 0n || value >= 1n << 64n) {
    throw new ValidationError(`Not an unsigned 64-bit integer for an analytics query: ${String(value)}`, [{ pointer: '#', detail: 'must be in [0, 2^64)' }]);
  }
  return value.toString();
}
