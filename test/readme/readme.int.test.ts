import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.ts';
import { request } from '../support/flagstaff.ts';
import { freePort } from '../sdk/sdk-fixtures.ts';
import { containsOutput, endsWithAnswer, isAnswer, readmeBlocks, shellSteps, typescriptAnswers, type ReadmeBlock } from './readme-blocks.ts';

/**
 * README.md, pasted top to bottom by a newcomer: every code block runs, in order, against a Flagstaff started with
 * the README's own start command, and every documented answer (`# → …`, `// → …`) must be what came back. The
 * conventions for answers and for blocks that cannot run here are in ./readme-blocks.ts.
 *
 * What the test rewrites before running a block, and nothing else:
 * - `localhost:8080` → the port of the server this test started;
 * - `fs_admin_…` → the admin token that server printed at its first start;
 * - `npx flagstaff` → `node bin/flagstaff.js` of this checkout (what npx runs from the repository);
 * - in TypeScript, `flagstaff/sdk` and `flagstaff/openfeature` → the SDK's sources in this checkout.
 * Shell blocks run with bash (`set -euo pipefail`; curl fails on an HTTP error, so a refused request fails the
 * block), each in the same working directory with the exported variables of the blocks before it, as in one
 * terminal. TypeScript blocks run with tsx and see those variables too.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const HANG = 120_000; // only catches a hang; nothing here waits for time to pass
/** Starting (tsx compiling the server) and stopping (a graceful shutdown) on a loaded two-core machine. */
const HOOK = 300_000;
/** How long an until-answered block may keep not matching: a bound for a hang, far above what the pipeline takes. */
const UNTIL_ANSWERED = 300_000;

let server: ChildProcess;
let serverOutput = '';
let port: number;
let token: string;
let workdir: string;
let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  workdir = mkdtempSync(path.join(tmpdir(), 'flagstaff-readme-'));
  dataDir = mkdtempSync(path.join(tmpdir(), 'flagstaff-readme-data-'));
  port = await freePort();
  // The README's start command on the embedded defaults: nothing of the machine's FLAGSTAFF_* configuration, and no
  // FLAGSTAFF_ADMIN_TOKEN, so the first start prints a token as the README shows. `--ignore-scripts` skips only
  // `prestart` (building the web app, which no block needs); `npm start` still runs the start script.
  const serverEnv = cleanEnvironment({ PORT: String(port), HOST: '127.0.0.1', FLAGSTAFF_DATA_DIR: dataDir, FLAGSTAFF_LOG_LEVEL: 'warn' });
  server = spawn('npm', ['start', '--ignore-scripts'], { cwd: ROOT, env: serverEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  token = await new Promise<string>((resolve, reject) => {
    const seen = (chunk: Buffer): void => {
      serverOutput += chunk.toString();
      const printed = /\bfs_admin_[A-Za-z0-9_-]+/.exec(serverOutput);
      if (printed) resolve(printed[0]);
    };
    server.stdout!.on('data', seen);
    server.stderr!.on('data', seen);
    server.once('exit', (code) => reject(new Error(`npm start exited (${code}) before printing an admin token:\n${serverOutput}`)));
  });
  await eventually(async () => expect((await request(`http://127.0.0.1:${port}`, 'GET', '/health', { token: null })).status).toBe(200), HANG);
  env = cleanEnvironment({});
}, HOOK);

afterAll(async () => {
  if (server?.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    process.kill(-server.pid!, 'SIGTERM'); // the group: npm and the server it started
    await exited;
    // The server's own exit, not npm's: its files are in use until it has stopped listening and saved.
    await eventually(() => expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow(), HANG);
  }
  rmSync(workdir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true, maxRetries: 10 });
}, HOOK);

describe('README.md, pasted top to bottom', () => {
  it('runs every code block in order and gets every documented answer', { timeout: 900_000 }, async () => {
    const blocks = readmeBlocks(README);
    const checked = new Set<string>();
    for (const block of blocks) {
      const marker = block.marker;
      if (marker?.type === 'not-run') {
        const check = CHECKS[marker.id];
        if (check === undefined) throw new Error(`README line ${block.line}: not-run "${marker.id}" names no check in this test`);
        await check(block);
        checked.add(marker.id);
      } else if (block.kind === 'output') {
        throw new Error(`README line ${block.line}: an output block must say how it is checked (<!-- readme-test: not-run <id>: <reason> -->)`);
      } else {
        const run = block.kind === 'shell' ? runShellBlock : runTypeScriptBlock;
        env = marker?.type === 'until-answered' ? await eventually(() => run(block, env), UNTIL_ANSWERED, 200) : await run(block, env);
      }
    }
    expect(Object.keys(CHECKS).filter((id) => !checked.has(id)), 'checks whose block is gone from the README').toEqual([]);
    expect(blocks.filter((b) => b.marker?.type !== 'not-run').length, 'blocks actually run').toBeGreaterThan(10);
  });
});

/** The blocks a test cannot run as written, each checked another way. */
const CHECKS: Record<string, (block: ReadmeBlock) => Promise<void>> = {
  // Runs in the foreground forever: this test started the server with exactly this command (less `npm install`,
  // which the checkout running the test has done), and every block below runs against it.
  'npm-start': async (block) => {
    expect(block.code).toBe('npm install && npm start');
    const scripts = packageScripts(ROOT);
    expect(scripts['start'], 'the start script the README relies on').toMatch(/src\/root\/main\.ts/);
    expect((await request(`http://127.0.0.1:${port}`, 'GET', '/health', { token: null })).body).toMatchObject({ status: 'ok' });
  },
  // The whole suite, this test included: CI runs exactly this command (.ci/run).
  'npm-test': async (block) => {
    expect(block.code).toBe('npm install && npm test');
    const ci = readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8');
    expect(ci).toMatch(/^set -euo pipefail$/m); // so the two lines chain as && does
    const npm = ci.split('\n').filter((line) => /^\s*npm\b/.test(line)).map((line) => line.trim().replace(/\s+--\S+/g, ''));
    expect(npm).toEqual(['npm install', 'npm test']);
  },
  // Output of the first start: the server this test started printed it.
  'first-start-banner': async (block) => {
    expect(containsOutput(serverOutput, block.code), `the first start printed:\n${serverOutput}`).toBe(true);
  },
  // Builds and test runs of their own (each minutes long, and part of `npm test`) and a dev server that never
  // exits: checked to name scripts, workspaces and folders that exist.
  'web-commands': async (block) => {
    const commands = block.code.split('\n').map((line) => line.replace(/#.*$/, '').trim()).filter(Boolean);
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      const npmRun = /^npm run (\S+)/.exec(command);
      const workspaceRun = /(?:^|\s)npm --workspace (\S+) run (\S+)/.exec(command);
      const vitest = /^npx vitest run (\S+)$/.exec(command);
      if (npmRun) expect(packageScripts(ROOT)[npmRun[1]!], command).toBeDefined();
      else if (workspaceRun) expect(packageScripts(path.join(ROOT, workspaceRun[1]!))[workspaceRun[2]!], command).toBeDefined();
      else if (vitest) expect(readdirSync(path.join(ROOT, vitest[1]!)).some((file) => file.endsWith('.test.ts')), command).toBe(true);
      else throw new Error(`README line ${block.line}: no way to check "${command}"`);
    }
  },
  // A stream never ends by itself: run it as a user would, and interrupt it once it has shown its first frame.
  'sse-stream': async (block) => {
    const printed = await runShellUntil(rewriteShell(block.code), env, (output) => /^id: \d+\nevent: snapshot\ndata: \{.*\}\n\n/m.test(output));
    expect(printed).toMatch(/^event: snapshot$/m);
  },
  // The last frame of a revoked key's stream: revoke a key of its own (the README's stays in use) while streaming.
  'sse-end-frame': async (block) => {
    const base = `http://127.0.0.1:${port}`;
    const created = await request(base, 'POST', '/admin/api-keys', { token, body: { environment: 'production', kind: 'server' } });
    expect(created.status).toBe(201);
    const stream = await fetch(`${base}/api/v1/stream`, { headers: { authorization: `Bearer ${created.body.key}` } });
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let frames = '';
    while (!frames.includes('event: snapshot')) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error(`the stream ended before its first frame:\n${frames}`);
      frames += decoder.decode(chunk.value, { stream: true });
    }
    expect((await request(base, 'DELETE', `/admin/api-keys/${created.body.id}`, { token })).status).toBeLessThan(300);
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) frames += decoder.decode(chunk.value, { stream: true });
    expect(containsOutput(frames, block.code), `the stream ended with:\n${frames.slice(-500)}`).toBe(true);
  },
  // The layout: every path it lists exists.
  layout: async (block) => {
    const paths = block.code.split('\n').map((line) => line.split(/\s+/)[0]!).filter(Boolean);
    expect(paths.length).toBeGreaterThan(5);
    for (const listed of paths) expect(existsSync(path.join(ROOT, listed)), listed).toBe(true);
  },
};

async function runShellBlock(block: ReadmeBlock, before: Record<string, string>): Promise<Record<string, string>> {
  let current = before;
  for (const step of shellSteps(block)) {
    const { stdout, env: after } = await runShell(rewriteShell(step.code), current, `README line ${block.line}`);
    if (step.answer !== undefined && !endsWithAnswer(stdout, step.answer)) {
      throw new Error(`README line ${step.line}: documented answer\n  ${step.answer}\nbut the commands printed\n  ${stdout.trim()}`);
    }
    current = after;
  }
  return current;
}

async function runTypeScriptBlock(block: ReadmeBlock, before: Record<string, string>): Promise<Record<string, string>> {
  const code = block.code
    .replaceAll("'flagstaff/sdk'", `'${path.join(ROOT, 'src/sdk/index.ts')}'`)
    .replaceAll("'flagstaff/openfeature'", `'${path.join(ROOT, 'src/sdk/openfeature-provider.ts')}'`)
    .replaceAll('localhost:8080', `127.0.0.1:${port}`);
  refuseLeftPlaceholders(code, block.line, '//');
  // Inside the checkout, so that the block's imports resolve as in an application that installed Flagstaff.
  const dir = path.join(ROOT, 'test-artifacts', 'readme');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `block-${block.line}.ts`);
  writeFileSync(file, code);
  try {
    const { stdout } = await exec(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, env: before }, `README line ${block.line}`);
    const printed = stdout.split('\n').filter((line) => line.trim() !== '');
    const answers = typescriptAnswers(block);
    expect(printed.length, `README line ${block.line}: one printed line per documented answer, printed:\n${stdout}`).toBe(answers.length);
    answers.forEach(({ answer, line }, i) => {
      if (!isAnswer(printed[i]!, answer)) throw new Error(`README line ${line}: documented answer\n  ${answer}\nbut the program printed\n  ${printed[i]}`);
    });
  } finally {
    rmSync(file, { force: true });
  }
  return before;
}

function rewriteShell(code: string): string {
  const rewritten = code
    .replaceAll('localhost:8080', `127.0.0.1:${port}`)
    .replaceAll('fs_admin_…', token)
    .replaceAll('npx flagstaff', `node ${path.join(ROOT, 'bin/flagstaff.js')}`);
  refuseLeftPlaceholders(rewritten, undefined, '#');
  return rewritten;
}

/** A `…` left in code (not in a comment) is a placeholder this test cannot fill: the README must not have one. */
function refuseLeftPlaceholders(code: string, line: number | undefined, comment: string): void {
  const left = code.split('\n').find((l) => l.split(comment)[0]!.includes('…'));
  if (left !== undefined) throw new Error(`README${line === undefined ? '' : ` line ${line}`}: a placeholder nobody can paste: ${left.trim()}`);
}

const PRELUDE = 'set -euo pipefail\ncurl() { command curl --fail-with-body "$@"; }\n';

async function runShell(code: string, before: Record<string, string>, where: string): Promise<{ stdout: string; env: Record<string, string> }> {
  const envFile = path.join(workdir, '.readme-test-env');
  const { stdout } = await exec('bash', ['-c', `${PRELUDE}${code}\nenv -0 > '${envFile}'\n`], { cwd: workdir, env: before }, where);
  const after: Record<string, string> = {};
  for (const entry of readFileSync(envFile, 'utf8').split('\0')) {
    const at = entry.indexOf('=');
    if (at > 0) after[entry.slice(0, at)] = entry.slice(at + 1);
  }
  for (const shellOwn of ['_', 'SHLVL', 'PWD', 'OLDPWD']) delete after[shellOwn];
  rmSync(envFile);
  return { stdout, env: after };
}

/** Runs shell code in a process group of its own until what it printed satisfies `done`, then interrupts it. */
function runShellUntil(code: string, before: Record<string, string>, done: (output: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `${PRELUDE}${code}`], { cwd: workdir, env: before, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let finished = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (!finished && done(output)) {
        finished = true;
        process.kill(-child.pid!, 'SIGINT');
        resolve(output);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    child.once('exit', (code) => {
      if (!finished) reject(new Error(`exited (${code}) before printing what was expected:\n${output}`));
    });
  });
}

function exec(file: string, args: string[], options: { cwd: string; env: Record<string, string> }, where: string): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { ...options, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${where}: failed (${error.code ?? error.signal})\nstdout:\n${stdout}\nstderr:\n${stderr}`)) : resolve({ stdout }),
    ),
  );
}

/** The machine's environment without Flagstaff's configuration: what a newcomer's shell has. */
function cleanEnvironment(extra: Record<string, string>): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || /^(FLAGSTAFF_|DATABASE_URL$|EVENTSTORE_URL$|KAFKA_|CLICKHOUSE_|PORT$|HOST$|TOKEN$|SDK_KEY$|NODE_OPTIONS$|VITEST)/.test(name)) continue;
    clean[name] = value;
  }
  return { ...clean, ...extra };
}

function packageScripts(dir: string): Record<string, string> {
  return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
}
