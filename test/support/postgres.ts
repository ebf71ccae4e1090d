import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import type { EventStore } from '../../src/event-store/event-store.ts';
import { createPostgresDriver } from '../../src/event-store/postgres-driver.ts';
import { createSqlEventStore } from '../../src/event-store/sql-event-store.ts';
import { startTestServer, type TestServer } from './flagstaff.ts';

/** The real PostgreSQL the end-to-end tests use (infra/up.sh makes sure it runs). */
export function testDatabaseUrl(): string {
  return process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
}

/** An event store in a schema of the test's own on the real PostgreSQL; each call is a connection of its own. */
export async function postgresStore(schema: string): Promise<EventStore> {
  return createSqlEventStore(await createPostgresDriver(testDatabaseUrl()), { schema });
}

/** Removes what a test left in its schema. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * Two servers on one fresh schema of the real PostgreSQL, for the length of a test file: two processes in effect,
 * each with its own write model and read projection following the shared log.
 */
export function serversSharingPostgres(schema: string): { readonly first: TestServer; readonly second: TestServer } {
  const servers: TestServer[] = [];
  beforeAll(async () => {
    servers.push(await startTestServer({ store: await postgresStore(schema) }));
    servers.push(await startTestServer({ store: await postgresStore(schema) }));
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    await dropSchema(schema);
  });
  return {
    get first() {
      return servers[0]!;
    },
    get second() {
      return servers[1]!;
    },
  };
}
