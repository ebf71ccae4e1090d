import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type Response } from 'express';

/** Where `npm run build:web` writes the admin web app. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Paths that belong to the APIs: never answered with the web app, so an unknown API route stays a 404 problem. */
const API_PREFIXES = ['/admin', '/api/', '/ofrep/', '/health', '/metrics', '/openapi.json', '/docs'];

/**
 * The admin web app at `/`: Vite's hashed assets cached for a year, `index.html` revalidated on every load (so a
 * deploy is picked up at once), and every client route (`/flags/new-checkout/history`) answered with
 * `index.html`, where the app's router takes over. Mounted after the API routers, so the APIs keep priority.
 */
export function webAppRoutes(options: { dir?: string } = {}): Router {
  const dir = options.dir ?? DEFAULT_WEB_DIR;
  const router = Router();
  const isApi = (p: string): boolean => API_PREFIXES.some((prefix) => p === prefix || p.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`));
  const index = path.join(dir, 'index.html');

  router.use(
    '/assets',
    express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: true }),
  );
  router.use(
    express.static(dir, {
      index: false,
      setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache'),
    }),
  );
  router.use((req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isApi(req.path)) return next();
    // A missing file (a stale hashed asset) is a plain 404, not the app: the browser expects a script or image.
    if (path.extname(req.path) !== '') return void res.status(404).type('text/plain').send(`Not found: ${req.path}\n`);
    // Only what a browser navigates to gets the app: an API client (no text/html in Accept) gets the API's 404
    // problem for a path that does not exist, not a 200 page it cannot read. `/` is the exception: it exists, it is
    // the app, whoever asks (curl, a load balancer's probe, a link preview).
    if (req.path !== '/' && !(req.headers.accept ?? '').includes('text/html')) return next();
    if (!existsSync(index)) return notBuilt(res, dir);
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}

/** Without a build, say how to make one rather than answer a bare 404. */
function notBuilt(res: Response, dir: string): void {
  res
    .status(404)
    .setHeader('Cache-Control', 'no-store')
    .type('text/html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Flagstaff: web app not built</title></head>` +
        `<body><h1>The admin web app is not built</h1><p>No build was found in <code>${escapeHtml(dir)}</code>. ` +
        `Build it with <code>npm run build:web</code> (<code>npm start</code> does so when it is missing), then reload.</p>` +
        `<p>The admin API answers at <code>/admin/…</code> meanwhile.</p></body></html>\n`,
    );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
