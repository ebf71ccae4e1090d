import { execFile, spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { commandMeasurements, summarize } from './cli-startup/summary.ts';
import { machine, type BenchReport, type Measurement } from './harness.ts';
import { startChildServer } from './read-api/child-server.ts';
import type { ServerReady } from './read-api/flagstaff-server.ts';

/**
 * How long a `flagstaff` command takes, as a user waits for it: a new Node process running bin/flagstaff.js (the
 * build in dist/) to its exit. Measured: `--help` (no request) and `flags list` against a running server seeded
 * with 50 flags (one request, a table printed). Baseline of the same run: `node -e 0`, Node's own start and exit,
 * which no command can beat. Runs are interleaved (baseline, help, list, baseline, …) so that a change in the
 * machine's load touches all three alike. Target: a command answers in under a second.
 */
const RUNS = Number(process.env['BENCH_CLI_RUNS'] ?? 30);
const WARMUP = 3;

const repoRoot = path.resolve(import.meta.dirname, '..');
const BIN = path.join(repoRoot, 'bin/flagstaff.js');

/** Wall time of one process from spawn to exit, in milliseconds; a failed command fails the benchmark. */
function timed(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code === 0) resolve(ms);
      else reject(new Error(`node ${args.join(' ')} exited with ${code}: ${stderr.slice(0, 500)}`));
    });
  });
}

/** The build the CLI runs: brought up to date first (incremental, so quick when nothing changed). */
function build(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: repoRoot }, (error, stdout, stderr) =>
      error ? reject(new Error(`npm run build failed:\n${stdout}${stderr}`)) : resolve(),
    );
  });
}

export async function run(): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  await build();
  const server = await startChildServer<ServerReady>('flagstaff-server.ts', { env: { BENCH_FLAGS: '50', BENCH_SEGMENTS: '5' } });
  try {
    const env = { ...process.env, FLAGSTAFF_URL: server.ready.url, FLAGSTAFF_TOKEN: server.ready.adminToken };
    const commands = {
      baseline: ['-e', '0'],
      help: [BIN, '--help'],
      list: [BIN, 'flags', 'list'],
    } as const;
    const samples: Record<keyof typeof commands, number[]> = { baseline: [], help: [], list: [] };
    // The first runs fill the file cache and the server's first-request paths: not what a user waits for each time.
    for (let i = 0; i < WARMUP; i++) for (const args of Object.values(commands)) await timed(args, env);
    for (let i = 0; i < RUNS; i++) {
      for (const [name, args] of Object.entries(commands) as [keyof typeof commands, readonly string[]][]) samples[name].push(await timed(args, env));
    }
    const load = `1-minute load average ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} cores at the end`;
    const base = summarize(samples.baseline);
    const baseline: Measurement = { name: 'node -e 0 (Node starting and exiting), median', value: base.median, unit: 'ms', notes: `${base.runs} runs, p95 ${base.p95.toFixed(0)} ms; ${load}` };
    return {
      bench: 'cli-startup',
      startedAt,
      machine: machine(),
      measurements: [
        baseline,
        ...commandMeasurements('flagstaff --help', summarize(samples.help), baseline),
        ...commandMeasurements(`flagstaff flags list (${server.ready.flags} flags, a running server)`, summarize(samples.list), baseline),
      ],
    };
  } finally {
    await server.stop();
  }
}
