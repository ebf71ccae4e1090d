import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
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

describe('PGlite driver on a directory', () => {
  it('creates a new directory apart, then opens it, and keeps what was written across reopening', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flagstaff-pglite-'));
    try {
      const first = await createSqlEventStore(await createPgliteDriver(path.join(dir, 'store')));
      await first.append('s-1', [{ type: 'A', data: {}, metadata: {} }], { expectedVersion: 'no_stream' });
      await first.close();
      const again = await createSqlEventStore(await createPgliteDriver(path.join(dir, 'store')));
      expect((await again.readStream('s-1')).map((e) => e.type)).toEqual(['A']);
      await again.close();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
