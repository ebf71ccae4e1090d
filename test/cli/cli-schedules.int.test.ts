import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.ts';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';
import { buildCli, runCli, type Run } from './built-cli.ts';

const HOUR = 3_600_000;
const SCHEDULES = (key: string, env = 'production') => `/admin/flags/${key}/environments/${env}/schedules`;

/**
 * The scheduler's clock is held an hour `behind` the real one until a test lets it go: a schedule made for two
 * seconds from now stays pending however slowly the CLI starts on a loaded machine, so "pending" is seen for
 * certain before it applies. The scheduler re-arms its timer when a schedule event is folded, so a schedule made
 * on another flag (`wake-up`) wakes it once its clock caught up.
 */
let behind = HOUR;
let server: TestServer;
let dir: string;

function cli(args: string[]): Promise<Run> {
  return runCli(args, { url: server.url, cwd: dir });
}

async function createFlag(key: string): Promise<void> {
  expect((await server.api('POST', '/admin/flags', { body: { key } })).status).toBe(201);
}

async function schedulesOf(key: string): Promise<{ id: string; status: string }[]> {
  return (await server.api('GET', SCHEDULES(key))).body.schedules;
}

/** The id the create command prints on its second line (`Schedule <id>; cancel it with: …`). */
function scheduleId(run: Run): string {
  const match = /^Schedule (\S+); cancel it with: flagstaff flags schedule cancel /m.exec(run.stdout);
  expect(match, run.stdout).not.toBeNull();
  return match![1]!;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'flagstaff-cli-schedules-'));
  [server] = await Promise.all([startTestServer({ schedulerClock: () => new Date(Date.now() - behind) }), buildCli()]);
  await createFlag('wake-up');
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('flagstaff flags schedule', { timeout: 120_000 }, () => {
  it('schedules a toggle two seconds ahead, lists it pending, and lists it applied once it was', async () => {
    await createFlag('launch');
    const before = Date.now();
    const created = await cli(['flags', 'schedule', 'create', 'launch', '--env', 'production', '--at', '+2s', '--enable', '--reason', 'launch at nine']);
    const after = Date.now();
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const id = scheduleId(created);
    const at = /^Scheduled for launch in production at (\S+): turn on$/m.exec(created.stdout)?.[1];
    expect(Date.parse(at!)).toBeGreaterThanOrEqual(before + 2_000);
    expect(Date.parse(at!)).toBeLessThanOrEqual(after + 2_000);

    const pending = await cli(['flags', 'schedule', 'list', 'launch', '--env', 'production', '--status', 'pending']);
    expect(pending.code).toBe(0);
    expect(pending.stdout).toMatch(/│ id +│ at +│ change +│ status +│ by +│ reason +│/);
    expect(pending.stdout).toMatch(new RegExp(`│ ${id} │ ${at!.replaceAll('.', '\\.')} │ turn on │ pending │ \\S+ +│ launch at nine │`));
    const json = await cli(['--json', 'flags', 'schedule', 'list', 'launch', '--env', 'production']);
    expect(JSON.parse(json.stdout)).toEqual((await server.api('GET', SCHEDULES('launch'))).body);
    expect((await server.api('GET', '/admin/flags/launch')).body.environments.production.enabled).toBe(false);

    behind = 0;
    expect((await server.api('POST', SCHEDULES('wake-up'), { body: { at: '2099-01-01T00:00:00Z', change: { enabled: true } } })).status).toBe(201);
    await eventually(async () => expect((await schedulesOf('launch')).find((s) => s.id === id)?.status).toBe('applied'));

    const applied = await cli(['flags', 'schedule', 'list', 'launch', '--env', 'production', '--status', 'applied']);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(new RegExp(`│ ${id} │ \\S+ │ turn on │ applied[^│]* │ \\S+ +│ launch at nine │`));
    expect((await cli(['flags', 'schedule', 'list', 'launch', '--env', 'production', '--status', 'pending'])).stdout).toBe('No pending schedules for launch in production.\n');
    expect((await server.api('GET', '/admin/flags/launch')).body.environments.production.enabled).toBe(true);
  });

  it('schedules a targeting file bound to the current version, cancels it with a reason, lists it cancelled', async () => {
    await createFlag('rollout');
    const version = (await server.api('GET', '/admin/flags/rollout')).body.version as number;
    const file = path.join(dir, 'rollout.json');
    const targeting = { enabled: true, offVariant: 'off', targets: [], rules: [], defaultServe: { split: [{ variant: 'on', weight: 10_000 }, { variant: 'off', weight: 90_000 }] } };
    await writeFile(file, JSON.stringify(targeting));
    const created = await cli(['--json', 'flags', 'schedule', 'create', 'rollout', '--env', 'staging', '--at', '+1h', '--targeting', file, '--bind']);
    expect(created.code).toBe(0);
    const schedule = JSON.parse(created.stdout);
    expect(schedule).toMatchObject({ flagKey: 'rollout', environment: 'staging', status: 'pending', ifVersion: version, change: { targeting: { enabled: true } } });
    const human = await cli(['flags', 'schedule', 'list', 'rollout', '--env', 'staging']);
    expect(human.stdout).toMatch(new RegExp(`│ ${schedule.id} │ \\S+ │ set targeting: on, 0 rules, default on 10% / off 90% │ pending │`));

    const cancelled = await cli(['flags', 'schedule', 'cancel', 'rollout', schedule.id, '--env', 'staging', '--reason', 'not this week']);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toBe(`Cancelled schedule ${schedule.id} of rollout in staging (set targeting: on, 0 rules, default on 10% / off 90% at ${schedule.at})\n`);
    const listed = await cli(['flags', 'schedule', 'list', 'rollout', '--env', 'staging', '--status', 'cancelled']);
    expect(listed.stdout).toMatch(new RegExp(`│ ${schedule.id} │ \\S+ │ set targeting[^│]+│ cancelled │`));
    const history = (await server.api('GET', '/admin/flags/rollout/history')).body.events as { type: string; reason: string | null }[];
    expect(history.find((e) => e.type === 'FlagScheduleCancelled')).toMatchObject({ reason: 'not this week' });

    const again = await cli(['flags', 'schedule', 'cancel', 'rollout', schedule.id, '--env', 'staging']);
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/^Error: 409 .*\n {2}Schedule \S+ is cancelled: only a pending schedule can be cancelled/);
    expect((await cli(['flags', 'schedule', 'cancel', 'rollout', 'no-such-id', '--env', 'staging'])).code).toBe(3);
  });

  it('refuses a bad --at, or not exactly one change, as usage errors (exit 2) before anything is sent', async () => {
    await createFlag('untouched');
    for (const at of ['10m', '+2w', '+1.5h', 'tomorrow', '2027-01-31T09:00:00']) {
      const refused = await cli(['flags', 'schedule', 'create', 'untouched', '--env', 'production', '--at', at, '--enable']);
      expect(refused.code, at).toBe(2);
      expect(refused.stderr, at).toBe(`Error: --at must be an ISO 8601 time with a zone, such as 2027-01-31T09:00:00Z, or a time from now: +<n> with s, m, h or d, such as +30s, +10m, +2h, +1d; not ${JSON.stringify(at)}\n`);
      expect(refused.stdout, at).toBe('');
    }
    const json = await cli(['--json', 'flags', 'schedule', 'create', 'untouched', '--env', 'production', '--at', '+2w', '--enable']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ title: expect.stringMatching(/^--at must be/), status: null });
    const both = await cli(['flags', 'schedule', 'create', 'untouched', '--env', 'production', '--at', '+1h', '--enable', '--disable']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('Error: give exactly one of --enable, --disable and --targeting <file>');
    expect((await cli(['flags', 'schedule', 'create', 'untouched', '--env', 'production', '--at', '+1h'])).code).toBe(2);
    expect((await cli(['flags', 'schedule', 'create', 'untouched', '--env', 'production', '--at', '+1h', '--disable', '--bind', '--if-version', '1'])).code).toBe(2);
    expect((await cli(['flags', 'schedule', 'create', 'untouched', '--at', '+1h', '--disable'])).code).toBe(2); // --env is required
    expect(await schedulesOf('untouched')).toEqual([]);
  });

  it("prints the server's problems as other commands do: the field, and the line of the targeting file", async () => {
    await createFlag('refused');
    const past = await cli(['flags', 'schedule', 'create', 'refused', '--env', 'production', '--at', '2020-01-01T00:00:00Z', '--enable']);
    expect(past.code).toBe(2);
    expect(past.stderr).toMatch(/^Error: 400 .*\n(.*\n)* {2}#\/at {2}is in the past/);

    const stale = await cli(['flags', 'schedule', 'create', 'refused', '--env', 'production', '--at', '+1h', '--enable', '--if-version', '7']);
    expect(stale.code).toBe(4);
    expect(stale.stderr).toContain('#/ifVersion  the flag is at version 1, not 7');

    const file = path.join(dir, 'bad.yaml');
    await writeFile(file, 'enabled: true\noffVariant: off\nrules:\n  - id: us\n    conditions:\n      - { attribute: country, operator: within, values: [US] }\n    serve: { variant: on }\ndefaultServe: { variant: off }\n');
    const bad = await cli(['flags', 'schedule', 'create', 'refused', '--env', 'production', '--at', '+1h', '--targeting', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(new RegExp(`#/change/targeting/rules/0/conditions/0/operator {2}.*\\(${file.replaceAll('.', '\\.')}:6:\\d+\\)`));

    const status = await cli(['flags', 'schedule', 'list', 'refused', '--env', 'production', '--status', 'done']);
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(/#\/status {2}/);
    expect((await cli(['flags', 'schedule', 'list', 'no-such-flag', '--env', 'production'])).code).toBe(3);
    expect(await schedulesOf('refused')).toEqual([]);
  });
});
