#!/usr/bin/env node
// The CLI runs from its TypeScript sources, as the server does (no build step): register tsx's loader, then
// import the entry.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
