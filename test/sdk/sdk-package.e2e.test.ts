import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.ts';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';
import { dropSchema, postgresStore } from '../support/postgres.ts';
import { createFlag, createServerKey, tempDir, toggle } from './sdk-fixtures.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const schema = `sdk_package_e2e_${process.pid}`;
let server: TestServer;
let sdkKey: string;
let app: string;

/** A plain Node application (no tsx, no TypeScript at run time) using both subpaths as an installed package. */
const APP = `
import { createFlagstaffClient } from 'flagstaff/sdk';
import { FlagstaffProvider } from 'flagstaff/openfeature';
const [url, sdkKey] = process.argv.slice(2);
const client = createFlagstaffClient({ url, sdkKey, events: { flushIntervalMs: 50 } });
await client.ready();
const details = client.getBooleanDetails('kill-switch', false, { targetingKey: 'u1' });
const missing = client.getStringDetails('nope', 'fallback', { targetingKey: 'u1' });
client.track('u1', 'purchase', 3);
await client.close();
const provider = new FlagstaffProvider({ url, sdkKey });
await provider.initialize();
const resolved = await provider.resolveStringEvaluation('banner', 'x', { targetingKey: 'u1' }, console);
await provider.onClose();
console.log(JSON.stringify({ details, missing, resolved, stats: client.eventStats }));
`;

/** And a TypeScript consumer, type-checked against the emitted declarations through the same exports map. */
const CONSUMER = `
import { createFlagstaffClient, type EvaluationDetails, type FlagstaffClientOptions } from 'flagstaff/sdk';
import { FlagstaffProvider } from 'flagstaff/openfeature';
const options: FlagstaffClientOptions = { url: 'http://127.0.0.1:8080', sdkKey: 'k', stream: false };
const client = createFlagstaffClient(options);
const on: EvaluationDetails<boolean> = client.getBooleanDetails('f', false, { targetingKey: 'u' });
const value: boolean = on.value;
const provider: FlagstaffProvider = new FlagstaffProvider(client);
export { value, provider };
`;

beforeAll(async () => {
  // The package as an application installs it: node_modules/flagstaff pointing at this checkout, built.
  await run('npm', ['run', 'build'], { cwd: root });
  app = await tempDir('flagstaff-sdk-app-');
  await fs.mkdir(path.join(app, 'node_modules'));
  await fs.symlink(root, path.join(app, 'node_modules', 'flagstaff'), 'dir');
  await fs.writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'sdk-app', type: 'module', private: true }));
  await fs.writeFile(path.join(app, 'app.mjs'), APP);
  await fs.writeFile(path.join(app, 'consumer.ts'), CONSUMER);
  await fs.writeFile(
    path.join(app, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2023', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['consumer.ts'] }),
  );

  server = await startTestServer({ store: await postgresStore(schema) });
  sdkKey = await createServerKey(server);
  await createFlag(server, { key: 'kill-switch' });
  await toggle(server, 'kill-switch', true);
  await createFlag(server, { key: 'banner', type: 'string', variants: { blue: 'Blue', red: 'Red' } });
  await toggle(server, 'banner', true);
  await server.projection.caughtUp();
}, 120_000);
afterAll(async () => {
  await server?.close();
  if (app) await fs.rm(app, { recursive: true, force: true });
  await dropSchema(schema);
});

describe('the package subpaths flagstaff/sdk and flagstaff/openfeature', () => {
  it('load in a plain node process from the build and evaluate against a running server', async () => {
    const env = { ...process.env };
    delete env['NODE_OPTIONS']; // nothing that could bring a TypeScript loader along
    const { stdout } = await run(process.execPath, ['app.mjs', server.url, sdkKey], { cwd: app, env, timeout: 60_000 });
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!);
    const revision = server.projection.model.revisionOf('production');
    expect(out.details).toMatchObject({ flagKey: 'kill-switch', value: true, variant: 'on', reason: 'DEFAULT', revision });
    expect(out.missing).toMatchObject({ value: 'fallback', reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    expect(out.resolved).toMatchObject({ value: 'Blue', variant: 'blue', reason: 'DEFAULT', flagMetadata: { revision } });
    expect(out.stats).toEqual({ sent: 1, dropped: 0, pending: 0 });
    await eventually(async () => expect((await server.analytics.eventCounts()).metricEvents).toBe(1));
  });

  it('resolve to the emitted JavaScript, and their declarations type-check a TypeScript consumer', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', "console.log(import.meta.resolve('flagstaff/sdk'), import.meta.resolve('flagstaff/openfeature'))"], { cwd: app });
    expect(stdout.trim().split(' ')).toEqual([`file://${root}/dist/sdk/index.js`, `file://${root}/dist/sdk/openfeature-provider.js`]);
    await run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', app], { cwd: app });
  });
});
