import { readFileSync } from 'node:fs';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as AdminAppModule from '../../src/http/admin-app.ts';
import type { OpenApiDocument } from '../../src/http/openapi/openapi-document.ts';
import { DEFAULT_ENVIRONMENTS } from '../../src/shared/environment-events.ts';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/flagstaff.ts';

// The admin app exactly as the composition root builds it (src/root/app.ts, with every router it passes), captured
// so its router stack can be compared with the document: a route added anywhere shows up here.
const captured = vi.hoisted(() => ({ apps: [] as Express[] }));
vi.mock('../../src/http/admin-app.ts', async (importOriginal) => {
  const real = await importOriginal<typeof AdminAppModule>();
  return {
    ...real,
    createAdminApp: (options: Parameters<typeof real.createAdminApp>[0]) => {
      const app = real.createAdminApp(options);
      captured.apps.push(app);
      return app;
    },
  };
});

/** Routes the page at /docs needs for itself: its initializer and swagger-ui's files, not API operations. */
const PAGE_FILES = [/^\/docs\/init\.js$/, /^\/docs\/assets\//];

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: string | string[];
}

/** Every method and path the express app routes, nested routers included, in OpenAPI's `{param}` form. */
function expressRoutes(stack: readonly Layer[], prefix = ''): string[] {
  return stack.flatMap((layer): string[] => {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      return paths.flatMap((p) =>
        Object.keys(layer.route!.methods)
          .filter((m) => m !== '_all')
          .map((m) => `${m.toUpperCase()} ${(prefix + p).replace(/:(\w+)/g, '{$1}')}`),
      );
    }
    if (layer.handle?.stack) {
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      return expressRoutes(layer.handle.stack, prefix + mount);
    }
    return [];
  });
}

let server: TestServer;
let doc: OpenApiDocument;
let sdkKey: string;
const documented = (): string[] =>
  Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));

beforeAll(async () => {
  server = await startTestServer();
  const response = await server.api('GET', '/openapi.json', { token: null });
  expect(response.status).toBe(200);
  doc = response.body as OpenApiDocument;
  const key = await server.api('POST', '/admin/api-keys', { body: { environment: DEFAULT_ENVIRONMENTS[0]!.key, kind: 'server' } });
  expect(key.status).toBe(201);
  sdkKey = key.body.key as string;
});
afterAll(async () => {
  await server?.close();
});

describe('GET /openapi.json and GET /docs', () => {
  it('serve the document and the page without authentication', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const page = await fetch(`${server.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    const init = await (await fetch(`${server.url}/docs/init.js`)).text();
    expect(init).toContain("url: '/openapi.json'");
    expect(html).toContain('/docs/init.js');
    expect(html).not.toMatch(/https?:\/\//); // no CDN: everything comes from this server
  });

  it("serve swagger-ui's files from node_modules, versioned and cached for a year; nothing else of the package", async () => {
    const version = (JSON.parse(readFileSync('node_modules/swagger-ui-dist/package.json', 'utf8')) as { version: string }).version;
    const html = await (await fetch(`${server.url}/docs`)).text();
    const assets = [...html.matchAll(/(?:href|src)="(\/docs\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      expect(asset).toContain(`/docs/assets/${version}/`);
      const response = await fetch(`${server.url}${asset}`);
      expect(response.status, asset).toBe(200);
      expect(response.headers.get('cache-control'), asset).toMatch(/max-age=31536000.*immutable/);
      await response.arrayBuffer();
    }
    const demo = await fetch(`${server.url}/docs/assets/${version}/index.html`);
    expect(demo.status).toBe(404);
    expect(await demo.text()).not.toContain('petstore');
  });

  it('take priority over the web app at /', async () => {
    // The web app is mounted last with a catch-all for client routes; /docs and /openapi.json stay ours.
    const page = await (await fetch(`${server.url}/docs`)).text();
    expect(page).toContain('swagger-ui');
  });
});

describe('the document covers the API exactly', () => {
  it('documents every route the admin app serves (a new route without documentation fails here)', () => {
    expect(captured.apps.length).toBe(1);
    const served = expressRoutes((captured.apps[0] as unknown as { router: { stack: Layer[] } }).router.stack).filter(
      (route) => !PAGE_FILES.some((file) => file.test(route.split(' ')[1]!)),
    );
    expect(served.length).toBeGreaterThan(50);
    const missing = served.filter((route) => !documented().includes(route));
    expect(missing, 'served but not declared as an operation (src/root/api.ts lists them)').toEqual([]);
  });

  it("documents every path the read API dispatches on (src/read/read-api.ts, src/read/ofrep.ts)", () => {
    // The read API is bare node:http with literal paths (no router to walk): each literal is either a path or,
    // ending in "/", a prefix; each must be documented.
    const paths = Object.keys(doc.paths);
    const literals = ['src/read/read-api.ts', 'src/read/ofrep.ts'].flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/'(\/(?:api|ofrep)\/[^']*)'/g)].map((m) => m[1]!),
    );
    expect(literals).toEqual(expect.arrayContaining(['/api/v1/flags/batch', '/api/v1/events', '/ofrep/v1/configuration']));
    const undocumented = literals.filter((literal) => (literal.endsWith('/') ? !paths.some((p) => p.startsWith(literal)) : !paths.includes(literal)));
    expect(undocumented).toEqual([]);
  });

  it('serves every documented operation (none answers "No route")', async () => {
    const probes = documented();
    expect(probes.length).toBeGreaterThan(60);
    for (const probe of probes) {
      const [method, template] = probe.split(' ') as [string, string];
      const path = template.replace('{env}', DEFAULT_ENVIRONMENTS[0]!.key).replace(/\{\w+\}/g, 'openapi-probe');
      const sdk = path.startsWith('/api/') || path.startsWith('/ofrep/');
      const controller = new AbortController();
      const response = await fetch(`${server.url}${path}`, {
        method,
        signal: controller.signal,
        headers: {
          ...(path.startsWith('/admin/') ? { authorization: `Bearer ${ADMIN_TOKEN}` } : {}),
          ...(sdk ? { authorization: `Bearer ${sdkKey}` } : {}),
          ...(method === 'GET' || method === 'DELETE' ? {} : { 'content-type': 'application/json' }),
        },
        ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}' }),
      });
      // The stream never ends: its status is all this needs.
      const text = response.headers.get('content-type')?.startsWith('text/event-stream') ? '' : await response.text();
      controller.abort();
      expect(text, probe).not.toMatch(/No route for/);
      // 405 would be a method the route lacks; 429 would hide whether the route exists at all.
      expect([405, 429], `${probe}: ${response.status} ${text.slice(0, 200)}`).not.toContain(response.status);
      if (response.status === 404 && !sdk) expect(text, probe).toMatch(/not found|never existed|did not exist|no configuration/i);
    }
  });
});
