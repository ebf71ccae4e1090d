import { describe, expect, it } from 'vitest';
import { createInMemoryEventStore } from '../../src/event-store/in-memory-event-store.ts';
import type { EventStore } from '../../src/event-store/event-store.ts';
import { sha256 } from '../../src/shared/tokens.ts';
import { bootstrap } from '../../src/write/bootstrap.ts';
import { WriteModel } from '../../src/write/write-model.ts';
import { expectOneTokenFromTwentyBootstraps } from './twenty-bootstraps.ts';

const metadata = { actor: 'test', correlationId: 'c', timestamp: new Date().toISOString(), schemaVersion: 1 };

async function model(store: EventStore): Promise<WriteModel> {
  const writeModel = new WriteModel(store);
  await writeModel.refresh();
  return writeModel;
}

describe('bootstrap', () => {
  it('creates the default environments and one admin token on the first start, nothing on the next', async () => {
    const store = createInMemoryEventStore();
    const first = await bootstrap(store, { adminTokenConfigured: false });
    expect(first.newAdminToken).toMatch(/^fs_admin/);
    const after = await model(store);
    expect([...after.environments.keys()].sort()).toEqual(['development', 'production', 'staging']);
    expect(after.adminTokenByHash(sha256(first.newAdminToken!))).toMatchObject({ name: 'initial-admin', role: 'admin' });

    const head = await store.headPosition();
    expect(await bootstrap(store, { adminTokenConfigured: false })).toEqual({});
    expect(await store.headPosition()).toBe(head);
  });

  it('issues no token when one is configured', async () => {
    const store = createInMemoryEventStore();
    expect(await bootstrap(store, { adminTokenConfigured: true })).toEqual({});
    expect((await model(store)).adminTokens.size).toBe(0);
  });

  it('finds a token issued after more than a page of other events', async () => {
    const store = createInMemoryEventStore();
    await bootstrap(store, { adminTokenConfigured: true });
    for (let i = 0; i < 1_200; i++) await store.append(`other-${i}`, [{ type: 'Noise', data: {}, metadata }], { expectedVersion: 'any' });
    await store.append('admintoken-late', [{ type: 'AdminTokenIssued', data: { id: 'late', name: 'late', role: 'admin', tokenHash: sha256('x') }, metadata }], {
      expectedVersion: 'no_stream',
    });
    expect(await bootstrap(store, { adminTokenConfigured: false })).toEqual({});
  });

  it('run by several processes at once, creates each environment once', async () => {
    const store = createInMemoryEventStore();
    await Promise.all([1, 2, 3, 4].map(() => bootstrap(store, { adminTokenConfigured: true })));
    const events = await store.readAll();
    expect(events.filter((e) => e.type === 'EnvironmentCreated')).toHaveLength(3);
  });

  // The same on PGlite, whose start alone takes seconds, is in bootstrap.int.test.ts.
  it('run by twenty processes at once without a configured token, issues and prints exactly one admin token', async () => {
    await expectOneTokenFromTwentyBootstraps(createInMemoryEventStore());
  });
});
