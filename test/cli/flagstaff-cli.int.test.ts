import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';
import { buildCli, runCli, type Run } from './built-cli.ts';

let server: TestServer;
let empty: TestServer;
let dir: string;

/** The built binary (dist/), as a user runs it. */
function cli(args: string[], url = server.url): Promise<Run> {
  return runCli(args, { url, cwd: dir });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'flagstaff-cli-'));
  [server, empty] = await Promise.all([startTestServer(), startTestServer(), buildCli()]);
});
afterAll(async () => {
  await Promise.all([server?.close(), empty?.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe('flagstaff, the command-line tool', { timeout: 120_000 }, () => {
  it('prints help with the exit codes', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes:');
    expect(help.stdout).toMatch(/4 {2}conflict or precondition/);
  });

  it('creates, lists (table and JSON), gets and toggles flags', async () => {
    const created = await cli(['flags', 'create', 'new-checkout', '--description', 'New checkout flow', '--tag', 'checkout']);
    expect(created).toMatchObject({ code: 0 });
    expect(created.stdout).toContain('Created boolean flag new-checkout (version 1)');
    expect((await cli(['flags', 'create', 'color', '--type', 'string', '--variants', 'red=red,blue=blue'])).code).toBe(0);

    const table = await cli(['flags', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/│ key +│ type +│ development │ staging │ production │ tags +│ version │ description +│/);
    expect(table.stdout).toMatch(/│ new-checkout │ boolean │ off +│ off +│ off +│ checkout │ 1 +│ New checkout flow │/);

    const json = await cli(['--json', 'flags', 'list', '--tag', 'checkout']);
    expect(json.code).toBe(0);
    const listed = (await server.api('GET', '/admin/flags?tag=checkout')).body;
    expect(JSON.parse(json.stdout)).toEqual(listed);

    const toggled = await cli(['flags', 'toggle', 'new-checkout', 'production', 'on', '--reason', 'launch']);
    expect(toggled).toMatchObject({ code: 0 });
    expect(toggled.stdout).toContain('new-checkout is on in production (version 2)');
    expect((await server.api('GET', '/admin/flags/new-checkout')).body.environments.production.enabled).toBe(true);

    const got = await cli(['flags', 'get', 'new-checkout']);
    expect(got.code).toBe(0);
    expect(got.stdout).toContain('new-checkout — boolean flag, version 2');
    expect(got.stdout).toMatch(/│ production +│ on +│ off +│/);
    const old = await cli(['--json', 'flags', 'get', 'new-checkout', '--version', '1']);
    expect(JSON.parse(old.stdout)).toMatchObject({ version: 1, historical: true, latestVersion: 2 });
  });

  it('sets targeting from a YAML file, and shows a validation problem on the right field and line (exit 2)', async () => {
    await writeFile(
      path.join(dir, 'targeting.yaml'),
      ['enabled: true', 'offVariant: off', 'targets:', '  - { variant: on, units: [user-1] }', 'rules:', '  - id: us', '    conditions:', '      - { attribute: country, operator: in, values: [US, CA] }', '    serve: { variant: on }', 'defaultServe: { variant: off }', ''].join('\n'),
    );
    const set = await cli(['flags', 'targeting', 'set', 'new-checkout', 'production', '--file', 'targeting.yaml', '--reason', 'US first']);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('Targeting of new-checkout in production set (version 3): on, 1 rule(s)');
    expect((await server.api('GET', '/admin/flags/new-checkout/environments/production')).body.rules[0]).toMatchObject({ id: 'us', serve: { variant: 'on' } });

    await writeFile(path.join(dir, 'bad.yaml'), ['enabled: true', 'offVariant: off', 'rules:', '  - conditions:', '      - attribute: country', '        operator: within', '        values: [US]', '    serve: { variant: on }', 'defaultServe: { variant: on }', ''].join('\n'));
    const bad = await cli(['flags', 'targeting', 'set', 'new-checkout', 'production', '--file', 'bad.yaml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Error: 400 Bad Request');
    expect(bad.stderr).toMatch(/#\/rules\/0\/conditions\/0\/operator {2}must be one of eq, .* \(bad\.yaml:6:19\)/);
    expect((await server.api('GET', '/admin/flags/new-checkout')).body.version).toBe(3);
  });

  it('exits 4 on a stale version, 3 on what does not exist, 2 on bad usage, 5 when the server is down', async () => {
    const stale = await cli(['flags', 'toggle', 'new-checkout', 'production', 'off', '--expect-version', '1']);
    expect(stale.code).toBe(4);
    expect(stale.stderr).toContain('412 Precondition Failed');
    expect((await server.api('GET', '/admin/flags/new-checkout')).body.environments.production.enabled).toBe(true);

    const missing = await cli(['flags', 'get', 'no-such-flag']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('Flag no-such-flag not found');
    expect((await cli(['--json', 'flags', 'history', 'no-such-flag'])).stdout).toContain('"status": 404');

    expect((await cli(['flags', 'toggle', 'new-checkout', 'production', 'maybe'])).code).toBe(2);
    expect((await cli(['flags', 'frobnicate'])).code).toBe(2);

    const down = await cli(['flags', 'list'], `http://127.0.0.1:${await closedPort()}`);
    expect(down.code).toBe(5);
    expect(down.stderr).toMatch(/Cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  });

  it('shows history, diffs versions, rolls back, and explains an evaluation with its trace', async () => {
    const history = await cli(['flags', 'history', 'new-checkout']);
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(/│ 2 +│ \S+ +│ FlagToggled +│ bootstrap-admin │ launch +│/);
    expect(history.stdout).toMatch(/│ 3 +│ \S+ +│ FlagTargetingChanged │ bootstrap-admin │ US first │/);

    const diff = await cli(['flags', 'diff', 'new-checkout', '--from', '1', '--to', '3']);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('new-checkout: version 1');
    expect(diff.stdout).toMatch(/│ environments\.production\.enabled +│ changed │ false +│ true/);
    expect(diff.stdout).toMatch(/│ environments\.production\.rules\[id=us\] +│ added/);

    const explained = await cli(['explain', 'new-checkout', 'production', '--context', 'targetingKey=user-7', '--context', 'country=US', '--context', 'age=30']);
    expect(explained.code).toBe(0);
    expect(explained.stdout).toContain('new-checkout in production → on (true)');
    expect(explained.stdout).toContain('reason TARGETING_MATCH, rule us');
    expect(explained.stdout).toMatch(/✓ rule us\n +✓ country in \["US","CA"\] \(actual "US"\)/);
    const json = JSON.parse((await cli(['--json', 'explain', 'new-checkout', 'production', '--context', 'targetingKey=user-7', '--context', 'age=30'])).stdout);
    expect(json.context).toEqual({ targetingKey: 'user-7', age: 30 });
    expect(json.result).toMatchObject({ variant: 'off', reason: 'DEFAULT' });

    const rolled = await cli(['flags', 'rollback', 'new-checkout', '--to-version', '1', '--reason', 'too early']);
    expect(rolled.code).toBe(0);
    expect(rolled.stdout).toContain('Rolled new-checkout back to version 1: it is now version 4');
    expect((await server.api('GET', '/admin/flags/new-checkout')).body.environments.production.enabled).toBe(false);
    const asOfThree = await cli(['explain', 'new-checkout', 'production', '--context', 'targetingKey=user-1', '--revision', String(await revisionOfFlagVersion('new-checkout', 3))]);
    expect(asOfThree.stdout).toContain('reason TARGETING_MATCH'); // user-1 was an individual target then
    expect((await cli(['flags', 'rollback', 'new-checkout', '--reason', 'which?'])).code).toBe(2);
  });

  it('rolls an environment back, dry run first', async () => {
    const before = (await server.api('GET', '/admin/flags/color')).body.version;
    // Back to when production was created, before any flag (a time before that is refused: it did not exist yet).
    const createdAt: string = (await server.api('GET', '/admin/environments/production')).body.createdAt;
    const dry = await cli(['env', 'rollback', 'production', '--to-time', createdAt, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('Dry run: would change');
    expect((await server.api('GET', '/admin/flags/color')).body.version).toBe(before);
    const refused = await cli(['env', 'rollback', 'production', '--to-time', createdAt]);
    expect(refused.code).toBe(2); // a reason is required
    expect(refused.stderr).toContain('#/reason');
  });

  it('shows experiment results as a table and compares statistics', async () => {
    expect((await server.api('POST', '/admin/metrics', { body: { key: 'purchase', kind: 'binomial', event: 'purchase' } })).status).toBe(201);
    expect((await server.api('POST', '/admin/metrics', { body: { key: 'revenue', kind: 'mean', event: 'purchase' } })).status).toBe(201);
    const experiment = {
      key: 'checkout-test',
      flagKey: 'new-checkout',
      environment: 'production',
      controlVariant: 'off',
      variants: [{ variant: 'off', weight: 50_000 }, { variant: 'on', weight: 50_000 }],
      primaryMetric: 'purchase',
      secondaryMetrics: ['revenue'],
    };
    expect((await server.api('POST', '/admin/experiments', { body: experiment })).status).toBe(201);
    expect((await server.api('POST', '/admin/experiments/checkout-test/start')).status).toBe(200);

    const results = await cli(['experiments', 'results', 'checkout-test']);
    expect(results.code).toBe(0);
    expect(results.stdout).toContain('Experiment checkout-test — running, frequentist');
    expect(results.stdout).toContain('purchase (primary, binomial)');
    expect(results.stdout).toContain('revenue (secondary, mean)');
    expect(results.stdout).toMatch(/│ variant +│ units │ rate │ lift +│ interval │ chance to win │ p-value │ significant │/);
    expect(results.stdout).toMatch(/│ off \(control\) │ 0 +│/);

    await writeFile(
      path.join(dir, 'compare.json'),
      JSON.stringify({ metricType: 'mean', method: 'frequentist', control: { n: 3407, sum: 1396.87, sumSquares: 52377.9767 }, treatment: { n: 3461, sum: 2422.7, sumSquares: 134698.29 } }),
    );
    const compared = await cli(['stats', 'compare', '--file', 'compare.json']);
    expect(compared.code).toBe(0);
    expect(compared.stdout).toMatch(/│ relative lift +│ \+70\.73% +│/);
    expect(compared.stdout).toMatch(/│ p-value +│ 0\.06\d+ +│/);
    await writeFile(path.join(dir, 'compare-bad.json'), JSON.stringify({ metricType: 'mean', control: { n: -1, sum: 0 }, treatment: { n: 1, sum: 0 } }));
    const bad = await cli(['stats', 'compare', '--file', 'compare-bad.json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('#/control/n');
  });

  it('exports the configuration, and importing it into an empty server reproduces it; a re-import is a no-op', async () => {
    await server.api('POST', '/admin/segments', { body: { key: 'beta', conditions: [{ attribute: 'plan', operator: 'eq', values: ['beta'] }], included: ['u1'] } });
    await writeFile(
      path.join(dir, 'color.yaml'),
      'enabled: true\noffVariant: red\nprerequisites: [{ flagKey: new-checkout, variant: on }]\nrules:\n  - conditions: [{ operator: in_segment, values: [beta] }]\n    serve: { variant: blue }\ndefaultServe: { variant: red }\n',
    );
    expect((await cli(['flags', 'targeting', 'set', 'color', 'staging', '--file', 'color.yaml'])).code).toBe(0);

    const exported = await cli(['export', '--out', 'flagstaff.yaml']);
    expect(exported.code).toBe(0);
    const text = await readFile(path.join(dir, 'flagstaff.yaml'), 'utf8');
    const document = parse(text);
    expect(document.flags.map((f: { key: string }) => f.key)).toEqual(['color', 'new-checkout']);
    expect(document.segments[0]).toMatchObject({ key: 'beta', included: ['u1'] });
    expect(document.experiments[0]).toMatchObject({ key: 'checkout-test', status: 'running' });

    const emptyBefore = (await cli(['export'], empty.url)).stdout;
    const dry = await cli(['import', 'flagstaff.yaml'], empty.url);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/Import plan: \d+ commands/);
    expect(dry.stdout).toContain('+ create segment beta');
    expect(dry.stdout).toContain('~ set targeting of flag color in staging');
    expect(dry.stdout).toContain('> start experiment checkout-test');
    expect(dry.stdout).toContain('Dry run: nothing was changed');
    expect((await cli(['export'], empty.url)).stdout).toBe(emptyBefore);
    // Segments and metrics before flags, a flag before the flag that names it as a prerequisite, experiments after.
    const order = dry.stdout.split('\n').filter((line) => /^ {2}[+~>-] /.test(line)).map((line) => line.trim());
    expect(order.indexOf('+ create segment beta')).toBeLessThan(order.indexOf('+ create flag color'));
    expect(order.indexOf('~ toggle flag new-checkout in production off')).toBe(-1); // it is off: nothing to do
    expect(order.indexOf('+ create flag new-checkout')).toBeLessThan(order.indexOf('~ set targeting of flag color in staging'));
    expect(order.indexOf('~ set targeting of flag color in staging')).toBeLessThan(order.indexOf('+ create experiment checkout-test'));

    const applied = await cli(['import', 'flagstaff.yaml', '--yes'], empty.url);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/Applied \d+ command\(s\)\./);
    expect((await cli(['export'], empty.url)).stdout).toBe(text);

    const again = await cli(['--json', 'import', 'flagstaff.yaml', '--yes'], empty.url);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ dryRun: false, applied: 0, commands: [] });
    expect(again.stderr).toContain('No changes: the server already has this configuration.');
  });

  it('refuses an import the server cannot follow, pointing into the file, changing nothing', async () => {
    const text = await readFile(path.join(dir, 'flagstaff.yaml'), 'utf8');
    await writeFile(path.join(dir, 'changed-type.yaml'), text.replace('type: string', 'type: number'));
    const before = (await cli(['export'], empty.url)).stdout;
    const refused = await cli(['import', 'changed-type.yaml', '--yes'], empty.url);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/#\/flags\/0\/type {2}flag color is a string flag on the server; a flag's type cannot change {2}\(changed-type\.yaml:\d+:\d+\)/);
    expect((await cli(['export'], empty.url)).stdout).toBe(before);

    await writeFile(path.join(dir, 'invalid.yaml'), 'flags:\n  - key: Not A Key\n');
    const invalid = await cli(['import', 'invalid.yaml'], empty.url);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/#\/flags\/0\/key {2}must match .* \(invalid\.yaml:2:10\)/);
  });

  it('rebuilds the projections, following the progress the server reports', async () => {
    const rebuilt = await cli(['projections', 'rebuild']);
    expect(rebuilt.code).toBe(0);
    const head = await server.store.headPosition();
    expect(rebuilt.stdout).toContain(`events replayed in`);
    expect(rebuilt.stdout).toContain(`up to position ${head}`);
    expect(rebuilt.stdout).toContain('equal: the read model is the log, replayed');
    const status = await cli(['--json', 'projections', 'status']);
    expect(JSON.parse(status.stdout).rebuild).toMatchObject({ state: 'done', events: head, position: head, target: head });
  });
});

/** The log position at which a flag reached a version: what an evaluation at that time reported as its revision. */
async function revisionOfFlagVersion(key: string, version: number): Promise<number> {
  const events = await server.store.readStream(`flag-${key}`);
  return events.find((e) => e.version === version)!.position;
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
