import { readFile } from 'node:fs/promises';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createInMemoryEventStore } from '../../src/event-store/in-memory-event-store.ts';
import { FlagUsageRecorder } from '../../src/write/flags/flag-usage.ts';
import { buildWebAppIfMissing, launchTestBrowser, type TestBrowser } from '../support/browser.ts';
import { eventually } from '../support/eventually.ts';
import { ADMIN_TOKEN, request, startTestServer, type TestServer } from '../support/flagstaff.ts';
import { syntheticExperiment } from '../support/synthetic-experiment.ts';

/**
 * The admin web app in a real browser (Debian's Chromium driven by playwright-core), against the real HTTP app
 * serving the built app at `/`: the main flows by mouse, one by keyboard alone, and screenshots of the main
 * screens at 1280×800 and on a narrow window (test-artifacts/screenshots/).
 */
// Callbacks of page.evaluate and waitForFunction run in the browser; the root tsconfig has no DOM library, so
// these module-local declarations name the little of the DOM they touch.
interface DomElement {
  id: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  closest(selector: string): DomElement | null;
  getBoundingClientRect(): { top: number; bottom: number; height: number };
}
declare const document: {
  activeElement: DomElement | null;
  body: { textContent: string | null };
  documentElement: { scrollWidth: number };
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
};
declare const window: { innerWidth: number };
declare const sessionStorage: { getItem(key: string): string | null };
declare function getComputedStyle(element: DomElement): { outlineStyle: string };

let server: TestServer;
let browser: TestBrowser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  buildWebAppIfMissing();
  server = await startTestServer();
  await seedExperiment(server);
  browser = await launchTestBrowser();
  // A fixed zone, so the test knows which offset the app must show next to each time.
  context = await browser.newContext({ timezoneId: TIME_ZONE });
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

/** An experiment whose configured split (60/40) the units do not follow (≈50/50): results with an SRM mismatch. */
async function seedExperiment(s: TestServer): Promise<void> {
  const sdkKey = (await s.api('POST', '/admin/api-keys', { body: { environment: 'production', kind: 'server' } })).body.key as string;
  await s.api('POST', '/admin/flags', { body: { key: 'new-checkout', description: 'New checkout flow', tags: ['checkout'] } });
  await s.api('POST', '/admin/metrics', { body: { key: 'purchase', kind: 'binomial', event: 'purchase' } });
  await s.api('POST', '/admin/metrics', { body: { key: 'revenue', kind: 'mean', event: 'purchase' } });
  const created = await s.api('POST', '/admin/experiments', {
    body: {
      key: 'checkout-test',
      flagKey: 'new-checkout',
      environment: 'production',
      hypothesis: 'The new checkout raises purchases',
      controlVariant: 'off',
      variants: [{ variant: 'off', weight: 60_000 }, { variant: 'on', weight: 40_000 }],
      primaryMetric: 'purchase',
      secondaryMetrics: ['revenue'],
      method: 'sequential',
    },
  });
  expect(created.status).toBe(201);
  expect((await s.api('POST', '/admin/experiments/checkout-test/start')).status).toBe(200);
  const data = syntheticExperiment({ units: 2_000, seed: 11, startedAt: new Date(Date.now() + 1_000), conversion: { off: 0.1, on: 0.16 } });
  for (const events of data.batches(2_000)) {
    const sent = await request(s.url, 'POST', '/api/v1/events', { token: null, headers: { authorization: `Bearer ${sdkKey}` }, body: { events } });
    expect(sent.status).toBe(202);
  }
  await eventually(async () => expect(await s.analytics.eventCounts()).toEqual({ exposures: data.exposureCount, metricEvents: data.metricEventCount }), 30_000);
}

const TIME_ZONE = 'Europe/Berlin';

/**
 * A time the app shows must carry its zone and denote the instant in its `dateTime`: `2026-12-07 14:03:22 UTC+1`
 * read back (wall clock minus offset) is that instant to the second. Berlin is UTC+1 in winter, UTC+2 in summer.
 */
async function expectZoned(time: Locator): Promise<void> {
  const shown = (await time.textContent()) ?? '';
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) UTC\+([12])$/.exec(shown);
  expect(m, `a zoned time, not "${shown}"`).not.toBeNull();
  const [, y, mo, d, h, mi, sec, offset] = m!.map(Number) as number[];
  const instant = Date.parse((await time.getAttribute('datetime'))!);
  expect(Date.UTC(y!, mo! - 1, d!, h! - offset!, mi!, sec!)).toBe(Math.floor(instant / 1000) * 1000);
}

const flag = async (key: string) => (await server.api('GET', `/admin/flags/${key}`)).body;

async function signIn(p: Page): Promise<void> {
  await p.goto(server.url);
  await p.getByLabel('Admin token').fill(ADMIN_TOKEN);
  await p.getByRole('button', { name: 'Sign in' }).click();
  // exact: a substring match would also find the sign-in page's own heading, 'Flagstaff', before the sign-in is done.
  await p.getByRole('heading', { name: 'Flags', exact: true }).waitFor();
}

describe('the admin web app in Chromium', () => {
  it('signs in with an admin token and lists the flags with a switch per environment', async () => {
    await page.goto(server.url);
    await page.getByLabel('Admin token').fill('not-a-token-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await browser.shot(page, 'sign-in');
    await signIn(page);
    expect(await page.evaluate(() => sessionStorage.getItem('flagstaff.adminToken'))).toBe(ADMIN_TOKEN);
    await page.getByRole('link', { name: 'new-checkout' }).waitFor();
    expect(await page.getByRole('switch', { name: 'new-checkout in production' }).getAttribute('aria-checked')).toBe('false');
  });

  it('creates a flag', async () => {
    await page.getByRole('button', { name: 'New flag' }).click();
    const dialog = page.getByRole('dialog', { name: 'New flag' });
    await dialog.getByLabel('Key').fill('checkout-banner');
    await dialog.getByLabel('Description').fill('Banner on the checkout page');
    await dialog.getByLabel('Tags').fill('checkout, ui');
    await dialog.getByRole('button', { name: 'Create flag' }).click();
    await page.getByRole('heading', { name: /checkout-banner/ }).waitFor();
    expect(await flag('checkout-banner')).toMatchObject({ key: 'checkout-banner', tags: ['checkout', 'ui'], version: 1 });
  });

  it('adds a rule in production, shows the API error on the offending input, and saves a 25/75 split', async () => {
    await page.getByRole('link', { name: /^production/ }).click();
    await page.getByRole('heading', { name: 'Targeting in production' }).waitFor();
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByLabel('Attribute').fill('country');
    await page.getByLabel('Type', { exact: true }).selectOption('number');
    await page.getByLabel('Operator').selectOption('gt');
    await page.getByLabel('Value', { exact: true }).fill('abc');
    await page.getByRole('button', { name: 'Save production' }).click();
    // The server's `#/rules/0/conditions/0/values/0` lands on the values input of that condition.
    const values = page.getByLabel('Value', { exact: true });
    await page.waitForFunction(() => document.querySelector('[data-pointer="#/rules/0/conditions/0/values"]')?.getAttribute('aria-invalid') === 'true');
    expect(await values.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#field-rules-0-conditions-0-values-error').textContent()).toContain('must be a number for this operator');
    await browser.shot(page, 'flag-editor-error');

    await page.getByLabel('Type', { exact: true }).selectOption('string');
    await page.getByLabel('Operator').selectOption('in');
    await page.getByLabel('Values', { exact: true }).fill('US, CA');
    const defaults = page.getByRole('group', { name: 'Default (no rule matched)' });
    await defaults.getByLabel('Percentage split').check();
    await defaults.getByLabel('on (%)').fill('20');
    await defaults.getByLabel('off (%)').fill('75');
    await page.getByText('Weights must sum to 100% (now 95%)').waitFor();
    await defaults.getByLabel('on (%)').fill('25');
    await page.getByRole('form', { name: 'Targeting in production' }).getByLabel('Reason').fill('launch to North America');
    await page.getByRole('button', { name: 'Save production' }).click();
    await page.getByText('Saved production as version 2').waitFor();
    const saved = (await flag('checkout-banner')).environments.production;
    expect(saved.rules).toEqual([{ id: 'rule-1', conditions: [{ attribute: 'country', operator: 'in', values: ['US', 'CA'] }], serve: { variant: 'on' } }]);
    expect(saved.defaultServe).toEqual({ split: [{ variant: 'on', weight: 25_000 }, { variant: 'off', weight: 75_000 }] });
    await browser.shot(page, 'flag-editor');
  });

  it('moves focus to the field of a refused regex every time, clear of the sticky save bar', async () => {
    await page.getByRole('button', { name: 'Add rule' }).click();
    const rule = page.getByRole('listitem', { name: /^Rule 2/ });
    await rule.getByLabel('Attribute').fill('email');
    await rule.getByLabel('Operator').selectOption('matches');
    // Several rounds, each with its own bad pattern, so each waits for its own error: a focus that races the
    // re-render lands on the save button in some of them.
    for (let round = 0; round < 6; round++) {
      const pattern = `(unclosed-${round}`;
      await rule.getByLabel('Values', { exact: true }).fill(pattern);
      await page.getByRole('button', { name: 'Save production' }).click();
      // Read in the same frame as the error first shows: where focus is then, not a moment later.
      const seen = await page.waitForFunction((expected) => {
        const error = document.querySelector('#field-rules-1-conditions-0-values-error');
        if (!error?.textContent?.includes(expected)) return null;
        const bar = document.querySelector('.save-bar')!.getBoundingClientRect();
        const field = document.querySelector('#field-rules-1-conditions-0-values')!.getBoundingClientRect();
        return { focused: document.activeElement?.id ?? null, fieldTop: field.top, errorBottom: error.getBoundingClientRect().bottom, barTop: bar.top };
      }, pattern);
      const at = (await seen.jsonValue())!;
      expect(at.focused, `round ${round}`).toBe('field-rules-1-conditions-0-values');
      expect(at.fieldTop).toBeGreaterThanOrEqual(0);
      expect(at.errorBottom, 'the error is not under the sticky save bar').toBeLessThanOrEqual(at.barTop);
    }
    expect(await page.locator('#field-rules-1-conditions-0-values-error').textContent()).toContain('is not a valid RE2 regular expression');
    await browser.shot(page, 'flag-editor-regex-error');
    await page.getByRole('button', { name: 'Remove rule 2' }).click();
    expect((await flag('checkout-banner')).version).toBe(2); // nothing refused was saved
  });

  it('toggles the flag in production from the list, after a confirmation', async () => {
    await page.getByRole('link', { name: 'Flags', exact: true }).click();
    const toggle = page.getByRole('switch', { name: 'checkout-banner in production' });
    await toggle.click();
    const dialog = page.getByRole('dialog', { name: 'Turn checkout-banner on in production?' });
    await dialog.waitFor();
    await dialog.getByLabel(/Reason/).fill('go live');
    await browser.shot(page, 'toggle-confirmation');
    await dialog.getByRole('button', { name: 'Turn on' }).click();
    await page.waitForFunction(() => document.querySelector('[aria-label="checkout-banner in production"]')?.getAttribute('aria-checked') === 'true');
    expect((await flag('checkout-banner')).environments.production.enabled).toBe(true);
    // Other environments switch without asking.
    await page.getByRole('switch', { name: 'checkout-banner in development' }).click();
    await page.waitForFunction(() => document.querySelector('[aria-label="checkout-banner in development"]')?.getAttribute('aria-checked') === 'true');
    expect(await page.getByRole('dialog').count()).toBe(0);
    // Search and tags filter the list.
    await page.getByLabel('Search').fill('banner');
    await page.waitForFunction(() => !document.body.textContent?.includes('New checkout flow'));
    await page.getByRole('button', { name: 'Filter by tag ui' }).click();
    await page.getByRole('link', { name: 'checkout-banner' }).waitFor();
    await page.getByLabel('Search').fill('');
    await browser.shot(page, 'flags');
  });

  it('shows the change in history with actor, reason and diff, explains an evaluation now and then, and rolls back', async () => {
    // A deep link: the server answers client routes with the app.
    await page.goto(`${server.url}/flags/checkout-banner/history`);
    const entries = page.getByTestId('history-entry');
    await entries.first().waitFor();
    expect(await entries.count()).toBe(4); // created, targeting, toggled in production, toggled in development
    const toggled = entries.filter({ hasText: 'go live' });
    // Event types in plain words (the raw type in the tooltip), times with their zone.
    expect(await toggled.locator('.event-type').textContent()).toBe('Switched on or off');
    expect(await toggled.locator('.event-type').getAttribute('title')).toBe('FlagToggled');
    for (const text of await entries.allTextContents()) expect(text).not.toMatch(/Flag[A-Z]\w+/);
    await expectZoned(toggled.locator('time'));
    expect(await toggled.textContent()).toContain('admin'); // the actor
    await entries.filter({ hasText: 'launch to North America' }).getByRole('button', { name: 'Show changes' }).click();
    await page.getByText('environments.production.defaultServe').first().waitFor();

    const explain = page.getByRole('region', { name: 'Explain an evaluation' });
    await explain.getByLabel('Context (JSON)').fill('{"targetingKey":"user-1","country":"US"}');
    await explain.getByRole('button', { name: 'Explain now' }).click();
    await explain.getByTestId('explain-result').getByText('TARGETING_MATCH', { exact: true }).waitFor();

    // The slider back to version 1: the flag as created, and an explanation as of then.
    const slider = page.getByLabel(/^Version \d+ of 4/);
    await slider.focus();
    await page.keyboard.press('Home');
    await page.getByText('Version 1 of 4').waitFor();
    await page.getByTestId('flag-as-of').getByText('v1').waitFor();
    expect(await page.getByTestId('flag-as-of').textContent()).toContain('off (serves off), 0 rules');
    await page.getByLabel('Whole environment').check();
    await page.getByTestId('environment-as-of').waitFor();
    await page.getByLabel('This flag').check();
    await explain.getByLabel(/As of v1/).check();
    await explain.getByRole('button', { name: 'Explain then' }).click();
    await explain.getByTestId('explain-result').getByText('DISABLED', { exact: true }).waitFor();
    await browser.shot(page, 'history');

    await page.getByRole('button', { name: 'Roll back to v1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll checkout-banner back to v1?' });
    expect(await dialog.getByRole('button', { name: 'Roll back' }).isDisabled()).toBe(true); // a reason is required
    await dialog.getByLabel(/Reason/).fill('the banner broke checkout');
    await dialog.getByRole('button', { name: 'Roll back' }).click();
    await page.getByText('Rolled back to version 1: the flag is now at version 5').waitFor();
    const now = await flag('checkout-banner');
    expect(now.version).toBe(5);
    expect(now.environments.production).toMatchObject({ enabled: false, rules: [] });
    const history = (await server.api('GET', '/admin/flags/checkout-banner/history')).body.events;
    expect(history.at(-1)).toMatchObject({ type: 'FlagRolledBack', reason: 'the banner broke checkout' });
    await entries.filter({ hasText: 'the banner broke checkout' }).waitFor();
  });

  it('defines a metric and designs an experiment with the sample size it needs', async () => {
    await page.getByRole('link', { name: 'Experiments' }).click();
    await page.getByRole('button', { name: 'New metric' }).click();
    const dialog = page.getByRole('dialog', { name: 'New metric' });
    await dialog.getByLabel('Key').fill('signup');
    await dialog.getByLabel('Event').fill('signup');
    await dialog.getByRole('button', { name: 'Define metric' }).click();
    await page.locator('.metric-list').getByText('signup', { exact: true }).waitFor();
    expect((await server.api('GET', '/admin/metrics/signup')).body).toMatchObject({ kind: 'binomial', event: 'signup' });
    await page.getByRole('link', { name: 'New experiment' }).click();
    await page.getByLabel('Minimum detectable effect (% relative lift)').fill('10');
    await page.getByLabel('Baseline conversion rate (%)').fill('10');
    // 16,232 per variant for +10% on 10% at α 0.05, power 0.8 (test/analytics/power.unit.test.ts)
    await page.getByTestId('sample-size').getByText('16,232').waitFor();
    await page.getByLabel('Baseline conversion rate (%)').fill('150');
    await page.getByTestId('sample-size').getByText(/baselineMean/).waitFor();
    await page.getByLabel('Baseline conversion rate (%)').fill('10');
    await page.getByTestId('sample-size').getByText('16,232').waitFor();
    await browser.shot(page, 'experiment-design');
  });

  it("opens an experiment's results: forest plot, SRM warning, sequential state, raw numbers", async () => {
    await page.getByRole('link', { name: 'Experiments' }).click();
    await page.getByRole('link', { name: 'checkout-test' }).click();
    const banner = page.getByTestId('srm-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('Sample ratio mismatch');
    await page.getByTestId('sequential-state').waitFor();
    const metrics = page.getByTestId('metric-result');
    expect(await metrics.count()).toBe(2);
    const plot = metrics.first().locator('svg.forest-plot');
    expect(await plot.getAttribute('aria-label')).toMatch(/^purchase: relative lift with its interval: on vs off: [+-]\d/);
    expect(await plot.locator('[data-testid="forest-row"] circle').count()).toBe(1);
    expect(await metrics.first().getByRole('table', { name: 'Raw numbers per variant' }).textContent()).toMatch(/off[\d,]+/);
    await browser.shot(page, 'experiment-results');
  });

  it('marks the flag that carries a running experiment, and warns on both pages while the flag starves it', async () => {
    await page.getByRole('link', { name: 'Flags', exact: true }).click();
    const row = page.locator('tr', { has: page.getByRole('link', { name: 'new-checkout', exact: true }) });
    const badge = row.locator('td[data-label="production"]').getByRole('link', { name: /experiment checkout-test/ });
    await badge.waitFor();
    expect(await badge.getAttribute('href')).toBe('/experiments/checkout-test');
    expect(await badge.textContent()).toContain('no traffic'); // new-checkout is off in production
    expect(await row.locator('.experiment-badge').count()).toBe(1); // only where it runs
    expect(await page.locator('tr', { has: page.getByRole('link', { name: 'checkout-banner', exact: true }) }).locator('.experiment-badge').count()).toBe(0);
    await browser.shot(page, 'flags-experiment-badge');

    await badge.click();
    const onResults = page.getByTestId('no-traffic-warning');
    await onResults.waitFor();
    expect(await onResults.textContent()).toContain('This flag is off in production: the experiment gets no traffic');
    await onResults.getByRole('link', { name: 'new-checkout on in production' }).click();
    await page.getByRole('heading', { name: 'Targeting in production' }).waitFor();
    const onFlag = page.getByTestId('no-traffic-warning');
    await onFlag.waitFor();
    expect(await onFlag.textContent()).toContain('This flag is off in production: the experiment checkout-test gets no traffic');
    expect(await onFlag.getByRole('link', { name: 'checkout-test' }).getAttribute('href')).toBe('/experiments/checkout-test');
    await expectZoned(page.locator('p.muted time').first()); // "updated …"

    // Switched on, the flag lets units in: no warning, and the badge no longer says "no traffic".
    expect((await server.api('POST', '/admin/flags/new-checkout/environments/production/toggle', { body: { enabled: true } })).status).toBe(200);
    await page.goto(`${server.url}/experiments/checkout-test`);
    await page.getByTestId('srm-banner').waitFor();
    await page.getByText('new-checkout in production, switched on').waitFor(); // the flag is loaded
    expect(await page.getByTestId('no-traffic-warning').count()).toBe(0);
    await page.getByRole('link', { name: 'Flags', exact: true }).click();
    await page.waitForFunction(() => document.querySelector('td[data-label="production"] .experiment-badge')?.textContent === 'experiment checkout-test');
    expect((await server.api('POST', '/admin/flags/new-checkout/environments/production/toggle', { body: { enabled: false } })).status).toBe(200);
  });

  it('filters the audit feed', async () => {
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByTestId('audit-entry').first().waitFor();
    await page.getByLabel('Entity').fill('flag:checkout-banner');
    await page.getByLabel('Event type').fill('FlagToggled');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="audit-entry"]').length === 2);
    await page.getByLabel('Entity').fill('not a valid entity!');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForFunction(() => document.querySelector('[data-pointer="#/entity"]')?.getAttribute('aria-invalid') === 'true');
    await page.getByLabel('Entity').fill('flag:checkout-banner');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="audit-entry"]').length === 2);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    expect(csv.suggestedFilename()).toBe('flagstaff-audit.csv');
    const lines = (await readFile((await csv.path())!, 'utf8')).trim().split('\r\n');
    expect(lines).toHaveLength(3); // the header and the two filtered entries
    await browser.shot(page, 'audit');
  });

  it('shows the audit feed readable: plain event names, zoned times, changes before → after, entities as links', async () => {
    // A change by an issued token, so the feed has a `token:<name>` actor (and a metric entity).
    const issued = await server.api('POST', '/admin/tokens', { body: { name: 'ci-bot', role: 'editor' } });
    expect(issued.status).toBe(201);
    const byBot = await server.api('POST', '/admin/metrics', { token: issued.body.token, body: { key: 'bot-metric', kind: 'binomial', event: 'signup' } });
    expect(byBot.status).toBe(201);
    await page.goto(`${server.url}/audit`);
    await page.getByTestId('audit-entry').first().waitFor();

    // The actor field says the format and offers the actors seen, a token by its name.
    const actor = page.getByLabel('Actor');
    expect(await actor.getAttribute('placeholder')).toBe('token:<name>');
    await page.waitForFunction(() => document.querySelectorAll('#audit-actors option').length >= 2);
    const offered = await page.locator('#audit-actors option').evaluateAll((options) => options.map((o) => o.getAttribute('value')));
    expect(offered).toEqual(expect.arrayContaining(['bootstrap-admin', 'token:ci-bot']));
    expect(offered.some((o) => o?.includes('#'))).toBe(false);
    await actor.fill('token:ci-bot');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="audit-entry"]').length === 1);
    const defined = page.getByTestId('audit-entry');
    expect(await defined.locator('td').nth(2).textContent()).toBe('Metric defined');
    expect(await defined.locator('.change-lines li').allTextContents()).toEqual(expect.arrayContaining(['key bot-metric', 'kind binomial'])); // a line per field
    await expectZoned(defined.locator('time'));
    const metricLink = defined.getByRole('link', { name: 'metric:bot-metric' });
    expect(await metricLink.getAttribute('href')).toBe('/experiments#metric-bot-metric');
    await metricLink.click();
    await page.waitForFunction(() => document.querySelector('#metric-bot-metric')?.getAttribute('aria-current') === 'true');

    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByLabel('Entity').fill('experiment:checkout-test');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('cell', { name: 'Experiment started' }).waitFor();
    expect(await page.getByRole('link', { name: 'experiment:checkout-test' }).first().getAttribute('href')).toBe('/experiments/checkout-test');

    // A toggle: its fields as lines, and on request the flag's diff from the version before.
    await page.getByLabel('Entity').fill('flag:checkout-banner');
    await page.getByLabel('Event type').fill('FlagToggled');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="audit-entry"]').length === 2);
    const goLive = page.getByTestId('audit-entry').filter({ hasText: 'go live' });
    expect(await goLive.locator('td').nth(2).textContent()).toBe('Switched on or off');
    expect(await goLive.locator('td').nth(2).getAttribute('title')).toBe('FlagToggled');
    expect(await goLive.locator('.change-lines').textContent()).toBe('environment productionenabled true');
    await goLive.getByRole('button', { name: 'Show changes' }).click();
    const diff = goLive.getByTestId('flag-diff').locator('li');
    await diff.first().waitFor();
    expect(await diff.allTextContents()).toEqual(['environments.production.enabled changed: false → true']);
    for (const text of await page.getByTestId('audit-entry').allTextContents()) expect(text).not.toMatch(/Flag[A-Z]\w+/);

    // The filter inputs line up, even with an error under one of them.
    await page.getByLabel('Entity').fill('not a valid entity!');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForFunction(() => document.querySelector('[data-pointer="#/entity"]')?.getAttribute('aria-invalid') === 'true');
    const boxes = await page.locator('form.filters .field input').evaluateAll((inputs) => inputs.map((i) => i.getBoundingClientRect()).map((r) => ({ top: r.top, height: r.height })));
    expect(boxes).toHaveLength(5);
    for (const box of boxes) {
      expect(Math.abs(box.top - boxes[0]!.top)).toBeLessThanOrEqual(1);
      expect(Math.abs(box.height - boxes[0]!.height)).toBeLessThanOrEqual(1);
    }
    await browser.shot(page, 'audit-readable');
    await page.getByRole('button', { name: 'Clear' }).click();
  });

  it('signs in and toggles production with the keyboard alone, and Escape cancels', async () => {
    const keyboard = await browser.newContext();
    const p = await keyboard.newPage();
    await p.goto(server.url);
    // The token field has focus on arrival.
    await p.waitForFunction(() => document.activeElement?.id === 'token');
    await p.keyboard.type(ADMIN_TOKEN);
    await p.keyboard.press('Enter');
    await p.getByRole('switch', { name: 'checkout-banner in production' }).waitFor();
    let found = false;
    for (let i = 0; i < 60 && !found; i++) {
      await p.keyboard.press('Tab');
      found = await p.evaluate(() => document.activeElement?.getAttribute('aria-label') === 'checkout-banner in production');
    }
    expect(found).toBe(true);
    // Focus is visible: the focused switch has an outline.
    expect(await p.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).not.toBe('none');
    await p.keyboard.press('Space');
    await p.getByRole('dialog').waitFor();
    expect(await p.evaluate(() => document.activeElement?.id)).toBe('toggle-reason');
    await p.keyboard.type('keyboard check');
    await p.keyboard.press('Enter');
    await p.waitForFunction(() => document.querySelector('[aria-label="checkout-banner in production"]')?.getAttribute('aria-checked') === 'true');
    expect((await flag('checkout-banner')).environments.production.enabled).toBe(true);
    expect(await p.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('checkout-banner in production');

    await p.keyboard.press('Enter');
    await p.getByRole('dialog').waitFor();
    await p.keyboard.press('Tab');
    await p.keyboard.press('Tab');
    await p.keyboard.press('Tab');
    expect(await p.evaluate(() => document.activeElement?.closest('[role="dialog"]') !== null)).toBe(true); // focus stays in the dialog
    await p.keyboard.press('Escape');
    await p.waitForFunction(() => document.querySelector('[role="dialog"]') === null);
    expect(await p.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('checkout-banner in production');
    expect((await flag('checkout-banner')).environments.production.enabled).toBe(true);
    await keyboard.close();
  });

  it('shows the API reference at /docs under the same policy', async () => {
    const response = await page.goto(`${server.url}/docs`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.locator('[data-path="/admin/flags/{key}/history"]').first().waitFor();
    await browser.shot(page, 'api-docs');
  });

  it('loaded nothing from outside the server', () => {
    expect(browser.outside).toEqual([]);
  });

  it('reads on a narrow window', async () => {
    const narrow = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const p = await narrow.newPage();
    await signIn(p);
    // No sideways scrolling of the page itself.
    expect(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await browser.shot(p, 'flags-narrow');
    await p.goto(`${server.url}/experiments/checkout-test`);
    await p.getByTestId('srm-banner').waitFor();
    expect(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await browser.shot(p, 'experiment-results-narrow');
    await narrow.close();
  });
});

describe('staleness on the flags list', () => {
  it('marks the flags evaluation telemetry finds stale, with why, and not a young one', async () => {
    // Its own server, on a store whose clock starts 40 days back: flags younger than the period are never stale.
    let now = Date.now() - 40 * 86_400_000;
    const store = createInMemoryEventStore({ now: () => new Date(now) });
    const own = await startTestServer({ store });
    const ownContext = await browser.newContext({ timezoneId: TIME_ZONE });
    try {
      for (const key of ['decided-banner', 'forgotten-banner']) await own.api('POST', '/admin/flags', { body: { key } });
      now = Date.now();
      await own.api('POST', '/admin/flags', { body: { key: 'fresh-banner' } });
      const usage = new FlagUsageRecorder(store);
      usage.absorb([{ environment: 'production', flagKey: 'decided-banner', variant: 'on', reason: 'STATIC', count: 12 }]);
      await usage.flush();

      const p = await ownContext.newPage();
      await p.goto(own.url);
      await p.getByLabel('Admin token').fill(ADMIN_TOKEN);
      await p.getByRole('button', { name: 'Sign in' }).click();
      const badgeOf = (key: string) => p.locator('tr', { has: p.getByRole('link', { name: key, exact: true }) }).getByTestId('stale-badge');
      await badgeOf('forgotten-banner').waitFor();
      expect(await badgeOf('forgotten-banner').textContent()).toBe('stale: not evaluated in 30 days');
      expect(await badgeOf('forgotten-banner').getAttribute('title')).toBe('never evaluated');
      expect(await badgeOf('decided-banner').textContent()).toBe('stale: served on to everyone (12 evaluations)');
      expect(await badgeOf('decided-banner').getAttribute('title')).toMatch(/^last evaluated \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC\+[12]$/);
      expect(await badgeOf('fresh-banner').count()).toBe(0);
      await browser.shot(p, 'flags-stale');
    } finally {
      await ownContext.close();
      await own.close();
    }
  });
});
