import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Router } from 'express';
import { CONTENT_SECURITY_POLICY } from '../security-headers.ts';
import { ok, operation } from '../operation.ts';
import { buildOpenApiDocument, type ApiDescription } from './openapi-document.ts';

const swaggerUiDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const swaggerUiVersion = (JSON.parse(readFileSync(path.join(swaggerUiDir, 'package.json'), 'utf8')) as { version: string }).version;

/** The files the page needs; the package's own index.html (the Petstore demo) and the rest are not served. */
const ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'favicon-32x32.png', 'favicon-16x16.png']);

/**
 * The admin side's policy, plus the one inline style attribute swagger-ui 5.35.0 writes as markup, allowed by its
 * hash alone (Chromium names the hash when it blocks it; test/web/admin-web.e2e.test.ts fails on any violation, so
 * an upgrade that changes it is noticed). Scripts stay 'self' only.
 */
const DOCS_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-hashes' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='");

export const openApiOperations = {
  openApi: operation({ method: 'get', path: '/openapi.json', operationId: 'openApi', tag: 'operations', auth: 'public', summary: 'This document', success: ok('The OpenAPI 3.1 document') }),
  apiDocs: operation({ method: 'get', path: '/docs', operationId: 'apiDocs', tag: 'operations', auth: 'public', summary: 'This document, rendered (Swagger UI)', success: ok('The page', { content: 'text/html' }) }),
};

/**
 * `GET /openapi.json` and `GET /docs` (Swagger UI from the installed swagger-ui-dist, no CDN). Public: the API's
 * shape is no secret, and calling it still takes a token. Asset URLs carry the package version, so they can be
 * cached for a year and an upgrade is still picked up at once; the page itself is revalidated.
 */
export function openApiRoutes(api: ApiDescription): Router {
  const router = Router();
  // Built on the first request: it depends on nothing but code, and most apps never serve it.
  let json: string | undefined;
  const assets = `/docs/assets/${swaggerUiVersion}`;

  router.get('/openapi.json', (_req, res) => {
    json ??= JSON.stringify(buildOpenApiDocument(api));
    res.setHeader('Cache-Control', 'no-cache').type('application/json').send(json);
  });

  router.get('/docs', (_req, res) => {
    res.setHeader('Content-Security-Policy', DOCS_POLICY).setHeader('Cache-Control', 'no-cache').type('text/html').send(page(assets));
  });

  // The initializer is a file rather than an inline script, so a Content-Security-Policy without 'unsafe-inline' allows it.
  router.get('/docs/init.js', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache').type('text/javascript').send(INITIALIZER);
  });

  router.get(`${assets}/:file`, (req, res, next) => {
    const file = req.params.file;
    if (!ASSETS.has(file)) return next();
    res.sendFile(path.join(swaggerUiDir, file), { maxAge: '365d', immutable: true });
  });

  return router;
}

function page(assets: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Flagstaff API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${assets}/swagger-ui.css">
<link rel="icon" type="image/png" href="${assets}/favicon-32x32.png" sizes="32x32">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${assets}/swagger-ui-bundle.js"></script>
<script src="${assets}/swagger-ui-standalone-preset.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;
}

const INITIALIZER = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
});
`;
