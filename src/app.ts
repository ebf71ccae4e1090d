import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs/promises';
import type { Config } from './config.ts';
import type { EventStore } from './event-store/event-store.ts';
import { createKurrentDbEventStore } from './event-store/kurrentdb-event-store.ts';
import { createPgliteDriver } from './event-store/pglite-driver.ts';
import { createPostgresDriver } from './event-store/postgres-driver.ts';
import { createSqlEventStore } from './event-store/sql-event-store.ts';
import { createAdminApp } from './http/admin-app.ts';
import { sha256 } from './shared/tokens.ts';
import { bootstrap } from './write/bootstrap.ts';
import { WriteModel } from './write/write-model.ts';

export interface Flagstaff {
  readonly url: string;
  readonly store: EventStore;
  /** Set only on the first start without a configured token: show it once. */
  readonly newAdminToken: string | undefined;
  close(): Promise<void>;
}

/** The composition root: the only place that picks concrete adapters and wires them together. */
export async function openEventStore(config: Config['eventStore']): Promise<EventStore> {
  switch (config.kind) {
    case 'pglite':
      await fs.mkdir(config.dataDir, { recursive: true });
      return createSqlEventStore(await createPgliteDriver(config.dataDir));
    case 'postgres':
      return createSqlEventStore(await createPostgresDriver(config.url), { schema: config.schema });
    case 'eventstoredb':
      return createKurrentDbEventStore(config.url);
  }
}

export async function startFlagstaff(config: Config, options: { store?: EventStore } = {}): Promise<Flagstaff> {
  const store = options.store ?? (await openEventStore(config.eventStore));
  const model = new WriteModel(store);
  const { newAdminToken } = await bootstrap(store, model, { adminTokenConfigured: config.adminToken !== undefined });
  const app = createAdminApp({
    store,
    model,
    bootstrapTokenHash: config.adminToken === undefined ? undefined : sha256(config.adminToken),
    bodyLimit: config.bodyLimit,
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  return {
    url: `http://${host}:${port}`,
    store,
    newAdminToken,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await store.close();
    },
  };
}
