import { describe, it } from 'vitest';
import { createPgliteDriver } from '../../src/event-store/pglite-driver.ts';
import { createSqlEventStore } from '../../src/event-store/sql-event-store.ts';
import { expectOneTokenFromTwentyBootstraps } from './twenty-bootstraps.ts';

// The SQL store's own conflict detection, on an embedded PostgreSQL (the unit test covers the in-memory store).
describe('bootstrap on PGlite', () => {
  it('run by twenty processes at once without a configured token, issues and prints exactly one admin token', async () => {
    const store = await createSqlEventStore(await createPgliteDriver());
    try {
      await expectOneTokenFromTwentyBootstraps(store);
    } finally {
      await store.close();
    }
  });
});
