import type { Io } from './output.ts';
import { runCli } from './run-cli.ts';

/** The process entry of `flagstaff` (bin/flagstaff.js imports it). */
const io: Io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
// Set, not process.exit(): stdout may still be flushing into a pipe.
process.exitCode = await runCli(process.argv.slice(2), io);
