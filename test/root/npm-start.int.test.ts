import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.ts';
import { request } from '../support/flagstaff.ts';

// `npm start` as an operator runs it and as a supervisor stops it: SIGTERM to the process it started (npm's own
// pid, not its process group), on the embedded defaults, bound to every interface, first start without a token.

const root = path.resolve(import.meta.dirname, '../..');
type LogLine = Record<string, unknown> & { msg: string };

let npm: ChildProcess;
let dataDir: string;
let port: number;
let stdout = '';
let stderr = '';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return free;
}

/** Whether a process (or, given a negative pid, any process of that group) exists. */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** What the server wrote on stdout, after npm's own banner (`> flagstaff@… start` and the script): its lines. */
function serverLines(): string[] {
  const lines = stdout.split('\n');
  const script = lines.findIndex((line) => line.startsWith('> ') && line.includes('src/root/main.ts'));
  expect(script).toBeGreaterThanOrEqual(0);
  return lines.slice(script + 1).filter((line) => line.trim() !== '');
}

const logLines = (): LogLine[] => serverLines().map((line) => JSON.parse(line) as LogLine);
const connects = (to: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect(to, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'flagstaff-npm-start-'));
  port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '0.0.0.0',
    FLAGSTAFF_DATA_DIR: dataDir,
    FLAGSTAFF_EVENT_STORE: 'pglite',
    FLAGSTAFF_BUS: 'memory',
    FLAGSTAFF_ANALYTICS: 'duckdb',
    FLAGSTAFF_LOG_LEVEL: 'info',
  };
  delete env['FLAGSTAFF_ADMIN_TOKEN'];
  // A group of its own, so a failing test can still kill whatever is left (afterAll); the test itself signals npm alone.
  npm = spawn('npm', ['start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  npm.stdout!.on('data', (chunk) => (stdout += chunk));
  npm.stderr!.on('data', (chunk) => (stderr += chunk));
  // No deadline of its own: a start that hangs is caught by the hook's timeout, far above a start's time.
  const healthy = () => request(`http://127.0.0.1:${port}`, 'GET', '/health', { token: null }).then((r) => r.status === 200, () => false);
  // stdout and stderr are separate pipes: the token on stderr can arrive before the log line saying so on stdout.
  while (!(await healthy()) || !/fs_admin_/.test(stderr) || !/first start: an admin token was created/.test(stdout)) {
    if (npm.exitCode !== null) throw new Error(`npm start exited: ${stdout}\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

afterAll(async () => {
  if (npm?.pid && exists(-npm.pid)) process.kill(-npm.pid, 'SIGKILL');
  if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('logs JSON lines only on stdout, its banner naming the address it is bound to, and prints the first admin token on stderr alone', () => {
    const lines = logLines(); // throws on a line that is not JSON
    const listening = lines.find((l) => l.msg === 'listening');
    expect(listening).toMatchObject({ address: `0.0.0.0:${port}`, eventStore: 'pglite', bus: 'memory', analytics: 'duckdb', sink: 'main-thread', service: 'flagstaff' });
    expect(typeof listening!['pid']).toBe('number');
    expect(listening!['pid']).not.toBe(npm.pid); // the server runs under npm, as its child
    // The secret is for a person, once: readable on stderr, never in the log a collector ships.
    expect(stderr).toMatch(/First start: an admin token was created\. It is shown only this once; keep it safe:\n\n {2}fs_admin_[\w-]+\n/);
    expect(stdout).not.toMatch(/fs_admin_/);
    expect(lines.some((l) => l.msg.startsWith('first start: an admin token was created'))).toBe(true);
  });

  it('stops gracefully on SIGTERM to the process npm start started: the server is gone, its shutdown logged to a final "stopped"', async () => {
    const serverPid = logLines().find((l) => l.msg === 'listening')!['pid'] as number;
    expect(exists(serverPid)).toBe(true);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => npm.once('exit', (code, signal) => resolve({ code, signal })));
    process.kill(npm.pid!, 'SIGTERM');
    // npm waits for the server it handed the signal to, and exits with its code.
    expect(await exited).toEqual({ code: 0, signal: null });

    expect(await connects(port)).toBe(false);
    expect(exists(serverPid)).toBe(false);
    // Nothing of npm start's process group is left: no orphan node serving on. A helper process that exits on its
    // own once its parent is gone (a pipe closing) may take a moment: only one that stays fails.
    const group = (): string => (exists(-npm.pid!) ? execFileSync('ps', ['-o', 'pid,ppid,stat,args', '-g', String(npm.pid)]).toString() : '');
    await eventually(async () => expect(group()).toBe(''), 10_000);
    const lines = logLines();
    const shutdown = lines.slice(lines.findIndex((l) => l.msg === 'shutting down'));
    expect(shutdown[0]).toMatchObject({ msg: 'shutting down', signal: 'SIGTERM' });
    expect(shutdown.filter((l) => l.msg === 'part stopped').map((l) => l['part'])).toEqual([
      'bootstrap',
      'flag-usage-timer',
      'http',
      'scheduler',
      'exposures',
      'flag-usage',
      'read-model',
      'analytics',
      'event-store',
      'observability',
    ]);
    expect(shutdown.at(-1)).toMatchObject({ msg: 'stopped', signal: 'SIGTERM', exitCode: 0, level: 30 });
    expect(lines.filter((l) => (l['level'] as number) >= 50)).toEqual([]);
  });
});

describe('the server process on a configuration it cannot start with', () => {
  it('says so in one JSON line on stdout and exits 1', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/root/main.ts'], {
      cwd: root,
      env: { ...process.env, PORT: 'eighty', FLAGSTAFF_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    const lines = out.split('\n').filter(Boolean).map((line) => JSON.parse(line) as LogLine);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 60, msg: 'not started: invalid configuration', service: 'flagstaff' });
    expect(lines[0]!['err']).toContain('PORT');
  });
});
