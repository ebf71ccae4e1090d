import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, trace, type Tracer } from '@opentelemetry/api';
import { sendProblem } from '../http/http-io.ts';
import { RequestTimeoutError } from '../shared/errors.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

/** A read-API path as a route label: a bounded set, whatever flag keys callers send. */
export function readRouteOf(path: string): string {
  if (path.startsWith('/api/v1/flags/')) return path === '/api/v1/flags/batch' ? '/api/v1/flags/batch' : '/api/v1/flags/:key';
  if (path.startsWith('/ofrep/v1/evaluate/flags/')) return path === '/ofrep/v1/evaluate/flags' ? path : '/ofrep/v1/evaluate/flags/:key';
  if (['/api/v1/events', '/api/v1/usage', '/api/v1/snapshot', '/api/v1/stream', '/ofrep/v1/evaluate/flags'].includes(path)) return path;
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
 * Around every request: a span (only when tracing is on), the latency histogram, one log line (admin at info, the
 * read API at debug, server failures at error), 412s and 429s counted, and a timeout that answers 503 when the
 * handler has not, except on SSE streams, which are meant to stay open. This runs on the evaluation hot path, so
 * it starts no timer per request (one sweep finds the overdue ones), no span unless tracing is on, and reuses the
 * histogram's labelled children. Profiled under GET /api/v1/flags load, all of this is ~5% of the server's time
 * (prom-client's observe most of it); the socket write is ~45%.
 */
export class RequestObserver {
  private readonly deadlines = new Map<ServerResponse, { readonly at: number; readonly path: string }>();
  private readonly durations = new Map<string, { observe(seconds: number): void }>();
  private readonly sweep: NodeJS.Timeout;

  constructor(private readonly deps: { metrics: Metrics; logger: Logger; tracer: Tracer; tracing: boolean; timeoutMs: number }) {
    this.sweep = setInterval(() => this.expire(), Math.max(10, Math.min(1_000, deps.timeoutMs / 4)));
    this.sweep.unref();
  }

  observe(req: IncomingMessage, res: ServerResponse, observed: ObservedRequest, handle: () => void): void {
    const { deps } = this;
    const started = performance.now();
    const span = deps.tracing
      ? deps.tracer.startSpan(`${req.method} ${observed.api}`, {
          attributes: { 'http.request.method': req.method ?? '', 'url.path': (req.url ?? '').split('?')[0] ?? '', 'flagstaff.request_id': requestIdOf(req, res) },
        })
      : undefined;
    if (!observed.stream) this.deadlines.set(res, { at: started + deps.timeoutMs, path: req.url ?? '' });
    res.once('close', () => {
      this.deadlines.delete(res);
      const seconds = (performance.now() - started) / 1000;
      const route = observed.route();
      const status = res.statusCode;
      this.duration(observed.api, req.method ?? '', route, status).observe(seconds);
      if (status === 412) deps.metrics.preconditionFailures.inc();
      if (status === 429) deps.metrics.rateLimited.inc({ api: observed.api });
      if (span) {
        span.setAttributes({ 'http.route': route, 'http.response.status_code': status });
        span.end();
      }
      // A client's 4xx is the client's business: info like any admin request; only the server's failures are errors.
      const level = status >= 500 ? 'error' : observed.api === 'admin' ? 'info' : 'debug';
      if (!deps.logger.isLevelEnabled(level)) return;
      deps.logger[level]({ requestId: requestIdOf(req, res), api: observed.api, method: req.method, route, status, ms: Math.round(seconds * 1000 * 10) / 10, actor: observed.actor?.() }, 'request');
    });
    if (span) context.with(trace.setSpan(context.active(), span), handle);
    else handle();
  }

  stop(): void {
    clearInterval(this.sweep);
  }

  private duration(api: string, method: string, route: string, status: number): { observe(seconds: number): void } {
    const key = `${api} ${method} ${route} ${status}`;
    let child = this.durations.get(key);
    if (!child) this.durations.set(key, (child = this.deps.metrics.httpDuration.labels({ api, method, route, status: String(status) })));
    return child;
  }

  private expire(): void {
    const now = performance.now();
    for (const [res, { at, path }] of this.deadlines) {
      if (at > now) continue;
      this.deadlines.delete(res);
      if (!res.headersSent) sendProblem(res, new RequestTimeoutError(`The request took longer than ${this.deps.timeoutMs} ms; nothing it did is assured, retry it (with the same Idempotency-Key for commands)`), path.split('?')[0] ?? '');
      else res.destroy();
    }
  }
}

function requestIdOf(req: IncomingMessage, res: ServerResponse): string {
  return String(res.getHeader('x-request-id') ?? req.headers['x-request-id'] ?? '');
}
