import pg from 'pg';
import { createPostgresDriver } from '../../src/event-store/postgres-driver.ts';
import { createSqlEventStore } from '../../src/event-store/sql-event-store.ts';
import { eventStoreContract } from './event-store-contract.ts';
import { testDatabaseUrl } from '../support/postgres.ts';

eventStoreContract(
  'PostgreSQL (real server)',
  async () => {
    // Each test owns a fresh schema, dropped afterwards.
    const schema = `contract_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const url = testDatabaseUrl();
    return {
      store: await createSqlEventStore(await createPostgresDriver(url), { schema }),
      connectAgain: async () => createSqlEventStore(await createPostgresDriver(url), { schema }),
      cleanup: async () => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await client.end();
      },
    };
  },
  { gapFree: true, multiConnection: true },
);
