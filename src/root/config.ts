import path from 'node:path';
import { z } from 'zod';
import { zodIssues } from '../http/validation.ts';
import { DEFAULT_MAX_FUTURE_SKEW_MS } from '../read/ingest.ts';

/** How the service protects itself and reports on itself (issue 9); every field has a default. */
export interface OperationsConfig {
  logLevel: string;
  tracing: 'off' | 'otlp';
  /** Per admin token; the burst is five seconds' worth. */
  adminRequestsPerSecond: number;
  /** Events per second per SDK key on POST /api/v1/events; the burst is two seconds' worth. */
  eventsPerSecond: number;
  /** How far ahead of the server's clock an event's timestamp may be on POST /api/v1/events. */
  eventsMaxFutureSkewMs: number;
  maxStreamsPerKey: number;
  /** Failed authentications per second per client address, on both APIs; the burst is thirty seconds' worth. */
  authFailuresPerSecond: number;
  /** Reverse proxies in front of Flagstaff whose X-Forwarded-For is believed (0: the socket's address counts). */
  trustedProxies: number;
  /** A request (admin or read) not answered by then gets a 503 problem; SSE streams are exempt. */
  requestTimeoutMs: number;
  /** How long SIGTERM waits for in-flight requests before closing what is left. */
  shutdownTimeoutMs: number;
  /** How often evaluation counts are written as flag usage. */
  usageFlushMs: number;
  /** How often the analytics sink's consumer lag is read from the bus; /metrics reports the last reading. */
  consumerLagIntervalMs: number;
}

export const OPERATIONS_DEFAULTS: OperationsConfig = {
  logLevel: 'info',
  tracing: 'off',
  adminRequestsPerSecond: 200,
  eventsPerSecond: 200_000,
  eventsMaxFutureSkewMs: DEFAULT_MAX_FUTURE_SKEW_MS,
  maxStreamsPerKey: 1_000,
  authFailuresPerSecond: 1,
  trustedProxies: 0,
  requestTimeoutMs: 30_000,
  shutdownTimeoutMs: 20_000,
  usageFlushMs: 60_000,
  consumerLagIntervalMs: 5_000,
};

/** Every setting, from environment variables (documented in the README). Bad values stop the start, loudly. */
const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  FLAGSTAFF_DATA_DIR: z.string().default('./data'),
  FLAGSTAFF_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  FLAGSTAFF_EVENT_STORE: z.enum(['pglite', 'postgres', 'eventstoredb']).default('pglite'),
  DATABASE_URL: z.string().optional(),
  FLAGSTAFF_DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,40}$/).default('flagstaff'),
  EVENTSTORE_URL: z.string().optional(),
  FLAGSTAFF_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)?$/i).default('1mb'),
  FLAGSTAFF_BUS: z.enum(['memory', 'kafka']).default('memory'),
  KAFKA_BROKERS: z.string().default('127.0.0.1:9092'),
  FLAGSTAFF_KAFKA_TOPIC_PREFIX: z.string().regex(/^[\w.-]{0,100}$/).default('flagstaff.'),
  FLAGSTAFF_ANALYTICS: z.enum(['duckdb', 'clickhouse']).default('duckdb'),
  CLICKHOUSE_URL: z.string().default('http://127.0.0.1:8123'),
  CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/).default('flagstaff'),
  FLAGSTAFF_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  FLAGSTAFF_TRACING: z.enum(['off', 'otlp']).default('off'),
  FLAGSTAFF_ADMIN_RATE_LIMIT: z.coerce.number().positive().default(OPERATIONS_DEFAULTS.adminRequestsPerSecond),
  FLAGSTAFF_EVENTS_RATE_LIMIT: z.coerce.number().positive().default(OPERATIONS_DEFAULTS.eventsPerSecond),
  FLAGSTAFF_EVENTS_MAX_FUTURE_SKEW_MS: z.coerce.number().int().min(0).default(OPERATIONS_DEFAULTS.eventsMaxFutureSkewMs),
  FLAGSTAFF_MAX_STREAMS_PER_KEY: z.coerce.number().int().positive().default(OPERATIONS_DEFAULTS.maxStreamsPerKey),
  FLAGSTAFF_AUTH_FAILURE_RATE_LIMIT: z.coerce.number().positive().default(OPERATIONS_DEFAULTS.authFailuresPerSecond),
  FLAGSTAFF_TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(OPERATIONS_DEFAULTS.trustedProxies),
  FLAGSTAFF_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(OPERATIONS_DEFAULTS.requestTimeoutMs),
  FLAGSTAFF_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(OPERATIONS_DEFAULTS.shutdownTimeoutMs),
  FLAGSTAFF_USAGE_FLUSH_MS: z.coerce.number().int().positive().default(OPERATIONS_DEFAULTS.usageFlushMs),
  FLAGSTAFF_CONSUMER_LAG_INTERVAL_MS: z.coerce.number().int().positive().default(OPERATIONS_DEFAULTS.consumerLagIntervalMs),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  adminToken: string | undefined;
  eventStore:
    | { kind: 'pglite'; dataDir: string }
    | { kind: 'postgres'; url: string; schema: string }
    | { kind: 'eventstoredb'; url: string };
  bodyLimit: string;
  bus: { kind: 'memory' } | { kind: 'kafka'; brokers: string[]; topicPrefix: string };
  analytics: { kind: 'duckdb'; path: string } | { kind: 'clickhouse'; url: string; database: string };
  /** Defaults to OPERATIONS_DEFAULTS, field by field. */
  operations?: Partial<OperationsConfig>;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = zodIssues(parsed.error).map((i) => `  ${i.pointer.slice(2)}: ${i.detail}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const dataDir = path.resolve(c.FLAGSTAFF_DATA_DIR);
  const eventStore = ((): Config['eventStore'] => {
    switch (c.FLAGSTAFF_EVENT_STORE) {
      case 'pglite':
        return { kind: 'pglite', dataDir: path.join(dataDir, 'eventstore') };
      case 'postgres':
        if (!c.DATABASE_URL) throw new Error('Invalid configuration: FLAGSTAFF_EVENT_STORE=postgres needs DATABASE_URL');
        return { kind: 'postgres', url: c.DATABASE_URL, schema: c.FLAGSTAFF_DATABASE_SCHEMA };
      case 'eventstoredb':
        if (!c.EVENTSTORE_URL) throw new Error('Invalid configuration: FLAGSTAFF_EVENT_STORE=eventstoredb needs EVENTSTORE_URL');
        return { kind: 'eventstoredb', url: c.EVENTSTORE_URL };
    }
  })();
  const bus: Config['bus'] =
    c.FLAGSTAFF_BUS === 'kafka'
      ? { kind: 'kafka', brokers: c.KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean), topicPrefix: c.FLAGSTAFF_KAFKA_TOPIC_PREFIX }
      : { kind: 'memory' };
  const analytics: Config['analytics'] =
    c.FLAGSTAFF_ANALYTICS === 'clickhouse'
      ? { kind: 'clickhouse', url: c.CLICKHOUSE_URL, database: c.CLICKHOUSE_DATABASE }
      : { kind: 'duckdb', path: path.join(dataDir, 'analytics', 'flagstaff.duckdb') };
  const operations: OperationsConfig = {
    logLevel: c.FLAGSTAFF_LOG_LEVEL,
    tracing: c.FLAGSTAFF_TRACING,
    adminRequestsPerSecond: c.FLAGSTAFF_ADMIN_RATE_LIMIT,
    eventsPerSecond: c.FLAGSTAFF_EVENTS_RATE_LIMIT,
    eventsMaxFutureSkewMs: c.FLAGSTAFF_EVENTS_MAX_FUTURE_SKEW_MS,
    maxStreamsPerKey: c.FLAGSTAFF_MAX_STREAMS_PER_KEY,
    authFailuresPerSecond: c.FLAGSTAFF_AUTH_FAILURE_RATE_LIMIT,
    trustedProxies: c.FLAGSTAFF_TRUST_PROXY,
    requestTimeoutMs: c.FLAGSTAFF_REQUEST_TIMEOUT_MS,
    shutdownTimeoutMs: c.FLAGSTAFF_SHUTDOWN_TIMEOUT_MS,
    usageFlushMs: c.FLAGSTAFF_USAGE_FLUSH_MS,
    consumerLagIntervalMs: c.FLAGSTAFF_CONSUMER_LAG_INTERVAL_MS,
  };
  return { port: c.PORT, host: c.HOST, dataDir, adminToken: c.FLAGSTAFF_ADMIN_TOKEN, eventStore, bodyLimit: c.FLAGSTAFF_BODY_LIMIT, bus, analytics, operations };
}
