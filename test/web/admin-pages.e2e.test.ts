import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createInMemoryEventStore } from '../../src/event-store/in-memory-event-store.ts';
import { buildWebAppIfMissing, launchTestBrowser, type TestBrowser } from '../support/browser.ts';
import { eventually } from '../support/eventually.ts';
import { ADMIN_TOKEN, request, startTestServer, type TestServer } from '../support/flagstaff.ts';

/**
 * The admin web app's pages for SDK keys, admin tokens, segments, environments, stale flags and a flag's
 * schedules, in a real browser (Debian's Chromium driven by playwright-core) against the real HTTP app serving
 * the built app at `/`: one flow per page (create, see, revoke / archive / cancel), secrets shown once, API
 * errors on their fields.
 */
// Callbacks of page.evaluate and waitForFunction run in the browser; the root tsconfig has no DOM library, so
// these module-local declarations name the little of the DOM they touch.
interface DomElement {
  tagName: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
}
declare const document: {
  activeElement: DomElement | null;
  body: { textContent: string | null };
  documentElement: { scrollWidth: number };
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement & { value?: string }>;
};
declare const navigator: { clipboard: { readText(): Promise<string> } };

const DAY_MS = 86_400_000;

let server: TestServer;
let browser: TestBrowser;
let context: BrowserContext;
let page: Page;
/** The event store's clock: flags for the stale-flag report are created ten days ago. */
let now = Date.now() - 10 * DAY_MS;

beforeAll(async () => {
  buildWebAppIfMissing();
  server = await startTestServer({ store: createInMemoryEventStore({ now: () => new Date(now) }), config: { operations: { logLevel: 'warn', usageFlushMs: 100 } } });
  await seedStaleFlags(server);
  browser = await launchTestBrowser();
  context = await browser.newContext();
  // The copy button writes to the clipboard; the test reads it back.
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  page = await context.newPage();
}, 240_000);

// What Chromium reported as blocked by the Content-Security-Policy the server sends, checked after every test.
afterEach(() => {
  expect(browser.takeCspViolations(), 'Content-Security-Policy violations').toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Two flags created ten days ago: one nobody evaluates, one that serves `on` to everyone since. */
async function seedStaleFlags(s: TestServer): Promise<void> {
  for (const key of ['old-banner', 'old-always-on']) expect((await s.api('POST', '/admin/flags', { body: { key, description: `${key} from long ago` } })).status).toBe(201);
  await s.api('POST', '/admin/flags/old-always-on/environments/production/toggle', { body: { enabled: true } });
  now = Date.now();
  const sdkKey = (await s.api('POST', '/admin/api-keys', { body: { environment: 'production', kind: 'server', name: 'seed key' } })).body.key as string;
  await eventually(async () => expect((await request(s.url, 'GET', '/api/v1/flags/old-always-on?targetingKey=u0', sdk(sdkKey))).body.value).toBe(true));
  for (let i = 1; i < 12; i++) await request(s.url, 'GET', `/api/v1/flags/old-always-on?targetingKey=u${i}`, sdk(sdkKey));
  // Usage is flushed every 100 ms here: wait until the report has every evaluation.
  await eventually(async () => {
    const stale = (await s.api('GET', '/admin/flags?stale=true&staleDays=7')).body.flags as { key: string; stale: { evaluations: number } }[];
    expect(stale.find((f) => f.key === 'old-always-on')?.stale.evaluations).toBe(12);
  });
}

const sdk = (key: string) => ({ token: null, headers: { authorization: `Bearer ${key}` } });

/** An instant as a `datetime-local` input in `timeZone` takes it: `2026-12-07T08:30:15`, without `:00` seconds. */
function wallClock(instant: Date, timeZone: string): string {
  // Sweden writes dates and times the ISO way: `2026-12-07 08:30:15`.
  const text = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(instant);
  return text.replace(' ', 'T').replace(/:00$/, '');
}


async function signIn(p: Page, token = ADMIN_TOKEN): Promise<void> {
  await p.goto(server.url);
  await p.getByLabel('Admin token').fill(token);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('heading', { name: 'Flags', exact: true }).waitFor();
}

/** Follows a link of the main navigation, and checks that focus lands on the new page's one heading. */
async function openFromNav(p: Page, label: string, heading: string): Promise<void> {
  await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
  await p.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor();
  await p.waitForFunction(() => document.activeElement?.tagName === 'H1');
  expect(await p.evaluate(() => document.activeElement?.textContent)).toBe(heading);
  expect(await p.getByRole('heading', { level: 1 }).count()).toBe(1);
}

/** Whether a secret appears anywhere on the page: in its text or in any input's value. */
const pageShows = (p: Page, secret: string) =>
  p.evaluate((s) => (document.body.textContent ?? '').includes(s) || Array.from(document.querySelectorAll('input, textarea')).some((i) => i.value === s), secret);

describe('the admin pages in Chromium', () => {
  it('issues an SDK key shown once with a copy button, lists it, and revokes it after naming it', async () => {
    await signIn(page);
    await openFromNav(page, 'SDK keys', 'SDK keys');
    await page.getByRole('button', { name: 'New SDK key' }).click();
    let dialog = page.getByRole('dialog', { name: 'New SDK key' });
    await dialog.getByLabel('Environment').selectOption('production');
    await dialog.getByLabel('Kind').selectOption('client');
    // A name longer than the API takes: its 400 lands on the name field.
    await dialog.getByLabel('Name').fill('x'.repeat(129));
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await page.waitForFunction(() => document.querySelector('[data-pointer="#/name"]')?.getAttribute('aria-invalid') === 'true');
    expect(await dialog.locator('#field-name-error').textContent()).toMatch(/128/);
    await dialog.getByLabel('Name').fill('web shop');
    await dialog.getByRole('button', { name: 'Create key' }).click();

    dialog = page.getByRole('dialog', { name: 'SDK key web shop' });
    const secretBox = dialog.getByLabel('The SDK key web shop');
    const secret = await secretBox.inputValue();
    expect(secret).toMatch(/^fs_client_[\w-]{43}$/);
    expect(await dialog.textContent()).toContain('you will not see it again');
    await browser.shot(page, 'sdk-key-shown-once');
    await dialog.getByRole('button', { name: 'Copy' }).click();
    await dialog.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    // The key works (an unknown flag, so the stale-flag report's usage stays as seeded): 404, not 401.
    await eventually(async () => expect((await request(server.url, 'GET', '/api/v1/flags/no-such-flag?targetingKey=u1', sdk(secret))).status).toBe(404));
    await dialog.getByRole('button', { name: 'Done, I have copied it' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await pageShows(page, secret)).toBe(false);

    const production = page.getByRole('region', { name: 'production' });
    const row = production.getByTestId('sdk-key').filter({ hasText: 'web shop' });
    expect(await row.textContent()).toMatch(/client.*(UTC|GMT).*bootstrap-admin.*active/);
    await row.getByRole('button', { name: 'Revoke web shop' }).click();
    dialog = page.getByRole('dialog', { name: 'Revoke web shop?' });
    expect(await dialog.textContent()).toMatch(/client key web shop for production .*stops getting flags/);
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await row.getByText('revoked').waitFor();
    expect(await row.getByRole('button', { name: 'Revoke web shop' }).count()).toBe(0);
    const keys = (await server.api('GET', '/admin/api-keys')).body.apiKeys as { name: string; revoked: boolean }[];
    expect(keys.find((k) => k.name === 'web shop')?.revoked).toBe(true);
    await eventually(async () => expect((await request(server.url, 'GET', '/api/v1/flags/no-such-flag?targetingKey=u1', sdk(secret))).status).toBe(401));
    await browser.shot(page, 'sdk-keys');
  });

  it('issues an admin token shown once, and revokes it saying its automation stops working', async () => {
    await openFromNav(page, 'Admin tokens', 'Admin tokens');
    await page.getByRole('button', { name: 'New admin token' }).click();
    let dialog = page.getByRole('dialog', { name: 'New admin token' });
    // No name: the API's 400 names the field.
    await dialog.getByRole('button', { name: 'Create token' }).click();
    await page.waitForFunction(() => document.querySelector('[data-pointer="#/name"]')?.getAttribute('aria-invalid') === 'true');
    await dialog.getByLabel('Name').fill('ci');
    await dialog.getByLabel('Role').selectOption('editor');
    await dialog.getByRole('button', { name: 'Create token' }).click();

    dialog = page.getByRole('dialog', { name: 'Admin token ci' });
    const secret = await dialog.getByLabel('The admin token ci').inputValue();
    expect(secret).toMatch(/^fs_admin_[\w-]{43}$/);
    expect((await server.api('GET', '/admin/flags', { token: secret })).status).toBe(200);
    // Escape closes it too, and the token is gone from the page.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await pageShows(page, secret)).toBe(false);

    const row = page.getByTestId('admin-token').filter({ has: page.getByRole('rowheader', { name: 'ci', exact: true }) });
    expect(await row.textContent()).toMatch(/editor.*(UTC|GMT).*active/);
    await row.getByRole('button', { name: 'Revoke ci' }).click();
    dialog = page.getByRole('dialog', { name: 'Revoke ci?' });
    expect(await dialog.textContent()).toContain('Automation and people using the editor token ci stop working at once');
    await dialog.getByRole('button', { name: 'Revoke token' }).click();
    await row.getByText('revoked').waitFor();
    expect((await server.api('GET', '/admin/flags', { token: secret })).status).toBe(401);
    await browser.shot(page, 'admin-tokens');
  });

  it('warns before revoking the token you are signed in with, and signs you out when you do', async () => {
    const ops = (await server.api('POST', '/admin/tokens', { body: { name: 'ops', role: 'admin' } })).body as { id: string; token: string };
    const own = await browser.newContext();
    const p = await own.newPage();
    await signIn(p, ops.token);
    await p.goto(`${server.url}/tokens`);
    const row = p.getByTestId('admin-token').filter({ hasText: 'ops' });
    await row.getByText('you', { exact: true }).waitFor();
    await row.getByRole('button', { name: 'Revoke ops' }).click();
    const dialog = p.getByRole('dialog', { name: 'Revoke ops?' });
    expect(await dialog.textContent()).toContain('This is the token you are signed in with');
    const confirm = dialog.getByRole('button', { name: 'Revoke and sign out' });
    expect(await confirm.isDisabled()).toBe(true);
    await browser.shot(p, 'admin-token-own');
    await dialog.getByLabel('I understand: revoke the token I am signed in with').check();
    await confirm.click();
    await p.getByLabel('Admin token').waitFor();
    const tokens = (await server.api('GET', '/admin/tokens')).body.tokens as { id: string; revoked: boolean }[];
    expect(tokens.find((t) => t.id === ops.id)?.revoked).toBe(true);
    await own.close();
  });

  it("creates a segment, edits its conditions with the flag editor's rows, shows a stale edit, and archives and restores it", async () => {
    await openFromNav(page, 'Segments', 'Segments');
    await page.getByRole('button', { name: 'New segment' }).click();
    const dialog = page.getByRole('dialog', { name: 'New segment' });
    await dialog.getByLabel('Key').fill('Beta Testers');
    await dialog.getByRole('button', { name: 'Create segment' }).click();
    await page.waitForFunction(() => document.querySelector('[data-pointer="#/key"]')?.getAttribute('aria-invalid') === 'true');
    await dialog.getByLabel('Key').fill('beta-testers');
    await dialog.getByLabel('Description').fill('Opted in to betas');
    await dialog.getByRole('button', { name: 'Create segment' }).click();
    await page.getByRole('heading', { level: 1, name: 'Segment beta-testers' }).waitFor();
    await page.waitForFunction(() => document.activeElement?.tagName === 'H1');

    await page.getByRole('button', { name: 'Add condition to beta-testers' }).click();
    const condition = page.getByRole('listitem', { name: 'Condition 1 of beta-testers' });
    await condition.getByLabel('Attribute').fill('plan');
    expect(await condition.getByLabel('Type').locator('option').allTextContents()).not.toContain('segment');
    await condition.getByLabel('Operator').selectOption('in');
    await condition.getByLabel('Values').fill('beta, staff');
    await page.getByLabel('Included units').fill('user-1\nuser-2');
    await page.getByLabel('Excluded units').fill('user-2');
    await page.getByRole('button', { name: 'Save segment' }).click();
    // The server's `#/excluded/0` lands on the excluded units, and nothing was saved.
    await page.waitForFunction(() => document.querySelector('[data-pointer="#/excluded"]')?.getAttribute('aria-invalid') === 'true');
    expect(await page.locator('#field-excluded-error').textContent()).toBe('value 1: is also included');
    expect((await server.api('GET', '/admin/segments/beta-testers')).body.version).toBe(1);
    await page.getByLabel('Excluded units').fill('user-9');
    await page.getByRole('button', { name: 'Save segment' }).click();
    await page.getByText('Saved beta-testers as version 2').waitFor();
    expect((await server.api('GET', '/admin/segments/beta-testers')).body).toMatchObject({
      description: 'Opted in to betas',
      conditions: [{ attribute: 'plan', operator: 'in', values: ['beta', 'staff'] }],
      included: ['user-1', 'user-2'],
      excluded: ['user-9'],
    });
    await browser.shot(page, 'segment-editor');

    // Someone else saves first: the stale save is refused (412), said so, and Reload shows their version.
    const elsewhere = await server.api('PUT', '/admin/segments/beta-testers', {
      body: { description: 'Changed elsewhere', conditions: [], included: ['user-1'], excluded: [] },
      headers: { 'if-match': 'W/"2"' },
    });
    expect(elsewhere.status).toBe(200);
    await page.getByLabel('Description').fill('My edit');
    await page.getByRole('button', { name: 'Save segment' }).click();
    const conflict = page.getByRole('alert').filter({ hasText: 'Someone else changed beta-testers' });
    await conflict.waitFor();
    await page.waitForFunction(() => document.activeElement?.textContent === 'Reload beta-testers');
    await conflict.getByRole('button', { name: 'Reload beta-testers' }).click();
    await page.waitForFunction(() => (document.querySelector('[data-pointer="#/description"]') as { value?: string } | null)?.value === 'Changed elsewhere');
    expect((await server.api('GET', '/admin/segments/beta-testers')).body.description).toBe('Changed elsewhere');

    await page.getByRole('link', { name: 'History' }).click();
    const entries = page.getByTestId('segment-history-entry');
    await entries.first().waitFor();
    expect(await entries.count()).toBe(3);
    expect(await entries.first().textContent()).toMatch(/v3\s*Segment changed.*(UTC|GMT)/);
    await page.getByRole('link', { name: 'Edit beta-testers' }).click();

    // A flag's rule names the segment: archiving is refused, and the dialog says why.
    await server.api('POST', '/admin/flags', { body: { key: 'beta-banner' } });
    const rule = { conditions: [{ operator: 'in_segment', values: ['beta-testers'] }], serve: { variant: 'on' } };
    const used = await server.api('PUT', '/admin/flags/beta-banner/environments/production', {
      body: { enabled: true, offVariant: 'off', bucketBy: 'targetingKey', prerequisites: [], targets: [], rules: [rule], defaultServe: { variant: 'off' } },
      headers: { 'if-match': 'W/"1"' },
    });
    expect(used.status).toBe(200);
    await page.getByRole('button', { name: 'Archive', exact: true }).click();
    const archive = page.getByRole('dialog', { name: 'Archive segment beta-testers?' });
    await archive.getByRole('button', { name: 'Archive segment' }).click();
    await archive.getByRole('alert').getByText(/used by beta-banner/).waitFor();
    expect((await server.api('GET', '/admin/segments/beta-testers')).body.archived).toBe(false);
    expect((await server.api('DELETE', '/admin/flags/beta-banner')).status).toBe(200);
    await archive.getByRole('button', { name: 'Archive segment' }).click();
    await page.getByRole('button', { name: 'Restore' }).waitFor();
    expect((await server.api('GET', '/admin/segments/beta-testers')).body.archived).toBe(true);
    expect(await page.getByRole('button', { name: 'Save segment' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('button', { name: 'Archive', exact: true }).waitFor();
    expect((await server.api('GET', '/admin/segments/beta-testers')).body.archived).toBe(false);

    await openFromNav(page, 'Segments', 'Segments');
    expect(await page.getByTestId('segment').filter({ hasText: 'beta-testers' }).textContent()).toContain('Changed elsewhere');
  });

  it('creates an environment, with the API errors on the fields', async () => {
    await openFromNav(page, 'Environments', 'Environments');
    await page.getByLabel('Key').fill('Preview!');
    await page.getByRole('button', { name: 'Create environment' }).click();
    await page.waitForFunction(() => document.querySelector('[data-pointer="#/key"]')?.getAttribute('aria-invalid') === 'true');
    expect(await page.locator('#field-key-error').textContent()).toContain('lower-case letters');
    // The focus goes to the field in error.
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-pointer') === '#/key');
    expect((await server.api('GET', '/admin/environments/preview')).status).toBe(404);

    await page.getByLabel('Key').fill('preview');
    await page.getByLabel('Name').fill('Preview apps');
    await page.getByRole('button', { name: 'Create environment' }).click();
    await page.getByText('Created environment preview').waitFor();
    const row = page.getByTestId('environment').filter({ hasText: 'preview' });
    expect(await row.textContent()).toMatch(/previewPreview appsno.*(UTC|GMT)/);
    expect((await server.api('GET', '/admin/environments/preview')).body).toMatchObject({ key: 'preview', name: 'Preview apps', production: false });
    await browser.shot(page, 'environments');
  });

  it('lists stale flags over a period with their counts, links them, and archives one after saying it stops being served', async () => {
    await openFromNav(page, 'Stale flags', 'Stale flags');
    // Over 30 days the flags, ten days old, are too young to be stale.
    await page.getByText('No stale flags over the last 30 days.').waitFor();
    await page.getByLabel('Period').selectOption('7');
    const rows = page.getByTestId('stale-flag');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(2);
    const alwaysOn = rows.filter({ hasText: 'old-always-on' });
    expect(await alwaysOn.textContent()).toMatch(/served on to everyone \(12 evaluations\)12.*(UTC|GMT)/);
    expect(await alwaysOn.getByRole('link', { name: 'old-always-on' }).getAttribute('href')).toBe('/flags/old-always-on');
    const banner = rows.filter({ hasText: 'old-banner' });
    expect(await banner.textContent()).toMatch(/not evaluated in 7 days0never/);
    await browser.shot(page, 'stale-flags');

    await banner.getByRole('button', { name: 'Archive old-banner' }).click();
    const dialog = page.getByRole('dialog', { name: 'Archive old-banner?' });
    expect(await dialog.textContent()).toContain('old-banner stops being served in every environment');
    await dialog.getByRole('button', { name: 'Archive flag' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="stale-flag"]').length === 1);
    expect(await rows.first().textContent()).toContain('old-always-on');
    expect((await server.api('GET', '/admin/flags/old-banner')).body.archived).toBe(true);

    // A period the API refuses shows its 400 on the period picker.
    await page.goto(`${server.url}/stale-flags?days=0`);
    await page.waitForFunction(() => document.querySelector('[data-pointer="#/staleDays"]')?.getAttribute('aria-invalid') === 'true');
    expect(await page.locator('#field-staleDays-error').textContent()).toMatch(/1/);
  });

  it('creates and copies an SDK key with the keyboard alone, focus moving in and out of the dialogs', async () => {
    const keyboard = await browser.newContext();
    await keyboard.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    const p = await keyboard.newPage();
    await signIn(p);
    await p.goto(`${server.url}/api-keys`);
    await p.waitForFunction(() => document.activeElement?.tagName === 'H1');
    // The button waits for the environments the dialog offers.
    await p.getByRole('button', { name: 'New SDK key', disabled: false }).waitFor();
    await p.keyboard.press('Tab');
    expect(await p.evaluate(() => document.activeElement?.textContent)).toBe('New SDK key');
    await p.keyboard.press('Enter');
    await p.getByRole('dialog', { name: 'New SDK key' }).waitFor();
    expect(await p.evaluate(() => document.activeElement?.getAttribute('data-pointer'))).toBe('#/environment');
    await p.keyboard.press('Tab'); // kind
    await p.keyboard.press('Tab'); // name
    expect(await p.evaluate(() => document.activeElement?.getAttribute('data-pointer'))).toBe('#/name');
    await p.keyboard.type('typed key');
    await p.keyboard.press('Enter');
    const shown = p.getByRole('dialog', { name: 'SDK key typed key' });
    await shown.waitFor();
    expect(await p.evaluate(() => document.activeElement?.textContent)).toBe('Copy');
    await p.keyboard.press('Enter');
    await shown.getByText('Copied to the clipboard.').waitFor();
    expect(await p.evaluate(() => navigator.clipboard.readText())).toMatch(/^fs_server_/);
    await p.keyboard.press('Tab');
    expect(await p.evaluate(() => document.activeElement?.textContent)).toBe('Done, I have copied it');
    await p.keyboard.press('Enter');
    await shown.waitFor({ state: 'detached' });
    expect(await p.evaluate(() => document.activeElement?.textContent)).toBe('New SDK key');
    await p.getByRole('rowheader', { name: 'typed key' }).waitFor();
    await keyboard.close();
  });

  it('schedules a flag to turn on in production and shows it applied, and cancels another schedule with a reason', async () => {
    expect((await server.api('POST', '/admin/flags', { body: { key: 'launch-banner' } })).status).toBe(201);
    // A viewer half an hour off UTC: the time typed is on their clock, the schedule's instant is sent in UTC.
    const zone = 'America/St_Johns';
    const viewer = await browser.newContext({ timezoneId: zone });
    const p = await viewer.newPage();
    await signIn(p);
    await p.goto(`${server.url}/flags/launch-banner?env=production`);
    const section = p.getByRole('region', { name: 'Schedules in production' });
    await section.getByText('Nothing scheduled in production.').waitFor();
    const form = section.getByRole('form', { name: 'Schedule a change' });

    // An hour ago: production asks first, then the server's problem lands on the time, which gets the focus.
    await form.getByLabel('At', { exact: true }).fill(wallClock(new Date(Date.now() - 3_600_000), zone));
    await form.getByRole('button', { name: 'Schedule' }).click();
    let confirm = p.getByRole('dialog', { name: 'Schedule Turn on of launch-banner in production?' });
    await confirm.getByRole('button', { name: 'Schedule' }).click();
    await p.waitForFunction(() => document.activeElement?.getAttribute('data-pointer') === '#/at');
    expect(await form.locator('#field-at-error').textContent()).toMatch(/is in the past/);

    const at = new Date(Math.floor(Date.now() / 1000) * 1000 + 6_000);
    await form.getByLabel('At', { exact: true }).fill(wallClock(at, zone));
    expect(await form.getByLabel('Fail if the flag changes before then').isChecked()).toBe(true);
    await form.getByRole('button', { name: 'Schedule' }).click();
    confirm = p.getByRole('dialog', { name: 'Schedule Turn on of launch-banner in production?' });
    await confirm.getByLabel('Reason (recorded in the audit log)').fill('launch day');
    await confirm.getByRole('button', { name: 'Schedule' }).click();
    const launch = section.getByTestId('schedule').filter({ hasText: 'Turn on' });
    await launch.getByText('pending', { exact: true }).waitFor();
    expect(await launch.textContent()).toMatch(/(UTC|GMT).*Turn on.*pending.*bootstrap-admin.*launch day/);
    const stored = (await server.api('GET', '/admin/flags/launch-banner/environments/production/schedules')).body.schedules as { at: string; ifVersion: number | null; reason: string }[];
    expect(stored).toEqual([expect.objectContaining({ at: at.toISOString(), ifVersion: 1, reason: 'launch day' })]);
    await browser.shot(p, 'flag-schedule-pending');

    // The page looks again once it is due: applied, and the flag is on, here and on the server.
    await launch.getByText('applied', { exact: true }).waitFor();
    expect(await launch.textContent()).toMatch(/Applied (on time|[\d.]+ s late)/);
    expect(await launch.getByRole('button', { name: /^Cancel/ }).count()).toBe(0);
    await eventually(async () => expect(await p.getByLabel('Enabled in production').isChecked()).toBe(true));
    expect((await server.api('GET', '/admin/flags/launch-banner')).body.environments.production.enabled).toBe(true);

    // In staging, no confirmation: schedule turning it off in an hour, then cancel that, saying why.
    await p.getByRole('navigation', { name: 'Environment' }).getByRole('link', { name: /^staging/ }).click();
    const staging = p.getByRole('region', { name: 'Schedules in staging' });
    await staging.getByText('Nothing scheduled in staging.').waitFor();
    await staging.getByLabel('Change', { exact: true }).selectOption({ label: 'Turn off' });
    await staging.getByLabel('At', { exact: true }).fill(wallClock(new Date(Date.now() + 3_600_000), zone));
    await staging.getByLabel('Reason', { exact: true }).fill('end of trial');
    await staging.getByRole('button', { name: 'Schedule' }).click();
    const trial = staging.getByTestId('schedule').filter({ hasText: 'Turn off' });
    await trial.getByText('pending', { exact: true }).waitFor();
    await trial.getByRole('button', { name: /^Cancel Turn off at/ }).click();
    const cancel = p.getByRole('dialog', { name: /^Cancel Turn off at .*\?$/ });
    await cancel.getByLabel('Reason (recorded in the audit log)').fill('trial extended');
    await cancel.getByRole('button', { name: 'Cancel schedule' }).click();
    await trial.getByText('cancelled', { exact: true }).waitFor();
    expect(await trial.getByRole('button', { name: /^Cancel/ }).count()).toBe(0);
    const staged = (await server.api('GET', '/admin/flags/launch-banner/environments/staging/schedules')).body.schedules as { status: string; change: unknown }[];
    expect(staged).toEqual([expect.objectContaining({ status: 'cancelled', change: { enabled: false } })]);

    // The targeting being edited, unsaved, can be scheduled instead of saved: here the default serving off.
    const defaults = p.getByRole('group', { name: 'Default (no rule matched)' });
    await defaults.getByLabel('Variant', { exact: true }).selectOption('off');
    await staging.getByLabel('Change', { exact: true }).selectOption({ label: 'Schedule the current targeting draft' });
    await staging.getByLabel('At', { exact: true }).fill(wallClock(new Date(Date.now() + 7_200_000), zone));
    await staging.getByRole('button', { name: 'Schedule' }).click();
    const replace = staging.getByTestId('schedule').filter({ hasText: 'Replace targeting' });
    await replace.getByText('pending', { exact: true }).waitFor();
    expect(await replace.textContent()).toContain('Replace targeting (off (serves off), 0 rules, default off)');
    // Scheduled, not saved: the edit stays in the editor, and the environment serves as before.
    expect(await defaults.getByLabel('Variant', { exact: true }).inputValue()).toBe('off');
    const flagNow = (await server.api('GET', '/admin/flags/launch-banner')).body as { environments: Record<string, { defaultServe: unknown }> };
    expect(flagNow.environments['staging']?.defaultServe).toEqual({ variant: 'on' });
    const drafted = (await server.api('GET', '/admin/flags/launch-banner/environments/staging/schedules?status=pending')).body.schedules as { change: { targeting?: { defaultServe: unknown } } }[];
    expect(drafted.map((d) => d.change.targeting?.defaultServe)).toEqual([{ variant: 'off' }]);

    const history = (await server.api('GET', '/admin/flags/launch-banner/history')).body as { events: { type: string; reason: string | null }[] };
    expect(history.events.find((e) => e.type === 'FlagScheduleCancelled')?.reason).toBe('trial extended');
    await browser.shot(p, 'flag-schedules');
    await viewer.close();
  });

  it('reads on a narrow window', async () => {
    const narrow = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const p = await narrow.newPage();
    await signIn(p);
    for (const [where, heading] of [['/flags/launch-banner?env=staging', 'launch-banner'], ['/segments/beta-testers', 'Segment beta-testers'], ['/stale-flags?days=7', 'Stale flags'], ['/api-keys', 'SDK keys'], ['/tokens', 'Admin tokens']] as const) {
      await p.goto(`${server.url}${where}`);
      await p.getByRole('heading', { level: 1, name: heading }).waitFor();
      await p.locator('table, form').filter({ visible: true }).first().waitFor();
      // No sideways scrolling of the page itself (wide tables scroll in their own box). Measured against the
      // device's width: a mobile browser widens its layout viewport (innerWidth) to fit content that overflows.
      expect(await p.evaluate(() => document.documentElement.scrollWidth), where).toBeLessThanOrEqual(390);
    }
    await browser.shot(p, 'admin-tokens-narrow');
    await narrow.close();
  });

  it('loaded nothing from outside the server', () => {
    expect(browser.outside).toEqual([]);
  });
});
