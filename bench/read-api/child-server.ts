import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

const repoRoot = path.resolve(import.meta.dirname, '../..');

/**
 * How `npm start` runs Flagstaff (package.json's start script): its environment assignments and its Node options
 * (`--import tsx` aside, which startChildServer adds itself), so a benchmark's server process runs as a deployed
 * one does: today glibc's mmap threshold fixed at 128 KiB and a young generation of 4 MiB semi-spaces.
 */
export const START_SCRIPT: { readonly env: Readonly<Record<string, string>>; readonly nodeOptions: readonly string[] } = startScript();

function startScript(): { env: Record<string, string>; nodeOptions: string[] } {
  const { scripts } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const words = scripts['start']!.split(/\s+/);
  const env: Record<string, string> = {};
  let i = 0;
  for (; i < words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[i]!); i++) {
    const [name, ...value] = words[i]!.split('=');
    env[name!] = value.join('=');
  }
  if (words[i] === 'exec') i++; // the shell hands its process to node, so signals reach the server
  if (words[i] !== 'node') throw new Error(`the start script does not run node: ${scripts['start']}`);
  const nodeOptions: string[] = [];
  for (i++; i < words.length && words[i]!.startsWith('--'); i++) {
    if (words[i] === '--import') i++; // the TypeScript loader, which startChildServer adds itself
    else nodeOptions.push(words[i]!);
  }
  return { env, nodeOptions };
}

export interface ChildServer<Ready> {
  readonly pid: number;
  readonly ready: Ready;
  /** Sends a message on the IPC channel and resolves with the first reply of the given type. */
  ask<Reply>(message: { type: string } & Record<string, unknown>): Promise<Reply>;
  stop(): Promise<void>;
}

/**
 * Starts a server script in its own Node process (`node --import tsx`, so the pid is the server's own, not a
 * launcher's), with the start script's environment and Node options and `nodeOptions`, an IPC channel, and waits
 * for its `READY {json}` line. Its stderr is passed through.
 */
export async function startChildServer<Ready>(
  script: string,
  options: { env?: Record<string, string>; nodeOptions?: string[]; timeoutMs?: number } = {},
): Promise<ChildServer<Ready>> {
  const child: ChildProcess = spawn(process.execPath, [...START_SCRIPT.nodeOptions, ...(options.nodeOptions ?? []), '--import', 'tsx', path.join(import.meta.dirname, script)], {
    cwd: repoRoot,
    env: { ...process.env, ...START_SCRIPT.env, ...options.env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = readline.createInterface({ input: child.stdout! });
  const timeoutMs = options.timeoutMs ?? 120_000;
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} was not ready within ${timeoutMs} ms`)), timeoutMs);
    lines.on('line', (line) => {
      if (!line.startsWith('READY ')) return void process.stdout.write(`  [${script}] ${line}\n`);
      clearTimeout(timer);
      resolve(JSON.parse(line.slice('READY '.length)) as Ready);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready`));
    });
  }).catch(async (error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });

  return {
    pid: child.pid!,
    ready,
    ask<Reply>(message: { type: string } & Record<string, unknown>) {
      return new Promise<Reply>((resolve) => {
        const onMessage = (reply: { type?: string }): void => {
          if (reply.type !== message.type) return;
          child.off('message', onMessage);
          resolve(reply as Reply);
        };
        child.on('message', onMessage);
        child.send(message);
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
