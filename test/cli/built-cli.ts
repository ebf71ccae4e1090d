import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ADMIN_TOKEN } from '../support/flagstaff.ts';

const root = path.resolve(import.meta.dirname, '../..');

/** The real binary, which runs the build in dist/ (bin/flagstaff.js). */
export const BIN = path.join(root, 'bin/flagstaff.js');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The binary as a user runs it: a child process, configured by FLAGSTAFF_URL and FLAGSTAFF_TOKEN. */
export function runCli(args: readonly string[], options: { url: string; cwd: string; token?: string }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: options.cwd, env: { ...process.env, FLAGSTAFF_URL: options.url, FLAGSTAFF_TOKEN: options.token ?? ADMIN_TOKEN }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let built: Promise<void> | undefined;

/**
 * Builds dist/ as `npm run build` does, so the tests run the CLI users run, from the sources under test. The
 * build is incremental (tsconfig.build.json keeps its state in dist/), so it costs little when nothing changed;
 * it runs once per test process, and one at a time across the processes vitest runs test files in.
 */
export function buildCli(): Promise<void> {
  built ??= withLock(() => tsc(['-p', 'tsconfig.build.json']));
  return built;
}

function tsc(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), ...args], { cwd: root, timeout: 300_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`npm run build failed:\n${stdout}${stderr}`)) : resolve(),
    );
  });
}

/** A lock directory per checkout (mkdir is atomic); one left by a killed run is taken over after 5 minutes. */
async function withLock(work: () => Promise<void>): Promise<void> {
  const lock = path.join(tmpdir(), `flagstaff-build-${createHash('sha256').update(root).digest('hex').slice(0, 12)}.lock`);
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const since = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (since > 300_000) await rm(lock, { recursive: true, force: true });
      else await sleep(200);
    }
  }
  try {
    await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
