import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInMemoryEventStore } from '../../src/event-store/in-memory-event-store.ts';
import { eventually } from '../support/eventually.ts';
import { request, startTestServer, type TestServer } from '../support/flagstaff.ts';
import { BIN, buildCli, runCli, type Run } from './built-cli.ts';

let server: TestServer;
let dir: string;
/** The store's clock (never going back): set back while the first flags are created, so the stale report may name them. */
let now = Date.now();

function cli(args: string[], token?: string): Promise<Run> {
  return runCli(args, { url: server.url, cwd: dir, ...(token === undefined ? {} : { token }) });
}

/** The last line of a command's output: where `keys create` and `tokens create` print the secret. */
const lastLine = (run: Run): string => run.stdout.trimEnd().split('\n').at(-1)!;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'flagstaff-cli-admin-'));
  now = Date.now() - 3 * 86_400_000;
  const store = createInMemoryEventStore({ now: () => new Date(now) });
  [server] = await Promise.all([startTestServer({ store, config: { operations: { logLevel: 'warn', usageFlushMs: 100 } } }), buildCli()]);
  // Three days old: flags for the stale report.
  for (const flag of ['always-on', 'never-asked', 'split-half']) expect((await server.api('POST', '/admin/flags', { body: { key: flag } })).status).toBe(201);
  await server.api('POST', '/admin/flags/always-on/environments/production/toggle', { body: { enabled: true } });
  const split = { enabled: true, offVariant: 'off', bucketBy: 'targetingKey', targets: [], rules: [], defaultServe: { split: [{ variant: 'on', weight: 50_000 }, { variant: 'off', weight: 50_000 }] } };
  expect((await server.api('PUT', '/admin/flags/split-half/environments/production', { body: split, headers: { 'if-match': 'W/"1"' } })).status).toBe(200);
  now = Date.now();
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('flagstaff envs, keys, tokens, segments and flags stale', { timeout: 120_000 }, () => {
  it('creates and lists environments; a bad key is a problem naming the field (exit 2), a duplicate a conflict (exit 4)', async () => {
    const created = await cli(['envs', 'create', 'qa', '--name', 'QA']);
    expect(created).toMatchObject({ code: 0 });
    expect(created.stdout).toContain('Created environment qa (QA)');
    expect((await server.api('GET', '/admin/environments/qa')).body).toMatchObject({ key: 'qa', name: 'QA', production: false });

    const listed = await cli(['envs', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/│ key +│ name +│ production │ version │ created +│/);
    expect(listed.stdout).toMatch(/│ production +│ Production +│ yes +│ 1 +│/);
    expect(listed.stdout).toMatch(/│ qa +│ QA +│ no +│ 1 +│/);
    const json = await cli(['--json', 'envs', 'list']);
    expect(JSON.parse(json.stdout)).toEqual((await server.api('GET', '/admin/environments')).body);

    const bad = await cli(['envs', 'create', 'Not A Key']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Error: 400');
    expect(bad.stderr).toMatch(/#\/key {2}must match/);
    const twice = await cli(['envs', 'create', 'qa']);
    expect(twice.code).toBe(4);
    expect(twice.stderr).toContain('409');
    expect((await server.api('GET', '/admin/environments')).body.environments).toHaveLength(4);
  });

  it('issues an SDK key whose secret is printed once and works, lists keys without secrets, revokes one', async () => {
    const created = await cli(['keys', 'create', '--env', 'qa', '--kind', 'server', '--name', 'ci key']);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^Created server key \S+ \(ci key\) for qa\. Its secret, shown only now:\n/);
    const secret = lastLine(created);
    expect(secret).toMatch(/^fs_server_/);
    const sdk = { token: null, headers: { authorization: `Bearer ${secret}` } };
    expect((await request(server.url, 'GET', '/api/v1/snapshot', sdk)).status).toBe(200);

    const id = created.stdout.split(' ')[3]!;
    const listed = await cli(['keys', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`│ ${id} +│ ci key +│ qa +│ server +│ active +│`));
    expect(listed.stdout).not.toContain(secret);
    const json = JSON.parse((await cli(['--json', 'keys', 'list'])).stdout);
    expect(json).toEqual((await server.api('GET', '/admin/api-keys')).body);
    expect(JSON.stringify(json)).not.toContain(secret);

    const revoked = await cli(['keys', 'revoke', id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Revoked server key ${id} (ci key) of qa`);
    expect((await request(server.url, 'GET', '/api/v1/snapshot', sdk)).status).toBe(401);
    expect((await cli(['keys', 'list'])).stdout).toMatch(new RegExp(`│ ${id} +│ ci key +│ qa +│ server +│ revoked │`));

    const badKind = await cli(['keys', 'create', '--env', 'qa', '--kind', 'admin']);
    expect(badKind.code).toBe(2);
    expect(badKind.stderr).toMatch(/#\/kind {2}/);
    const missing = await cli(['keys', 'revoke', 'no-such-key']);
    expect(missing.code).toBe(3);
    expect((await cli(['keys', 'create', '--kind', 'server'])).code).toBe(2); // --env is required
    expect((await server.api('GET', '/admin/api-keys')).body.apiKeys).toHaveLength(1);
  });

  it('issues an admin token with a role (secret once), lists tokens, revokes one', async () => {
    const created = await cli(['tokens', 'create', 'deploy-bot', '--role', 'viewer']);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^Created viewer token \S+ \(deploy-bot\)\. Its secret, shown only now:\n/);
    const secret = lastLine(created);
    expect(secret).toMatch(/^fs_admin_/);
    // The new token works, with its role: a viewer reads but may not create.
    expect((await cli(['flags', 'list'], secret)).code).toBe(0);
    const denied = await cli(['flags', 'create', 'not-allowed'], secret);
    expect(denied.code).toBe(2);
    expect(denied.stderr).toContain('403');

    const id = created.stdout.split(' ')[3]!;
    const listed = await cli(['tokens', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`│ ${id} +│ deploy-bot │ viewer │ active │`));
    expect(listed.stdout).not.toContain(secret);
    expect(JSON.parse((await cli(['--json', 'tokens', 'list'])).stdout)).toEqual((await server.api('GET', '/admin/tokens')).body);

    const revoked = await cli(['tokens', 'revoke', id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Revoked viewer token ${id} (deploy-bot)`);
    const refused = await cli(['flags', 'list'], secret);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('401');

    const badRole = await cli(['tokens', 'create', 'root', '--role', 'root']);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(/#\/role {2}/);
    expect((await server.api('GET', '/admin/tokens')).body.tokens.map((t: { name: string }) => t.name)).not.toContain('root');
  });

  it('creates, reads, lists, updates (If-Match from the version read) and deletes segments from YAML and JSON files', async () => {
    await writeFile(
      path.join(dir, 'beta.yaml'),
      ['description: Opted in to betas', 'conditions:', '  - { attribute: plan, operator: eq, values: [beta] }', 'included: [user-1, user-2]', ''].join('\n'),
    );
    const created = await cli(['segments', 'create', 'beta-testers', '--file', 'beta.yaml']);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('Created segment beta-testers (version 1): 1 condition(s), 2 included, 0 excluded');
    expect((await cli(['segments', 'create', 'staff', '--description', 'Employees'])).code).toBe(0);

    const got = await cli(['segments', 'get', 'beta-testers']);
    expect(got.code).toBe(0);
    expect(got.stdout).toContain('beta-testers — segment, version 1');
    expect(got.stdout).toMatch(/│ included +│ user-1, user-2 \(2\) +│/);
    expect(got.stdout).toMatch(/│ plan +│ eq +│ \["beta"\] │/);
    expect(JSON.parse((await cli(['--json', 'segments', 'get', 'beta-testers'])).stdout)).toEqual((await server.api('GET', '/admin/segments/beta-testers')).body);
    const listed = await cli(['segments', 'list']);
    expect(listed.stdout).toMatch(/│ beta-testers │ 1 +│ 2 +│ 0 +│ 1 +│ Opted in to betas │/);
    expect(listed.stdout).toMatch(/│ staff +│ 0 +│ 0 +│ 0 +│ 1 +│ Employees +│/);

    await writeFile(path.join(dir, 'beta.json'), JSON.stringify({ description: 'Betas and staff', conditions: [{ attribute: 'plan', operator: 'in', values: ['beta', 'staff'] }], excluded: ['user-9'] }));
    const updated = await cli(['segments', 'update', 'beta-testers', '--file', 'beta.json']);
    expect(updated.code).toBe(0);
    expect(updated.stdout).toContain('Updated segment beta-testers (version 2): 1 condition(s), 0 included, 1 excluded');
    expect((await server.api('GET', '/admin/segments/beta-testers')).body).toMatchObject({ version: 2, included: [], excluded: ['user-9'] });

    // A stale version is refused (exit 4) and changes nothing.
    const stale = await cli(['segments', 'update', 'beta-testers', '--file', 'beta.yaml', '--expect-version', '1']);
    expect(stale.code).toBe(4);
    expect(stale.stderr).toContain('412');
    // A bad file: the problem names the field and its line in the file (exit 2), and nothing changes.
    await writeFile(path.join(dir, 'bad-segment.yaml'), ['description: typo', 'conditions:', '  - attribute: plan', '    operator: equals', '    values: [beta]', ''].join('\n'));
    const bad = await cli(['segments', 'update', 'beta-testers', '--file', 'bad-segment.yaml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/#\/conditions\/0\/operator {2}must be one of eq, .* \(bad-segment\.yaml:4:15\)/);
    const named = await cli(['segments', 'create', 'other', '--file', 'beta.yaml']);
    expect(named.code).toBe(0);
    await writeFile(path.join(dir, 'wrong-key.yaml'), 'key: staff\ndescription: x\n');
    const wrongKey = await cli(['segments', 'update', 'beta-testers', '--file', 'wrong-key.yaml']);
    expect(wrongKey.code).toBe(2);
    expect(wrongKey.stderr).toContain('names segment "staff", not beta-testers');
    expect((await server.api('GET', '/admin/segments/beta-testers')).body.version).toBe(2);

    const deleted = await cli(['segments', 'delete', 'staff']);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain('Archived segment staff (version 2)');
    expect((await server.api('GET', '/admin/segments/staff')).body.archived).toBe(true);
    expect((await cli(['segments', 'list'])).stdout).toContain('staff (archived)');
    expect((await cli(['segments', 'get', 'no-such-segment'])).code).toBe(3);
  });

  it('lists stale flags (not evaluated, or one variant) with their usage; an empty report says so; a bad period is exit 2', async () => {
    // Flags younger than the period are never stale.
    expect((await cli(['flags', 'stale', '--days', '5'])).stdout).toContain('No stale flags: every flag older than 5 days was evaluated');
    const key = (await server.api('POST', '/admin/api-keys', { body: { environment: 'production', kind: 'server' } })).body.key as string;
    const sdk = { token: null, headers: { authorization: `Bearer ${key}` } };
    await eventually(async () => expect((await request(server.url, 'GET', '/api/v1/flags/split-half?targetingKey=x', sdk)).body.reason).toBe('SPLIT'));
    for (let i = 0; i < 20; i++) {
      await request(server.url, 'GET', `/api/v1/flags/always-on?targetingKey=u${i}`, sdk);
      await request(server.url, 'GET', `/api/v1/flags/split-half?targetingKey=u${i}`, sdk);
    }
    const report = await eventually(async () => {
      const run = await cli(['flags', 'stale', '--days', '1']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/│ always-on +│ one variant +│ 20 +│ on=20 +│ \d{4}-\S+ +│/);
      return run;
    });
    expect(report.stdout).toContain('2 flag(s) stale over the last 1 days');
    expect(report.stdout).toMatch(/│ never-asked +│ not evaluated │ 0 +│ — +│ never +│/);
    expect(report.stdout).not.toContain('split-half');
    const json = JSON.parse((await cli(['--json', 'flags', 'stale', '--days', '1'])).stdout);
    expect(json.flags.map((f: { key: string }) => f.key)).toEqual(['always-on', 'never-asked']);
    expect(json.flags[1].stale).toMatchObject({ reason: 'not-evaluated', evaluations: 0, lastEvaluatedAt: null, staleDays: 1 });

    const zero = await cli(['flags', 'stale', '--days', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('--days must be a positive whole number');
    const tooLong = await cli(['flags', 'stale', '--days', '366']);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toContain('#/staleDays');
  });

  it('keeps `env` as another name of `envs`, and lists the new commands in its help', async () => {
    const help = await cli(['--help']);
    for (const command of ['envs|env', 'keys', 'tokens', 'segments']) expect(help.stdout).toContain(command);
    expect((await cli(['flags', '--help'])).stdout).toContain('stale');
    const viaAlias = await cli(['env', 'list']);
    expect(viaAlias.code).toBe(0);
    expect(viaAlias.stdout).toMatch(/│ qa +│ QA +│/);
  });

  it('says to build when the build is missing, instead of running anything', async () => {
    const checkout = path.join(dir, 'unbuilt');
    await mkdir(path.join(checkout, 'bin'), { recursive: true });
    await copyFile(BIN, path.join(checkout, 'bin/flagstaff.js'));
    const run = await new Promise<Run>((resolve) => {
      execFile(process.execPath, [path.join(checkout, 'bin/flagstaff.js'), '--help'], (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }));
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/dist\/cli\/main\.js is missing\): run npm run build/);
  });
});
