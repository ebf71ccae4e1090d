import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerClientError } from '../http/client-errors.ts';
import { readRouteOf, RequestObserver } from '../observability/http-observer.ts';
import type { Config, OperationsConfig } from './config.ts';
import type { Observability } from './start-observability.ts';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface HttpPart {
  /** Where a client on this machine reaches the server (127.0.0.1 when bound to every IPv4 interface). */
  readonly url: string;
  /** The address the server is bound to, as `host:port` (`0.0.0.0:8080`, `[::]:8080`): what an operator's log should say. */
  readonly address: string;
  /** Stops accepting, ends the streams and lets in-flight requests finish (up to the shutdown timeout). */
  stop(): Promise<void>;
}

/** One server for both APIs, observed (metrics, logs, traces, timeouts); resolves once it listens. */
export async function startHttp(
  deps: {
    config: Pick<Config, 'port' | 'host'>;
    ops: OperationsConfig;
    /** Answers the read API's requests, returning false for any other. */
    readApi: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
    admin: Handler;
    /** Ends the long-lived responses (SSE streams), which would otherwise hold the drain open. */
    endStreams: () => void;
  },
  { logger, metrics, tracing }: Observability,
): Promise<HttpPart> {
  const { config, ops, readApi, admin } = deps;
  const observer = new RequestObserver({ metrics, logger, tracer: tracing.tracer, tracing: tracing.enabled, timeoutMs: ops.requestTimeoutMs });
  // Slow clients may not hold a request open forever (slowloris): headers and body must arrive within the request
  // timeout (responses have their own, above). Node only checks every connectionsCheckingInterval (30 s by default,
  // which cut slow headers after up to 60 s): check a tenth as often as the timeout, at most once a second.
  const server = http.createServer({
    requestTimeout: ops.requestTimeoutMs,
    headersTimeout: ops.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1_000, Math.max(10, Math.floor(ops.requestTimeoutMs / 10))),
  }, (req, res) => {
    const url = req.url ?? '/';
    const read = url.startsWith('/api/') || url.startsWith('/ofrep/');
    const observed = read
      ? { api: 'read' as const, route: () => readRouteOf(url.split('?')[0] ?? url), stream: url.split('?')[0] === '/api/v1/stream' }
      : {
          api: 'admin' as const,
          // Set by express once it has routed the request.
          route: () => (req as { route?: { path?: string } }).route?.path ?? 'unmatched',
          actor: () => ((res as { locals?: { principal?: { actor?: string } } }).locals?.principal?.actor),
        };
    observer.observe(req, res, observed, () => {
      if (!readApi(req, res)) admin(req, res);
    });
  });
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });

  const bound = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  return {
    url: `http://${host}:${bound.port}`,
    address: boundAddress(bound),
    async stop() {
      observer.stop();
      // Stop accepting, end the streams (clients reconnect elsewhere), let in-flight requests finish: a command
      // or a batch of events being acknowledged is completed, not cut. Past the timeout, what is left is closed.
      deps.endStreams();
      await new Promise<void>((resolve) => {
        const drained = setInterval(() => server.closeIdleConnections(), 50);
        const deadline = setTimeout(() => {
          logger.warn({ timeoutMs: ops.shutdownTimeoutMs }, 'shutdown: requests still running after the timeout; closing their connections');
          server.closeAllConnections();
        }, ops.shutdownTimeoutMs);
        server.close(() => {
          clearInterval(drained);
          clearTimeout(deadline);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}

/** `host:port` of a bound socket, an IPv6 host in brackets as in a URL. */
export function boundAddress({ address, family, port }: AddressInfo): string {
  return family === 'IPv6' ? `[${address}]:${port}` : `${address}:${port}`;
}
