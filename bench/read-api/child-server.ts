import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

const repoRoot = path.resolve(import.meta.dirname, '../..');

export interface ChildServer<Ready> {
  readonly pid: number;
  readonly ready: Ready;
  /** Sends a message on the IPC channel and resolves with the first reply of the given type. */
  ask<Reply>(message: { type: string } & Record<string, unknown>): Promise<Reply>;
  stop(): Promise<void>;
}

/**
 * Starts a server script in its own Node process (`node --import tsx`, so the pid is the server's own, not a
 * launcher's), with an IPC channel, and waits for its `READY {json}` line. Its stderr is passed through.
 */
export async function startChildServer<Ready>(
  script: string,
  options: { env?: Record<string, string>; nodeOptions?: string[]; timeoutMs?: number } = {},
): Promise<ChildServer<Ready>> {
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeOptions ?? []), '--import', 'tsx', path.join(import.meta.dirname, script)], {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
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
