import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import { BadRequestError, FlagstaffError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../shared/errors.ts';
import { assertUtf8 } from './json-body.ts';
import { toProblem } from './problem.ts';
import { parseJsonBody } from '../shared/json-text.ts';

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

/**
 * Reads a JSON object body up to `limit` bytes, decoded: the limit holds after any Content-Encoding (gzip,
 * deflate, br, as the admin API's body-parser decodes too), so a small compressed body cannot expand without
 * bound. Refuses other media types and encodings (415), oversize (413), corrupt or hostile bodies (400; see
 * parseJsonBody).
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) throw new UnsupportedMediaTypeError('Send the body as application/json');
  assertUtf8(type);
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const decoder = decoderFor(encoding);
  if (decoder === undefined) {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) throw new PayloadTooLargeError(`The request body is larger than the limit of ${limit} bytes`);
  }
  const source: AsyncIterable<unknown> = decoder === undefined ? req : req.pipe(decoder);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source) {
      size += (chunk as Buffer).length;
      if (size > limit) throw new PayloadTooLargeError(`The request body is larger than the limit of ${limit} bytes`);
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof FlagstaffError) throw error;
    throw new BadRequestError(`The request body could not be read: ${(error as Error).message}`, [{ pointer: '#', detail: 'could not be read' }]);
  } finally {
    decoder?.destroy();
  }
  return parseJsonBody(Buffer.concat(chunks, size).toString('utf8'));
}

function decoderFor(encoding: string): Transform | undefined {
  switch (encoding) {
    case 'identity':
      return undefined;
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      throw new UnsupportedMediaTypeError(`Unsupported Content-Encoding ${encoding}: send identity, gzip, deflate or br`);
  }
}

/** Splits `/path?query` without building a URL object. */
export function splitUrl(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, query: '' } : { path: url.slice(0, q), query: url.slice(q + 1) };
}
