import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webAppRoutes } from '../../src/http/web-app.ts';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';

/** A built app in a temporary directory, served by webAppRoutes behind a stand-in API route. */
async function serve(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express();
  app.get('/admin/flags', (_req, res) => void res.json({ flags: [] }));
  app.use(webAppRoutes({ dir }));
  app.use((_req, res) => void res.status(404).type('application/problem+json').send('{"status":404}'));
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let built: string;
let missing: string;
let real: TestServer;
beforeAll(async () => {
  built = mkdtempSync(path.join(tmpdir(), 'flagstaff-web-'));
  mkdirSync(path.join(built, 'assets'));
  writeFileSync(path.join(built, 'index.html'), '<!doctype html><div id="root"></div>');
  writeFileSync(path.join(built, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(path.join(built, 'favicon.svg'), '<svg/>');
  missing = path.join(built, 'nothing-here');
  real = await startTestServer();
}, 180_000);
afterAll(async () => {
  rmSync(built, { recursive: true, force: true });
  await real.close();
});

/** What a browser sends when it navigates. */
const BROWSER = { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } };

describe('the admin web app at /', () => {
  it('serves index.html for / and every client route, revalidated on each load', async () => {
    const s = await serve(built);
    try {
      for (const route of ['/', '/flags', '/flags/new-checkout/history', '/experiments/checkout-test']) {
        const res = await fetch(s.url + route, BROWSER);
        expect(res.status, route).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^text\/html/);
        expect(res.headers.get('cache-control')).toBe('no-cache');
        expect(await res.text()).toContain('<div id="root">');
      }
    } finally {
      await s.close();
    }
  });

  it('serves the app for / whatever the request accepts, and keeps unknown paths a 404 for API clients', async () => {
    const s = await serve(built);
    try {
      for (const headers of [{}, { accept: '*/*' }, { accept: 'application/json' }, BROWSER.headers]) {
        const root = await fetch(`${s.url}/`, { headers });
        expect(root.status, JSON.stringify(headers)).toBe(200);
        expect(await root.text()).toContain('<div id="root">');
        expect((await fetch(`${s.url}/`, { method: 'HEAD', headers })).status).toBe(200);
      }
      for (const route of ['/flags', '/nowhere']) {
        const res = await fetch(s.url + route, { headers: { accept: '*/*' } });
        expect(res.status, route).toBe(404);
        expect(res.headers.get('content-type'), route).toMatch(/^application\/problem\+json/);
      }
      // Only GET and HEAD: a POST to / is not a navigation.
      expect((await fetch(`${s.url}/`, { method: 'POST' })).status).toBe(404);
    } finally {
      await s.close();
    }
  });

  it("caches Vite's hashed assets for a year, and answers a missing asset with a plain 404, not the app", async () => {
    const s = await serve(built);
    try {
      const asset = await fetch(`${s.url}/assets/index-abc123.js`);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect((await fetch(`${s.url}/favicon.svg`)).headers.get('cache-control')).toBe('no-cache');
      const stale = await fetch(`${s.url}/assets/index-old999.js`);
      expect(stale.status).toBe(404);
      expect(stale.headers.get('content-type')).toMatch(/^text\/plain/);
    } finally {
      await s.close();
    }
  });

  it('leaves API paths to the APIs', async () => {
    const s = await serve(built);
    try {
      expect(await (await fetch(`${s.url}/admin/flags`)).json()).toEqual({ flags: [] });
      for (const route of ['/admin/nope', '/api/v1/nope', '/ofrep/v1/x', '/health', '/metrics']) {
        const res = await fetch(s.url + route);
        expect(res.headers.get('content-type'), route).toMatch(/^application\/problem\+json/);
      }
    } finally {
      await s.close();
    }
  });

  it('says how to build the app when there is no build', async () => {
    const s = await serve(missing);
    try {
      const res = await fetch(`${s.url}/flags`, BROWSER);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('npm run build:web');
    } finally {
      await s.close();
    }
  });

  it('keeps the API routes of the real app ahead of the web app', async () => {
    const unknown = await real.api('GET', '/admin/no-such-route');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await real.api('GET', '/admin/flags', { token: null })).status).toBe(401);
    expect((await real.api('GET', '/health')).body).toMatchObject({ status: 'ok' });
    // The root is the web app (or, without a build, how to make one): HTML either way, never a problem, whatever
    // the request accepts.
    for (const accept of [BROWSER.headers.accept, '*/*', 'application/json']) {
      const root = await fetch(`${real.url}/`, { headers: { accept } });
      expect(root.headers.get('content-type'), accept).toMatch(/^text\/html/);
    }
    // An API client asking for a path that exists nowhere gets the API's 404 problem, not the app.
    const stray = await fetch(`${real.url}/nowhere`);
    expect(stray.status).toBe(404);
    expect(stray.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('sends security headers with the web app, /docs and the APIs: a CSP without inline script, no framing, no sniffing, no referrer', async () => {
    const key = (await real.api('POST', '/admin/api-keys', { body: { environment: 'production', kind: 'server' } })).body.key as string;
    const pages = [`${real.url}/`, `${real.url}/flags/new-checkout`, `${real.url}/docs`];
    for (const url of pages) {
      const res = await fetch(url, BROWSER);
      const csp = res.headers.get('content-security-policy') ?? '';
      const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name = '', ...values]) => [name, values]));
      expect(directives.get('script-src'), url).toEqual(["'self'"]);
      expect(directives.get('frame-ancestors'), url).toEqual(["'none'"]);
      expect(directives.get('object-src'), url).toEqual(["'none'"]);
      expect(csp, url).not.toContain('unsafe-inline');
      expect(res.headers.get('x-frame-options'), url).toBe('DENY');
      expect(res.headers.get('x-content-type-options'), url).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), url).toBe('no-referrer');
    }
    // The page at /docs runs no inline script: its initializer is a file of its own.
    expect(await (await fetch(`${real.url}/docs`)).text()).not.toMatch(/<script>(?!<\/script>)|<script(?![^>]*\bsrc=)[^>]*>/);

    // JSON is never sniffed as something else, on the admin API and on the read API's hot paths and problems.
    const reads = [
      await real.api('GET', '/admin/flags'),
      await real.api('GET', '/admin/flags', { token: null }),
      await real.api('GET', '/openapi.json'),
      await real.api('GET', '/api/v1/flags/anything', { token: null, headers: { authorization: `Bearer ${key}` } }),
      await real.api('POST', '/api/v1/flags/batch', { token: null, headers: { authorization: `Bearer ${key}` }, body: {} }),
      await real.api('GET', '/api/v1/flags/anything', { token: null }),
    ];
    for (const res of reads) expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
