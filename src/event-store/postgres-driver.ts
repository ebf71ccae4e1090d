import pg from 'pg';
import type { SqlDriver, SqlQueryable } from './sql-driver.ts';

/**
 * A PostgreSQL server through `pg`: a pool for queries and one dedicated connection for LISTEN, re-opened with
 * backoff if it drops (subscribers fall back to slow polling meanwhile, so nothing is missed, only delayed).
 */
export async function createPostgresDriver(connectionString: string, options: { max?: number } = {}): Promise<SqlDriver> {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10 });
  // A dropped idle connection emits 'error' on the pool; without a listener Node would crash the process.
  pool.on('error', () => {});
  const channels = new Map<string, Set<(payload: string) => void>>();
  let listener: pg.Client | undefined;
  let closed = false;
  let reconnectTimer: NodeJS.Timeout | undefined;

  const connectListener = async (): Promise<void> => {
    const client = new pg.Client({ connectionString });
    client.on('notification', (message) => {
      for (const callback of channels.get(message.channel) ?? []) callback(message.payload ?? '');
    });
    client.on('error', () => scheduleReconnect());
    client.on('end', () => scheduleReconnect());
    await client.connect();
    for (const channel of channels.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
    listener = client;
  };

  const scheduleReconnect = (delay = 500): void => {
    listener = undefined;
    if (closed || reconnectTimer) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connectListener().catch(() => scheduleReconnect(Math.min(delay * 2, 5_000)));
    }, delay);
    reconnectTimer.unref();
  };

  const wrap = (q: { query: pg.Pool['query'] | pg.PoolClient['query'] }): SqlQueryable => ({
    async query<Row>(sql: string, params: readonly unknown[] = []) {
      const result = await (q as pg.Pool).query(sql, params as unknown[]);
      return result.rows as Row[];
    },
    async exec(sql: string) {
      // No parameters: pg uses the simple query protocol, which accepts several statements.
      await (q as pg.Pool).query(sql);
    },
  });

  return {
    ...wrap(pool),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async listen(channel, onNotify) {
      let callbacks = channels.get(channel);
      if (!callbacks) {
        callbacks = new Set();
        channels.set(channel, callbacks);
        if (listener) await listener.query(`LISTEN ${quoteIdent(channel)}`);
      }
      callbacks.add(onNotify);
      if (!listener && !reconnectTimer) {
        try {
          await connectListener();
        } catch {
          scheduleReconnect();
        }
      }
      return async () => {
        callbacks.delete(onNotify);
      };
    },
    async close() {
      closed = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      const client = listener;
      listener = undefined;
      await client?.end().catch(() => {});
      await pool.end();
    },
  };
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
