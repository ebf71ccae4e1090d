import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The baseline: a bare node:http server answering every GET with one fixed JSON body and every POST, once it
 * has read the request body, with another, headers as Flagstaff's read API sends them. The bodies come from
 * BARE_GET_BODY and BARE_POST_BODY (the bench passes Flagstaff's own responses, so the sizes are equal).
 * Prints `READY {"url":…,"pid":…}` once listening.
 *
 *   npx tsx bench/read-api/bare-server.ts
 */
const getBody = Buffer.from(process.env['BARE_GET_BODY'] ?? '{"flagKey":"new-checkout","value":false,"variant":"off","reason":"SPLIT","revision":1}');
const postBody = Buffer.from(process.env['BARE_POST_BODY'] ?? '{"flags":[],"revision":1}');
const respond = (res: http.ServerResponse, body: Buffer): void => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
};

const server = http.createServer((req, res) => {
  if (req.method === 'GET') return respond(res, getBody);
  req.on('data', () => {});
  req.on('end', () => respond(res, postBody));
});
server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`READY ${JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: process.pid })}`);
});

const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
