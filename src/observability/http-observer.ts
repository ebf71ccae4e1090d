import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, trace, type Tracer } from '@opentelemetry/api';
import { sendProblem } from '../read/http-io.ts';
import { RequestTimeoutError } from '../shared/errors.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

/** A read-API path as a route label: a bounded set, whatever flag keys callers send. */
export function readRouteOf(path: string): string {
  if (path.startsWith('/api/v1/flags/')) return path === '/api/v1/flags/batch' ? '/api/v1/flags/batch' : '/api/v1/flags/:key';
  if (path.startsWith('/ofrep/v1/evaluate/flags/')) return path === '/ofrep/v1/evaluate/flags' ? path : '/ofrep/v1/evaluate/flags/:key';
  if (['/api/v1/events', '/api/v1/snapshot', '/api/v1/stream', '/ofrep/v1/evaluate/flags'].includes(path)) return path;
  return 'other';
}

export interface ObservedRequest {
  readonly api: 'read' | 'admin';
  /** SSE streams are meant to stay open: no response timeout. */
  readonly stream?: boolean;
  route(): string;
  actor?(): string | undefined;
}

/**
 * Around every request: a span (when tracing is on), the latency histogram, one log line (admin at info, the read
 * API at debug, server failures at error), 412s counted, and a timeout that answers 503 when the handler
 * has not, except on SSE streams, which are meant to stay open.
 */
export function observeRequest(
  deps: { metrics: Metrics; logger: Logger; tracer: Tracer; timeoutMs: number },
  req: IncomingMessage,
  res: ServerResponse,
  observed: ObservedRequest,
  handle: () => void,
): void {
  const started = performance.now();
  const requestId = String(res.getHeader('x-request-id') ?? req.headers['x-request-id'] ?? '');
  const span = deps.tracer.startSpan(`${req.method} ${observed.api}`, { attributes: { 'http.request.method': req.method ?? '', 'url.path': (req.url ?? '').split('?')[0] ?? '', ...(requestId ? { 'flagstaff.request_id': requestId } : {}) } });
  const timer = setTimeout(() => {
    if (!res.headersSent) sendProblem(res, new RequestTimeoutError(`The request took longer than ${deps.timeoutMs} ms; nothing it did is assured, retry it (with the same Idempotency-Key for commands)`), (req.url ?? '').split('?')[0] ?? '');
    else res.destroy();
  }, deps.timeoutMs);
  timer.unref();
  if (observed.stream) clearTimeout(timer);
  res.once('close', () => {
    clearTimeout(timer);
    const seconds = (performance.now() - started) / 1000;
    const route = observed.route();
    const status = res.statusCode;
    deps.metrics.httpDuration.observe({ api: observed.api, method: req.method ?? '', route, status: String(status) }, seconds);
    if (status === 412) deps.metrics.preconditionFailures.inc();
    if (status === 429) deps.metrics.rateLimited.inc({ api: observed.api });
    span.setAttributes({ 'http.route': route, 'http.response.status_code': status });
    span.end();
    // A client's 4xx is the client's business: info like any admin request; only the server's failures are errors.
    const level = status >= 500 ? 'error' : observed.api === 'admin' ? 'info' : 'debug';
    if (!deps.logger.isLevelEnabled(level)) return;
    deps.logger[level]({ requestId, api: observed.api, method: req.method, route, status, ms: Math.round(seconds * 1000 * 10) / 10, actor: observed.actor?.() }, 'request');
  });
  context.with(trace.setSpan(context.active(), span), handle);
}
