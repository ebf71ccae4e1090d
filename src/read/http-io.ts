import type { IncomingMessage, ServerResponse } from 'node:http';
import { BadRequestError, FlagstaffError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../shared/errors.ts';
import { toProblem } from '../http/problem.ts';

/** Small, allocation-conscious HTTP helpers for the read API's hot path (express stays on the admin side). */
export function sendJson(res: ServerResponse, status: number, json: string, headers?: Record<string, string>): void {
  // nosniff: a browser never takes JSON that echoes a caller's input (a flag key, a context value) for a page.
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), 'x-content-type-options': 'nosniff', ...headers });
  res.end(json);
}

export function sendProblem(res: ServerResponse, error: unknown, instance: string, headers?: Record<string, string>): void {
  const problem = toProblem(error, instance);
  const json = JSON.stringify(problem);
  const own = error instanceof FlagstaffError ? error.headers : {};
  res.writeHead(problem.status, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(json), 'x-content-type-options': 'nosniff', ...own, ...headers });
  res.end(json);
}

/** Reads a JSON body up to `limit` bytes; refuses other media types, oversize and malformed bodies. */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) throw new UnsupportedMediaTypeError('Send the body as application/json');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new PayloadTooLargeError(`The request body is larger than the limit of ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new PayloadTooLargeError(`The request body is larger than the limit of ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequestError('The request body is not valid JSON', [{ pointer: '#', detail: 'is not valid JSON' }]);
  }
}

/** Splits `/path?query` without building a URL object. */
export function splitUrl(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, query: '' } : { path: url.slice(0, q), query: url.slice(q + 1) };
}
