import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { request } from '../support/flagstaff.ts';

const root = path.resolve(import.meta.dirname, '../..');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

/** Runs `npm start` as a user would, on the embedded defaults, and waits for it to listen. */
async function npmStart(dataDir: string, port: number, waitFor = '"msg":"listening"'): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn('npm', ['start'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', FLAGSTAFF_DATA_DIR: dataDir, FLAGSTAFF_ADMIN_TOKEN: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  // No deadline of its own: a start that hangs is caught by the test's timeout, which is far above a start's time.
  while (!output.includes(waitFor)) {
    if (child.exitCode !== null) throw new Error(`npm start exited: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, output: () => output };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid!, 'SIGTERM');
  await exited;
}

describe('npm start on the embedded defaults', () => {
  it('serves /health and the admin API on PGlite, prints the first admin token once, and keeps data across a restart', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'flagstaff-restart-'));
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const base = `http://127.0.0.1:${port}`;

    const first = await npmStart(dataDir, port, 'fs_admin_');
    const token = /fs_admin_[\w-]+/.exec(first.output())?.[0];
    expect(token).toBeDefined();
    const health = await request(base, 'GET', '/health', { token: null });
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    const created = await request(base, 'POST', '/admin/flags', { token: token!, body: { key: 'survivor', description: 'outlives a restart' } });
    expect(created.status).toBe(201);
    await stop(first.child);

    const second = await npmStart(dataDir, port);
    expect(second.output()).not.toMatch(/fs_admin_/); // shown only at the first start
    const read = await request(base, 'GET', '/admin/flags/survivor', { token: token! });
    expect(read.status).toBe(200);
    expect(read.body.description).toBe('outlives a restart');
    expect((await fs.readdir(path.join(dataDir, 'eventstore'))).length).toBeGreaterThan(0);
    await stop(second.child);
    await fs.rm(dataDir, { recursive: true, force: true });
  }, 600_000);
});
