import { ChangeBroadcast, startCatchUpSubscription } from './catch-up-subscription.ts';
import {
  EventStoreUnavailableError,
  VersionConflictError,
  checkExpectedVersion,
  isStorableStreamId,
  type AppendResult,
  type CheckpointStore,
  type EventStore,
  type ExpectedVersion,
  type JsonObject,
  type NewEvent,
  type ReadAllBackwardOptions,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
  type SubscribeOptions,
} from './event-store.ts';
import { VERSION_CONFLICT_SQLSTATE, type SqlDriver } from './sql-driver.ts';
import { migrate, notifyChannel } from './sql-migrations.ts';

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,40}$/;

interface EventRow {
  position: string | number;
  stream_id: string;
  version: number;
  type: string;
  data: JsonObject;
  metadata: JsonObject;
  recorded_at: Date;
}

/**
 * The event store on PostgreSQL's SQL, shared by the PGlite and `pg` drivers. Appends go through one stored
 * function (one round trip, see sql-migrations.ts); the unique (stream, version) constraint and the locked
 * head row make concurrent appends safe. Subscribers wake on NOTIFY, and on local appends at once.
 */
export async function createSqlEventStore(driver: SqlDriver, options: { schema?: string } = {}): Promise<EventStore> {
  const schema = options.schema ?? 'flagstaff';
  if (!SCHEMA_PATTERN.test(schema)) throw new Error(`Invalid schema name: ${schema}`);
  try {
    await migrate(driver, schema);
  } catch (error) {
    throw asStoreError(error);
  }

  const changes = new ChangeBroadcast();
  const unlisten = await driver.listen(notifyChannel(schema), () => changes.emit());
  const columns = 'position, stream_id, version, type, data, metadata, recorded_at';

  const query = async <Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> => {
    try {
      return await driver.query<Row>(sql, params);
    } catch (error) {
      throw asStoreError(error);
    }
  };

  const store: EventStore = {
    async append(streamId: string, events: readonly NewEvent[], { expectedVersion }: { expectedVersion: ExpectedVersion }) {
      if (events.length === 0) throw new Error('append needs at least one event');
      const expected = sqlExpectedVersion(expectedVersion);
      const payload = JSON.stringify(events.map((e) => ({ type: e.type, data: e.data, metadata: e.metadata ?? {} })));
      let rows: { next_version: number; last_position: string | number }[];
      try {
        rows = await driver.query(`SELECT * FROM ${schema}.append_events($1, $2, $3::json)`, [streamId, expected, payload]);
      } catch (error) {
        const conflict = versionConflict(error, streamId, expectedVersion);
        if (conflict) throw conflict;
        throw asStoreError(error);
      }
      changes.emit();
      const row = rows[0]!;
      return { nextExpectedVersion: Number(row.next_version), position: Number(row.last_position) } satisfies AppendResult;
    },

    async readStream(streamId: string, { fromVersion = 1, toVersion, toTime }: ReadStreamOptions = {}) {
      if (!isStorableStreamId(streamId)) return [];
      const rows = await query<EventRow>(
        `SELECT ${columns} FROM ${schema}.events
         WHERE stream_id = $1 AND version >= $2 AND ($3::integer IS NULL OR version <= $3)
           AND ($4::timestamptz IS NULL OR recorded_at <= $4)
         ORDER BY version`,
        [streamId, fromVersion, toVersion ?? null, toTime ?? null],
      );
      return rows.map(toStoredEvent);
    },

    async readAll({ after = 0, limit = 1_000 }: ReadAllOptions = {}) {
      const rows = await query<EventRow>(
        `SELECT ${columns} FROM ${schema}.events WHERE position > $1 ORDER BY position LIMIT $2`,
        [after, limit],
      );
      return rows.map(toStoredEvent);
    },

    async readAllBackward({ before, limit = 1_000 }: ReadAllBackwardOptions = {}) {
      const rows = await query<EventRow>(
        `SELECT ${columns} FROM ${schema}.events WHERE ($1::bigint IS NULL OR position < $1) ORDER BY position DESC LIMIT $2`,
        [before ?? null, limit],
      );
      return rows.map(toStoredEvent);
    },

    async headPosition() {
      const rows = await query<{ position: string | number }>(`SELECT position FROM ${schema}.head WHERE id = 1`);
      return Number(rows[0]?.position ?? 0);
    },

    subscribe(subscribeOptions: SubscribeOptions) {
      return startCatchUpSubscription(
        {
          readAll: (o) => store.readAll(o),
          headPosition: () => store.headPosition(),
          onChange: (listener) => changes.on(listener),
        },
        subscribeOptions,
      );
    },

    checkpointStore(name: string): CheckpointStore {
      return {
        async load() {
          const rows = await query<{ position: string | number }>(
            `SELECT position FROM ${schema}.checkpoints WHERE name = $1`,
            [name],
          );
          return rows[0] === undefined ? undefined : Number(rows[0].position);
        },
        async save(position: number) {
          await query(
            `INSERT INTO ${schema}.checkpoints (name, position, updated_at) VALUES ($1, $2, now())
             ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at`,
            [name, position],
          );
        },
      };
    },

    async close() {
      await unlisten();
      await driver.close();
    },
  };
  return store;
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    streamId: row.stream_id,
    version: Number(row.version),
    position: Number(row.position),
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at,
  };
}

/** append_events' p_expected (sql-migrations.ts): -1 any, -2 stream exists, 0 no stream, otherwise the exact version. */
export function sqlExpectedVersion(expected: ExpectedVersion): number {
  checkExpectedVersion(expected);
  if (expected === 'any') return -1;
  if (expected === 'stream_exists') return -2;
  if (expected === 'no_stream') return 0;
  return expected;
}

function versionConflict(error: unknown, streamId: string, expected: ExpectedVersion): VersionConflictError | undefined {
  const e = error as { code?: string; detail?: string };
  if (e?.code === VERSION_CONFLICT_SQLSTATE) return new VersionConflictError(streamId, expected, Number(e.detail));
  // Two first appends to a new stream can both pass the version check before either inserts its row.
  if (e?.code === '23505') return new VersionConflictError(streamId, expected, Number.NaN);
  return undefined;
}

function asStoreError(error: unknown): Error {
  if (error instanceof Error && isConnectionError(error)) {
    return new EventStoreUnavailableError(`event store unavailable: ${error.message}`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

function isConnectionError(error: Error): boolean {
  const code = (error as { code?: string }).code ?? '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P03', '08006', '08001', '08003'].includes(code) ||
    /Connection terminated|connect ECONNREFUSED|Client has encountered a connection error/.test(error.message)
  );
}
