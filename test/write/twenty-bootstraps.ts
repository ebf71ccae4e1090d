import { expect } from 'vitest';
import type { EventStore } from '../../src/event-store/event-store.ts';
import { sha256 } from '../../src/shared/tokens.ts';
import { bootstrap } from '../../src/write/bootstrap.ts';

/** Twenty processes bootstrap `store` at once without a configured token: exactly one issues and prints it. */
export async function expectOneTokenFromTwentyBootstraps(store: EventStore): Promise<void> {
  const results = await Promise.all(Array.from({ length: 20 }, () => bootstrap(store, { adminTokenConfigured: false })));
  const printed = results.flatMap((result) => (result.newAdminToken === undefined ? [] : [result.newAdminToken]));
  expect(printed).toHaveLength(1);
  const issued = (await store.readAll()).filter((e) => e.type === 'AdminTokenIssued');
  expect(issued).toHaveLength(1);
  expect(issued[0]!.data.tokenHash).toBe(sha256(printed[0]!));
}
