import { Writable } from 'node:stream';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/event-store/event-store.ts';
import { createInMemoryEventStore } from '../../src/event-store/in-memory-event-store.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { eventually } from '../support/eventually.ts';
import { connectSse } from '../support/sse-client.ts';
import { request, startTestServer, type TestServer } from '../support/flagstaff.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function start(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const server = await startTestServer(options);
  servers.push(server);
  return server;
}

async function serverKey(server: TestServer, environment = 'production'): Promise<string> {
  return (await server.api('POST', '/admin/api-keys', { body: { environment, kind: 'server' } })).body.key as string;
}

const sdk = (key: string) => ({ token: null, headers: { authorization: `Bearer ${key}` } });

/** The value of one series in Prometheus' text format (the sum over series whose labels contain `labels`). */
function series(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) continue;
    const match = /^([^{\s]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    if (!Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) continue;
    total = (total ?? 0) + Number(match[3]);
  }
  return total;
}

const targeting = (enabled: boolean, defaultServe: unknown = { variant: 'on' }) => ({ enabled, offVariant: 'off', bucketBy: 'targetingKey', targets: [], rules: [], defaultServe });

const metric = (tracked: number, i: number) => ({ type: 'metric', eventId: `m-${tracked}-${i}`, name: 'purchase', unitId: `u-${i}`, value: 1, timestamp: new Date().toISOString() });

describe('operability', () => {
  it('exports the key series on /metrics, and they move', async () => {
    const server = await start();
    const key = await serverKey(server);
    await server.api('POST', '/admin/flags', { body: { key: 'metered' } });
    await server.api('POST', '/admin/flags/metered/environments/production/toggle', { body: { enabled: true } });
    await eventually(async () => expect((await request(server.url, 'GET', '/api/v1/flags/metered?targetingKey=u1', sdk(key))).status).toBe(200));
    const before = (await request(server.url, 'GET', '/metrics', { token: null })).body as unknown as string;

    for (let i = 0; i < 5; i++) await request(server.url, 'GET', `/api/v1/flags/metered?targetingKey=u${i}`, sdk(key));
    await request(server.url, 'GET', '/api/v1/flags/no-such-flag', sdk(key));
    const stale = await server.api('PUT', '/admin/flags/metered/environments/production', { body: targeting(false), headers: { 'if-match': 'W/"1"' } });
    expect(stale.status).toBe(412);
    expect((await request(server.url, 'POST', '/api/v1/events', { ...sdk(key), body: { events: [metric(1, 1), metric(1, 2)] } })).status).toBe(202);
    expect((await request(server.url, 'POST', '/api/v1/events', { ...sdk(key), body: { events: [{ type: 'metric' }] } })).status).toBe(400);
    const stream = await connectSse(`${server.url}/api/v1/stream`, { authorization: `Bearer ${key}` });

    const scraped = await request(server.url, 'GET', '/metrics', { token: null });
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get('content-type')).toMatch(/^text\/plain/);
    const after = scraped.body as unknown as string;
    const moved = (name: string, labels: Record<string, string> = {}) => (series(after, name, labels) ?? 0) - (series(before, name, labels) ?? 0);
    expect(moved('flagstaff_evaluations_total', { flag: 'metered', environment: 'production', variant: 'on' })).toBe(5);
    expect(moved('flagstaff_evaluations_total', { flag: '(unknown)', reason: 'ERROR' })).toBe(1);
    expect(moved('flagstaff_evaluation_duration_seconds_count', { route: 'flag' })).toBe(6);
    expect(moved('flagstaff_http_request_duration_seconds_count', { api: 'read', route: '/api/v1/flags/:key' })).toBe(6);
    expect(moved('flagstaff_http_request_duration_seconds_count', { api: 'admin', route: '/admin/flags/:key/environments/:env', status: '412' })).toBe(1);
    expect(moved('flagstaff_http_precondition_failed_total')).toBe(1);
    expect(moved('flagstaff_ingest_events_total', { outcome: 'accepted' })).toBe(2);
    expect(moved('flagstaff_ingest_events_total', { outcome: 'rejected' })).toBe(1);
    expect(series(after, 'flagstaff_sse_connections')).toBe(1);
    expect(series(after, 'flagstaff_projection_lag_events')).toBeGreaterThanOrEqual(0);
    expect(series(after, 'flagstaff_event_store_append_duration_seconds_count', { outcome: 'ok' })).toBeGreaterThan(0);
    expect(series(after, 'flagstaff_process_resident_memory_bytes')).toBeGreaterThan(0);
    // The sink stores the two accepted events; its batches and lag show up.
    await eventually(async () => {
      const text = (await request(server.url, 'GET', '/metrics', { token: null })).body as unknown as string;
      expect(series(text, 'flagstaff_pipeline_records_total', { kind: 'metric' })).toBe(2);
      expect(series(text, 'flagstaff_pipeline_batch_size_count', { outcome: 'ok' })).toBeGreaterThan(0);
      expect(series(text, 'flagstaff_pipeline_consumer_lag_messages')).toBe(0);
    });
    stream.close();
  });

  it('counts conflicting appends', async () => {
    const server = await start();
    await server.api('POST', '/admin/flags', { body: { key: 'contested' } });
    const racing = await Promise.all(
      Array.from({ length: 8 }, (_, i) => server.api('PUT', '/admin/flags/contested/environments/production', { body: targeting(i % 2 === 0), headers: { 'if-match': 'W/"1"' } })),
    );
    expect(racing.filter((r) => r.status === 200)).toHaveLength(1);
    const text = (await request(server.url, 'GET', '/metrics', { token: null })).body as unknown as string;
    expect(series(text, 'flagstaff_http_precondition_failed_total')).toBe(7);
  });

  it('limits each admin token to its rate: 429 with Retry-After, a problem naming the limit', async () => {
    const server = await start({ config: { operations: { logLevel: 'warn', adminRequestsPerSecond: 1 } } });
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<TestServer['api']>> | undefined;
    for (let i = 0; i < 8 && !limited; i++) {
      const response = await server.api('GET', '/admin/flags');
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]); // the burst: five seconds' worth
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited?.body).toMatchObject({ type: 'urn:flagstaff:problem:too-many-requests', status: 429 });
    // Health and metrics are not behind the admin token, nor its limit.
    expect((await request(server.url, 'GET', '/health', { token: null })).status).toBe(200);
  });

  it('limits events per SDK key, refusing a whole request it cannot take and publishing none of it', async () => {
    const server = await start({ config: { operations: { logLevel: 'warn', eventsPerSecond: 50 } } });
    const key = await serverKey(server);
    const other = await serverKey(server, 'staging');
    const post = (k: string, tracked: number, count: number) =>
      request(server.url, 'POST', '/api/v1/events', { ...sdk(k), body: { events: Array.from({ length: count }, (_, i) => metric(tracked, i)) } });
    expect((await post(key, 1, 80)).status).toBe(202); // burst: two seconds' worth, 100
    const refused = await post(key, 2, 60);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).not.toBeNull();
    expect((await post(other, 3, 60)).status).toBe(202); // another key has its own budget
    expect((await post(key, 4, 101)).status).toBe(429); // more than a burst can never pass
    await eventually(async () => expect(await server.analytics.eventCounts()).toEqual({ exposures: 0, metricEvents: 140 }));
  });

  it('bounds the SSE streams per SDK key', async () => {
    const server = await start({ config: { operations: { logLevel: 'warn', maxStreamsPerKey: 2 } } });
    const key = await serverKey(server);
    const headers = { authorization: `Bearer ${key}` };
    const open = [await connectSse(`${server.url}/api/v1/stream`, headers), await connectSse(`${server.url}/api/v1/stream`, headers)];
    expect(open.map((s) => s.status)).toEqual([200, 200]);
    const third = await request(server.url, 'GET', '/api/v1/stream', { token: null, headers });
    expect(third.status).toBe(429);
    open[0]!.close();
    await eventually(async () => {
      const again = await connectSse(`${server.url}/api/v1/stream`, headers);
      again.close();
      expect(again.status).toBe(200);
    });
    open[1]!.close();
  });

  // The test's own timeout sits far below the 30 s default: a server that ignored the configured 300 ms would
  // still be waiting when it ends.
  it('answers 503 to a request that outlasts the timeout', { timeout: 10_000 }, async () => {
    const real = createInMemoryEventStore();
    let hang = false;
    const store: EventStore = { ...real, readAll: async (o) => (hang ? new Promise(() => {}) : real.readAll(o)) };
    const server = await start({ store, config: { operations: { logLevel: 'warn', requestTimeoutMs: 300 } } });
    hang = true;
    const response = await server.api('GET', '/admin/flags');
    expect(response.status).toBe(503);
    expect(response.body.type).toBe('urn:flagstaff:problem:request-timeout');
    hang = false;
  });

  it('keeps SSE streams open past the request timeout', async () => {
    const server = await start({ config: { operations: { logLevel: 'warn', requestTimeoutMs: 300 } } });
    const key = await serverKey(server);
    await server.api('POST', '/admin/flags', { body: { key: 'long-lived' } });
    const stream = await connectSse(`${server.url}/api/v1/stream`, { authorization: `Bearer ${key}` });
    await stream.next((e) => e.event === 'snapshot');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await server.api('POST', '/admin/flags/long-lived/environments/production/toggle', { body: { enabled: true } });
    const change = await stream.next((e) => e.event === 'change', 5_000);
    expect(change.data).toContain('long-lived');
    stream.close();
  });

  it('logs each admin request as JSON with the request id the events record as their correlation id', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const server = await start({ logger: createLogger('info', sink) });
    const created = await server.api('POST', '/admin/flags', { body: { key: 'logged' }, headers: { 'x-request-id': 'req-42' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe('req-42');
    await eventually(async () => expect(lines.find((l) => l['requestId'] === 'req-42')).toMatchObject({ api: 'admin', method: 'POST', route: '/admin/flags', status: 201, actor: 'bootstrap-admin', msg: 'request', level: 30 }));
    const history = await server.api('GET', '/admin/flags/logged/history');
    expect(history.body.events[0].correlationId).toBe('req-42');
  });

  it('traces a command from its HTTP request to its append, when tracing is on', async () => {
    const exporter = new InMemorySpanExporter();
    const server = await start({ traceExporter: exporter });
    await server.api('POST', '/admin/flags', { body: { key: 'traced' }, headers: { 'x-request-id': 'trace-me' } });
    await eventually(async () => {
      const spans = exporter.getFinishedSpans();
      const request = spans.find((s) => s.attributes['flagstaff.request_id'] === 'trace-me');
      const append = spans.find((s) => s.name === 'eventstore.append' && s.attributes['flagstaff.stream'] === 'flag-traced');
      expect(request?.attributes['http.route']).toBe('/admin/flags');
      expect(append?.spanContext().traceId).toBe(request?.spanContext().traceId);
      expect(append?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
    });
  });

  it('reports stale flags from evaluation telemetry: not evaluated, or one variant for everyone', async () => {
    let now = Date.now() - 3 * 86_400_000;
    const store = createInMemoryEventStore({ now: () => new Date(now) });
    const server = await start({ store, config: { operations: { logLevel: 'warn', usageFlushMs: 100 } } });
    const key = await serverKey(server);
    for (const flag of ['always-on', 'never-asked', 'split-half']) await server.api('POST', '/admin/flags', { body: { key: flag } });
    await server.api('POST', '/admin/flags/always-on/environments/production/toggle', { body: { enabled: true } });
    await server.api('PUT', '/admin/flags/split-half/environments/production', {
      body: targeting(true, { split: [{ variant: 'on', weight: 50_000 }, { variant: 'off', weight: 50_000 }] }),
      headers: { 'if-match': 'W/"1"' },
    });
    now = Date.now();
    await eventually(async () => expect((await request(server.url, 'GET', '/api/v1/flags/split-half?targetingKey=x', sdk(key))).body.reason).toBe('SPLIT'));
    for (let i = 0; i < 40; i++) {
      await request(server.url, 'GET', `/api/v1/flags/always-on?targetingKey=u${i}`, sdk(key));
      await request(server.url, 'GET', `/api/v1/flags/split-half?targetingKey=u${i}`, sdk(key));
    }
    const stale = await eventually(async () => {
      const listed = await server.api('GET', '/admin/flags?stale=true&staleDays=1');
      expect(listed.body.flags.map((f: { key: string }) => f.key)).toEqual(['always-on', 'never-asked']);
      expect(listed.body.flags[0].stale.evaluations).toBe(40); // every flush in
      return listed.body.flags as { key: string; stale: { reason: string; evaluations: number; variants: Record<string, number>; lastEvaluatedAt: string | null } }[];
    });
    expect(stale[0]!.stale).toMatchObject({ reason: 'single-variant', evaluations: 40, variants: { on: 40 } });
    expect(stale[0]!.stale.lastEvaluatedAt).not.toBeNull();
    expect(stale[1]!.stale).toMatchObject({ reason: 'not-evaluated', evaluations: 0, lastEvaluatedAt: null });
    // Usage is telemetry: not in the audit feed unless asked for.
    const audit = await server.api('GET', '/admin/audit?limit=200');
    expect(audit.body.entries.some((e: { entityType: string }) => e.entityType === 'flagusage')).toBe(false);
    // A bad period is a problem naming the field.
    const bad = await server.api('GET', '/admin/flags?stale=true&staleDays=0');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].pointer).toBe('#/staleDays');
  });
});
