import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { createPgliteDriver } from '../../src/event-store/pglite-driver.ts';
import { createSqlEventStore } from '../../src/event-store/sql-event-store.ts';
import { eventually } from '../support/eventually.ts';
import { request } from '../support/flagstaff.ts';

const root = path.resolve(import.meta.dirname, '../..');
const token = 'shutdown-admin-token-0123456789';
let child: ChildProcess | undefined;
let dataDir: string | undefined;

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
});

/** Flagstaff as `npm start` runs it (tsx, the embedded defaults), without npm in between so the signal reaches it. */
function startServer(port: number, dir: string): { process: ChildProcess; output: () => string } {
  const started = spawn(process.execPath, ['--import', 'tsx', 'src/root/main.ts'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', FLAGSTAFF_DATA_DIR: dir, FLAGSTAFF_ADMIN_TOKEN: token, FLAGSTAFF_LOG_LEVEL: 'warn' },
  });
  let output = '';
  started.stdout!.on('data', (chunk) => (output += chunk));
  started.stderr!.on('data', (chunk) => (output += chunk));
  return { process: started, output: () => output };
}

describe('SIGTERM under load', () => {
  it('loses no acknowledged event and no acknowledged command', async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'flagstaff-shutdown-'));
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const base = `http://127.0.0.1:${port}`;
    const server = startServer(port, dataDir);
    child = server.process;
    await eventually(async () => {
      if (child!.exitCode !== null) throw new Error(`Flagstaff exited: ${server.output()}`);
      expect((await request(base, 'GET', '/health', { token: null })).status).toBe(200);
    }, 60_000, 100);
    const admin = { token };
    const key = (await request(base, 'POST', '/admin/api-keys', { ...admin, body: { environment: 'production', kind: 'server' } })).body.key as string;
    expect((await request(base, 'POST', '/admin/flags', { ...admin, body: { key: 'busy' } })).status).toBe(201);

    const acknowledgedEvents = new Set<string>();
    const acknowledgedVersions: number[] = [];
    let stopped = false;
    const postEvents = async (worker: number): Promise<void> => {
      for (let batch = 0; !stopped; batch++) {
        const events = Array.from({ length: 200 }, (_, i) => ({ type: 'metric', eventId: `w${worker}-b${batch}-${i}`, name: 'purchase', unitId: `u-${i}`, value: 1, timestamp: new Date().toISOString() }));
        try {
          const response = await request(base, 'POST', '/api/v1/events', { token: null, headers: { authorization: `Bearer ${key}` }, body: { events } });
          if (response.status === 202) for (const e of events) acknowledgedEvents.add(e.eventId);
        } catch {
          return; // the server is gone: whatever was not acknowledged may or may not be stored
        }
      }
    };
    const toggle = async (): Promise<void> => {
      for (let i = 0; !stopped; i++) {
        try {
          const response = await request(base, 'POST', '/admin/flags/busy/environments/production/toggle', { ...admin, body: { enabled: i % 2 === 0 } });
          if (response.status === 200) acknowledgedVersions.push(Number(/\d+/.exec(response.headers.get('etag') ?? '')?.[0]));
        } catch {
          return;
        }
      }
    };
    const load = Promise.all([postEvents(1), postEvents(2), postEvents(3), toggle(), toggle()]);
    await eventually(async () => expect(acknowledgedEvents.size).toBeGreaterThan(2_000), 30_000);
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const code = await exited;
    stopped = true;
    await load;
    expect(code).toBe(0);
    expect(acknowledgedVersions.length).toBeGreaterThan(0);

    // Every acknowledged event is in the analytics store, once.
    const duck = await DuckDBInstance.create(path.join(dataDir, 'analytics', 'flagstaff.duckdb'));
    const connection = await duck.connect();
    try {
      const rows = (await (await connection.run('SELECT event_id FROM metric_events')).getRowObjects()) as { event_id: string }[];
      const stored = new Set(rows.map((r) => r.event_id));
      expect(stored.size).toBe(rows.length);
      const missing = [...acknowledgedEvents].filter((id) => !stored.has(id));
      expect(missing).toEqual([]);
    } finally {
      connection.closeSync();
      duck.closeSync();
    }

    // Every acknowledged command is in the log, at the version it answered with.
    const store = await createSqlEventStore(await createPgliteDriver(path.join(dataDir, 'eventstore')));
    try {
      const events = await store.readStream('flag-busy');
      expect(events.length).toBeGreaterThanOrEqual(Math.max(...acknowledgedVersions));
      for (const version of acknowledgedVersions) expect(events[version - 1]?.type).toMatch(/^Flag(Created|Toggled)$/);
    } finally {
      await store.close();
    }
  }, 180_000);
});
