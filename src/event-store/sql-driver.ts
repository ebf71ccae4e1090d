/**
 * The little a SQL event store needs from a PostgreSQL connection. PGlite (embedded) and `pg` (a server)
 * both implement it, so they share one SQL implementation (sql-event-store.ts).
 */
export interface SqlQueryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a script of several statements, without parameters. */
  exec(sql: string): Promise<void>;
}

export interface SqlDriver extends SqlQueryable {
  /** Runs `work` in one transaction on one connection. */
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /** LISTEN on a channel; the callback gets each NOTIFY payload. Returns the unlisten function. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Errors raised by our append function carry this SQLSTATE and the actual stream version in the message. */
export const VERSION_CONFLICT_SQLSTATE = 'FS409';
