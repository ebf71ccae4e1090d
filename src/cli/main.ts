import type { Io } from './output.ts';
import { runCli } from './run-cli.ts';

/** The process entry of `flagstaff` (bin/flagstaff.js imports its build, dist/cli/main.js). */
const io: Io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
// A reader that stopped reading (`flagstaff flags list | head`) wants no more: stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}
// Set, not process.exit(): stdout may still be flushing into a pipe.
process.exitCode = await runCli(process.argv.slice(2), io);
