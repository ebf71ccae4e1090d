import { startFlagstaff, type Flagstaff, type StartOptions } from '../../src/root/app.ts';
import type { Config } from '../../src/root/config.ts';
import type { EventStore } from '../../src/event-store/event-store.ts';
import type { EventBus } from '../../src/shared/event-bus.ts';
import type { AnalyticsStore } from '../../src/analytics/analytics-store.ts';
import { createDuckDbAnalyticsStore } from '../../src/analytics/store/duckdb-analytics-store.ts';
import { createPgliteDriver } from '../../src/event-store/pglite-driver.ts';
import { createSqlEventStore } from '../../src/event-store/sql-event-store.ts';
import { memoryReadModelPersistence, type ReadModelPersistence } from '../../src/read/read-model-persistence.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    host: '127.0.0.1',
    dataDir: '/nonexistent',
    adminToken: ADMIN_TOKEN,
    eventStore: { kind: 'pglite', dataDir: '/nonexistent' },
    bodyLimit: '1mb',
    bus: { kind: 'memory' },
    analytics: { kind: 'duckdb', path: '/nonexistent/analytics.duckdb' },
    // Request logs would bury the test output; tests that check logs pass their own logger.
    operations: { logLevel: 'warn' },
    ...overrides,
  };
}

export interface TestServer extends Flagstaff {
  api(method: string, path: string, options?: { body?: unknown; token?: string | null; headers?: Record<string, string>; raw?: string }): Promise<ApiResponse>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests poke at arbitrary JSON
}

/** The real HTTP app on an in-memory PGlite (or the store given), on a free port. */
export async function startTestServer(
  options: {
    store?: EventStore;
    bus?: EventBus;
    analytics?: AnalyticsStore;
    sinkGroupId?: string;
    config?: Partial<Config>;
    persistence?: ReadModelPersistence;
    sseHeartbeatMs?: number;
    awaitBootstrap?: boolean;
    logger?: StartOptions['logger'];
    traceExporter?: StartOptions['traceExporter'];
    schedulerClock?: StartOptions['schedulerClock'];
  } = {},
): Promise<TestServer> {
  const store = options.store ?? (await createSqlEventStore(await createPgliteDriver()));
  const flagstaff = await startFlagstaff(testConfig(options.config), {
    store,
    readModelPersistence: options.persistence ?? memoryReadModelPersistence(),
    ...(options.bus === undefined ? {} : { bus: options.bus }),
    ...(options.sinkGroupId === undefined ? {} : { sinkGroupId: options.sinkGroupId }),
    // An in-memory DuckDB unless the test brings its own store.
    analytics: options.analytics ?? (await createDuckDbAnalyticsStore()),
    ...(options.sseHeartbeatMs === undefined ? {} : { sseHeartbeatMs: options.sseHeartbeatMs }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.traceExporter === undefined ? {} : { traceExporter: options.traceExporter }),
    ...(options.schedulerClock === undefined ? {} : { schedulerClock: options.schedulerClock }),
  });
  // With the store down, bootstrap waits for it; such a test does not wait for bootstrap.
  if (options.awaitBootstrap !== false) await flagstaff.bootstrapped;
  return Object.assign(flagstaff, {
    api: (method: string, path: string, o: Parameters<TestServer['api']>[2] = {}) => request(flagstaff.url, method, path, o),
  });
}

export async function request(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null; headers?: Record<string, string>; raw?: string } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed };
}
