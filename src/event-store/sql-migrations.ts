import type { SqlDriver } from './sql-driver.ts';

/**
 * Schema migrations for the SQL event store, applied in order, each once, under an advisory lock so that
 * several processes starting together do not race. Never edit a shipped migration: add a new one.
 */
export function eventStoreMigrations(schema: string): { id: number; sql: string }[] {
  const s = schema;
  const channel = notifyChannel(schema);
  return [
    {
      id: 1,
      sql: `
        CREATE TABLE ${s}.events (
          position     bigint      PRIMARY KEY,
          stream_id    text        NOT NULL,
          version      integer     NOT NULL,
          type         text        NOT NULL,
          -- json, not jsonb: jsonb reorders object keys, and payloads keep their order (variants are declared in order).
          data         json        NOT NULL,
          metadata     json        NOT NULL,
          recorded_at  timestamptz NOT NULL,
          CONSTRAINT events_stream_version_unique UNIQUE (stream_id, version)
        );
        CREATE INDEX events_recorded_at ON ${s}.events (recorded_at);
        CREATE TABLE ${s}.streams (
          stream_id text    PRIMARY KEY,
          version   integer NOT NULL
        );
        -- One row: the head of the global log. Appends lock it, which serialises commits in position order:
        -- positions are gap-free and a reader never sees position n+1 committed before n.
        CREATE TABLE ${s}.head (
          id               integer     PRIMARY KEY CHECK (id = 1),
          position         bigint      NOT NULL,
          last_recorded_at timestamptz NOT NULL
        );
        INSERT INTO ${s}.head VALUES (1, 0, 'epoch');
        CREATE TABLE ${s}.checkpoints (
          name       text        PRIMARY KEY,
          position   bigint      NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now()
        );
        -- Append in one round trip. p_expected: -1 any, otherwise the exact current version (0: no stream).
        CREATE FUNCTION ${s}.append_events(p_stream text, p_expected integer, p_events json)
        RETURNS TABLE (next_version integer, last_position bigint)
        LANGUAGE plpgsql AS $fn$
        DECLARE
          v_head bigint;
          v_last timestamptz;
          v_now timestamptz;
          v_current integer;
          v_count integer := json_array_length(p_events);
        BEGIN
          SELECT h.position, h.last_recorded_at INTO v_head, v_last FROM ${s}.head h WHERE h.id = 1 FOR UPDATE;
          SELECT st.version INTO v_current FROM ${s}.streams st WHERE st.stream_id = p_stream;
          v_current := coalesce(v_current, 0);
          IF p_expected <> -1 AND p_expected <> v_current THEN
            RAISE EXCEPTION 'version conflict on %', p_stream USING ERRCODE = 'FS409', DETAIL = v_current::text;
          END IF;
          -- Millisecond precision so the time round-trips through a JavaScript Date; never before the last commit.
          v_now := greatest(date_trunc('milliseconds', clock_timestamp()), v_last);
          INSERT INTO ${s}.events (position, stream_id, version, type, data, metadata, recorded_at)
          SELECT v_head + e.ord, p_stream, v_current + e.ord::integer, e.value->>'type', e.value->'data',
                 coalesce(e.value->'metadata', '{}'::json), v_now
          FROM json_array_elements(p_events) WITH ORDINALITY AS e(value, ord);
          INSERT INTO ${s}.streams AS st (stream_id, version) VALUES (p_stream, v_current + v_count)
            ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version;
          UPDATE ${s}.head SET position = v_head + v_count, last_recorded_at = v_now WHERE id = 1;
          PERFORM pg_notify('${channel}', (v_head + v_count)::text);
          RETURN QUERY SELECT v_current + v_count, v_head + v_count;
        END
        $fn$;
      `,
    },
    {
      id: 2,
      // The same append, with one more expectation: p_expected -2, the stream must exist (at any version). The
      // other codes keep their meaning, so a process still on migration 1's code appends as before.
      sql: `
        CREATE OR REPLACE FUNCTION ${s}.append_events(p_stream text, p_expected integer, p_events json)
        RETURNS TABLE (next_version integer, last_position bigint)
        LANGUAGE plpgsql AS $fn$
        DECLARE
          v_head bigint;
          v_last timestamptz;
          v_now timestamptz;
          v_current integer;
          v_count integer := json_array_length(p_events);
        BEGIN
          SELECT h.position, h.last_recorded_at INTO v_head, v_last FROM ${s}.head h WHERE h.id = 1 FOR UPDATE;
          SELECT st.version INTO v_current FROM ${s}.streams st WHERE st.stream_id = p_stream;
          v_current := coalesce(v_current, 0);
          -- p_expected: -1 any, -2 the stream exists, otherwise the exact current version (0: no stream).
          IF (p_expected = -2 AND v_current = 0) OR (p_expected NOT IN (-1, -2) AND p_expected <> v_current) THEN
            RAISE EXCEPTION 'version conflict on %', p_stream USING ERRCODE = 'FS409', DETAIL = v_current::text;
          END IF;
          -- Millisecond precision so the time round-trips through a JavaScript Date; never before the last commit.
          v_now := greatest(date_trunc('milliseconds', clock_timestamp()), v_last);
          INSERT INTO ${s}.events (position, stream_id, version, type, data, metadata, recorded_at)
          SELECT v_head + e.ord, p_stream, v_current + e.ord::integer, e.value->>'type', e.value->'data',
                 coalesce(e.value->'metadata', '{}'::json), v_now
          FROM json_array_elements(p_events) WITH ORDINALITY AS e(value, ord);
          INSERT INTO ${s}.streams AS st (stream_id, version) VALUES (p_stream, v_current + v_count)
            ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version;
          UPDATE ${s}.head SET position = v_head + v_count, last_recorded_at = v_now WHERE id = 1;
          PERFORM pg_notify('${channel}', (v_head + v_count)::text);
          RETURN QUERY SELECT v_current + v_count, v_head + v_count;
        END
        $fn$;
      `,
    },
  ];
}

export function notifyChannel(schema: string): string {
  return `flagstaff_events_${schema}`;
}

export async function migrate(driver: SqlDriver, schema: string): Promise<void> {
  await driver.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`flagstaff:${schema}`]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.migrations (id integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const applied = new Set(
      (await tx.query<{ id: number }>(`SELECT id FROM ${schema}.migrations`)).map((row) => Number(row.id)),
    );
    for (const migration of eventStoreMigrations(schema)) {
      if (applied.has(migration.id)) continue;
      await tx.exec(migration.sql);
      await tx.query(`INSERT INTO ${schema}.migrations (id) VALUES ($1)`, [migration.id]);
    }
  });
}
