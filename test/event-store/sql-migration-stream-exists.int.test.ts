import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VersionConflictError } from '../../src/event-store/event-store.ts';
import { createPgliteDriver } from '../../src/event-store/pglite-driver.ts';
import type { SqlDriver } from '../../src/event-store/sql-driver.ts';
import { createSqlEventStore, sqlExpectedVersion } from '../../src/event-store/sql-event-store.ts';
import { eventStoreMigrations } from '../../src/event-store/sql-migrations.ts';

// A database made by the first release (migration 1 only) is upgraded in place: migration 2 replaces
// append_events so that it knows stream_exists, and what was stored stays as it was.

let driver: SqlDriver;
beforeAll(async () => {
  driver = await createPgliteDriver();
});
afterAll(async () => driver.close());

describe('SQL event store migration 2 (stream_exists)', () => {
  it('upgrades a schema that has only migration 1, keeping its events, and then appends with stream_exists', async () => {
    const schema = 'upgraded';
    const [first] = eventStoreMigrations(schema);
    await driver.exec(`CREATE SCHEMA ${schema}`);
    await driver.exec(`CREATE TABLE ${schema}.migrations (id integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    await driver.exec(first!.sql);
    await driver.query(`INSERT INTO ${schema}.migrations (id) VALUES (1)`);
    // Written by the first release.
    await driver.query(`SELECT * FROM ${schema}.append_events($1, $2, $3::json)`, ['old', 0, JSON.stringify([{ type: 'A', data: {} }])]);

    const store = await createSqlEventStore({ ...driver, close: async () => {} }, { schema });
    expect((await driver.query<{ id: number }>(`SELECT id FROM ${schema}.migrations ORDER BY id`)).map((row) => Number(row.id))).toEqual([1, 2]);
    expect((await store.readStream('old')).map((e) => [e.type, e.version])).toEqual([['A', 1]]);
    expect((await store.append('old', [{ type: 'B', data: {} }], { expectedVersion: 'stream_exists' })).nextExpectedVersion).toBe(2);
    const missing = await store.append('new', [{ type: 'A', data: {} }], { expectedVersion: 'stream_exists' }).catch((e) => e);
    expect(missing).toBeInstanceOf(VersionConflictError);
    expect((missing as VersionConflictError).actual).toBe(0);
    // The codes migration 1 knew keep their meaning.
    expect((await store.append('new', [{ type: 'A', data: {} }], { expectedVersion: 'no_stream' })).nextExpectedVersion).toBe(1);
    expect((await store.append('new', [{ type: 'B', data: {} }], { expectedVersion: 1 })).nextExpectedVersion).toBe(2);
    expect((await store.append('new', [{ type: 'C', data: {} }], { expectedVersion: 'any' })).nextExpectedVersion).toBe(3);
    await expect(store.append('new', [{ type: 'D', data: {} }], { expectedVersion: 2 })).rejects.toBeInstanceOf(VersionConflictError);
    await store.close();
  });

  it('passes the stream states to append_events as its codes', () => {
    expect((['any', 'stream_exists', 'no_stream', 1, 42] as const).map(sqlExpectedVersion)).toEqual([-1, -2, 0, 1, 42]);
    expect(() => sqlExpectedVersion(0)).toThrow(RangeError);
  });
});
