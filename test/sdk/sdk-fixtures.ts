import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { createPgliteDriver } from '../../src/event-store/pglite-driver.ts';
import { createSqlEventStore } from '../../src/event-store/sql-event-store.ts';
import type { FlagstaffClientEvents } from '../../src/sdk/flagstaff-client.ts';
import type { FlagstaffClient } from '../../src/sdk/flagstaff-client.ts';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';

export async function createServerKey(server: TestServer, environment = 'production', kind: 'server' | 'client' = 'server'): Promise<string> {
  const created = await server.api('POST', '/admin/api-keys', { body: { environment, kind } });
  expect(created.status).toBe(201);
  return created.body.key as string;
}

export async function createFlag(server: TestServer, body: Record<string, unknown>): Promise<void> {
  const created = await server.api('POST', '/admin/flags', { body });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
}

/** Replaces a flag's targeting in an environment, with the If-Match the write side requires. */
export async function setTargeting(server: TestServer, flagKey: string, environment: string, targeting: Record<string, unknown>): Promise<void> {
  const etag = (await server.api('GET', `/admin/flags/${flagKey}`)).headers.get('etag')!;
  const put = await server.api('PUT', `/admin/flags/${flagKey}/environments/${environment}`, { body: targeting, headers: { 'if-match': etag } });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
}

export async function toggle(server: TestServer, flagKey: string, enabled: boolean, environment = 'production'): Promise<void> {
  const toggled = await server.api('POST', `/admin/flags/${flagKey}/environments/${environment}/toggle`, { body: { enabled } });
  expect(toggled.status, JSON.stringify(toggled.body)).toBe(200);
}

export async function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** A port nothing listens on (for the moment): where a server will be started later, or never. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The real app on a PGlite under `dataDir` and a fixed port: stopping it and starting another is a restart. */
export async function startOnDisk(dataDir: string, port: number): Promise<TestServer> {
  const store = await createSqlEventStore(await createPgliteDriver(dataDir));
  return startTestServer({ store, config: { port }, sseHeartbeatMs: 500 });
}

/** Collects a client's events, and waits for the next one of a kind that satisfies a predicate. */
export function recordEvents(client: FlagstaffClient): {
  readonly seen: { type: keyof FlagstaffClientEvents; payload: unknown }[];
  next<E extends keyof FlagstaffClientEvents>(type: E, predicate?: (payload: FlagstaffClientEvents[E]) => boolean, timeoutMs?: number): Promise<FlagstaffClientEvents[E]>;
} {
  const seen: { type: keyof FlagstaffClientEvents; payload: unknown }[] = [];
  const types: (keyof FlagstaffClientEvents)[] = ['ready', 'changed', 'stale', 'live', 'unauthorized', 'error'];
  for (const type of types) client.on(type, (payload) => seen.push({ type, payload }));
  return {
    seen,
    next(type, predicate = () => true, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          off();
          reject(new Error(`no ${String(type)} event in ${timeoutMs} ms; seen: ${seen.map((e) => e.type).join(', ')}`));
        }, timeoutMs);
        const off = client.on(type, (payload) => {
          if (!predicate(payload)) return;
          clearTimeout(timer);
          off();
          resolve(payload);
        });
      });
    },
  };
}
