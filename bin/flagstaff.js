#!/usr/bin/env node
// The CLI runs from its build (dist/, made by `npm run build`, which `npm install` runs as `prepare`): plain
// JavaScript starts in a fraction of the time a TypeScript loader takes. Without a build there is nothing to run,
// and saying so beats a silent, several-times-slower fallback that would hide a broken install.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(entry)) {
  await import(entry.href);
} else {
  process.stderr.write(`flagstaff: the command line is not built (${entry.pathname} is missing): run npm run build\n`);
  process.exitCode = 1;
}
