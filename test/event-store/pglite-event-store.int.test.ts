import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDriver } from '../../src/event-store/pglite-driver.ts';
import type { SqlDriver } from '../../src/event-store/sql-driver.ts';
import { createSqlEventStore } from '../../src/event-store/sql-event-store.ts';
import { eventStoreContract } from './event-store-contract.ts';

// Starting PGlite takes a second or two, so the suite shares one instance and gives each test a fresh schema.
let driver: SqlDriver;
let schemas = 0;
beforeAll(async () => {
  driver = await createPgliteDriver();
});
afterAll(async () => driver.close());

eventStoreContract(
  'PGlite (embedded)',
  async () => {
    const shared: SqlDriver = { ...driver, close: async () => {} };
    return { store: await createSqlEventStore(shared, { schema: `contract_${++schemas}` }) };
  },
  { gapFree: true, multiConnection: false },
);

describe('PGlite driver', () => {
  it('keeps PostgreSQL shared buffers small, since they stay resident in the process', async () => {
    expect(await driver.query<{ shared_buffers: string }>('SHOW shared_buffers')).toEqual([{ shared_buffers: '16MB' }]);
  });
});
