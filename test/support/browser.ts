import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '../..');
const screenshots = path.join(root, 'test-artifacts/screenshots');
const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium, driven by playwright-core, for the tests of the admin web app. */
export interface TestBrowser {
  /**
   * A new context, 1280×800 unless `options` say otherwise. The whole suite shares two cores with other test files
   * under `npm test`: generous waits, not flaky ones.
   */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** Addresses a page of any context tried to load from outside the server (each was refused). */
  readonly outside: readonly string[];
  /** What Chromium reported as blocked by the server's Content-Security-Policy since the last call. */
  takeCspViolations(): string[];
  /** A full-page screenshot in test-artifacts/screenshots/<name>.png. */
  shot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/** `npm test` builds the app first; a lone run of a browser test builds it only when missing. */
export function buildWebAppIfMissing(): void {
  if (!existsSync(path.join(root, 'web/dist/index.html'))) execFileSync('npm', ['run', 'build:web'], { cwd: root, stdio: 'inherit', timeout: 180_000 });
}

export async function launchTestBrowser(): Promise<TestBrowser> {
  mkdirSync(screenshots, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const outside: string[] = [];
  const cspViolations: string[] = [];
  return {
    outside,
    async newContext(options = {}) {
      const created = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
      created.setDefaultTimeout(60_000);
      // Nothing may be loaded from outside the server: such requests are refused and remembered.
      await created.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => {
        outside.push(route.request().url());
        return route.abort();
      });
      // Chromium reports each blocked script, style, image or connection as a console error naming the policy.
      created.on('console', (message) => {
        if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) cspViolations.push(`${message.page()?.url()}: ${message.text()}`);
      });
      return created;
    },
    takeCspViolations: () => cspViolations.splice(0),
    shot: async (page, name) => {
      await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
    },
    close: () => browser.close(),
  };
}
