import http from 'node:http';
import zlib from 'node:zlib';
import type { Body } from './hostile-body.ts';
import type { ContentEncoding, HostileRequest } from './hostile-request.ts';

export interface WireResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

// One kept-alive connection at a time: the fuzzer sends sequentially, so each answer can be tied to the store's head.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/**
 * Sends a request with node:http rather than fetch: fetch would normalise the path (`..`, `%2e`), refuse some
 * header values and re-encode the body; this sends the bytes the fuzzer chose. An event stream is cut once its
 * headers arrived (only its status matters here).
 */
export function sendHostile(baseUrl: string, request: HostileRequest): Promise<WireResponse> {
  const payload = request.body ? encode(bytesOf(request.body.body), request.encoding) : undefined;
  const headers: Record<string, string | number> = { ...request.headers };
  if (payload) {
    headers['content-length'] = payload.bytes.length;
    if (payload.coding) headers['content-encoding'] = payload.coding;
  }
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method: request.method, path: request.url, headers, agent }, (res) => {
      if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        res.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: '' });
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload?.bytes);
  });
}

function bytesOf(body: Body): Buffer {
  switch (body.kind) {
    case 'json':
      return Buffer.from(JSON.stringify(body.value) ?? '', 'utf8');
    case 'text':
      return Buffer.from(body.text, 'utf8');
    case 'bytes':
      return Buffer.from(body.bytes);
  }
}

function encode(bytes: Buffer, encoding: ContentEncoding): { bytes: Buffer; coding?: string } {
  switch (encoding) {
    case 'identity':
      return { bytes };
    case 'gzip':
      return { bytes: zlib.gzipSync(bytes), coding: 'gzip' };
    case 'corrupt gzip': {
      // A valid header, then damage: a flipped byte in the deflate stream and the trailer cut off.
      const gzipped = zlib.gzipSync(bytes);
      const damaged = Buffer.from(gzipped.subarray(0, Math.max(12, gzipped.length - 6)));
      damaged[10] = (damaged[10] ?? 0) ^ 0xff;
      return { bytes: damaged, coding: 'gzip' };
    }
    case 'deflate':
      return { bytes: zlib.deflateSync(bytes), coding: 'deflate' };
    case 'br':
      return { bytes: zlib.brotliCompressSync(bytes), coding: 'br' };
    case 'unknown coding':
      return { bytes, coding: 'x-fuzz' };
    case 'gzip, gzip':
      return { bytes: zlib.gzipSync(zlib.gzipSync(bytes)), coding: 'gzip, gzip' };
  }
}

/** Closes the kept-alive connection so the server can shut down at once. */
export function closeConnections(): void {
  agent.destroy();
}
