import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInMemoryBus } from '../../src/analytics/bus/in-memory-bus.ts';
import type { ConsumedMessage, EventBus } from '../../src/shared/event-bus.ts';
import { eventually } from '../support/eventually.ts';
import { request, startTestServer, type TestServer } from '../support/flagstaff.ts';

let server: TestServer;
let bus: EventBus;
let sdkKey: string;
const received: ConsumedMessage[] = [];

const experiment = {
  key: 'checkout-test',
  flagKey: 'new-checkout',
  environment: 'production',
  hypothesis: 'The new checkout raises purchases by 2%',
  controlVariant: 'off',
  variants: [{ variant: 'off', weight: 50_000 }, { variant: 'on', weight: 50_000 }],
  trafficPercent: 100,
  primaryMetric: 'purchase',
  secondaryMetrics: ['revenue'],
  guardrailMetrics: [],
  method: 'frequentist',
  alpha: 0.05,
  cuped: true,
};

beforeAll(async () => {
  bus = createInMemoryBus();
  await bus.subscribe({ groupId: 'test-observer', topics: ['exposures', 'metrics'], onBatch: async (messages) => void received.push(...messages) });
  server = await startTestServer({ bus });
  sdkKey = (await server.api('POST', '/admin/api-keys', { body: { environment: 'production', kind: 'server' } })).body.key;
  await server.api('POST', '/admin/flags', { body: { key: 'new-checkout' } });
  await server.api('POST', '/admin/flags/new-checkout/environments/production/toggle', { body: { enabled: true } });
  expect((await server.api('POST', '/admin/metrics', { body: { key: 'purchase', kind: 'binomial', event: 'purchase' } })).status).toBe(201);
  expect((await server.api('POST', '/admin/metrics', { body: { key: 'revenue', kind: 'mean', event: 'purchase' } })).status).toBe(201);
});
afterAll(async () => {
  await server.close();
  await bus.close();
});

describe('experiments API', () => {
  it('creates, starts, stops, restarts and concludes an experiment, each step in its history', async () => {
    const created = await server.api('POST', '/admin/experiments', { body: experiment });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: 'checkout-test', status: 'draft', salt: 'checkout-test' });
    const duplicate = await server.api('POST', '/admin/experiments', { body: { ...experiment, key: 'second-test' } });
    expect(duplicate.status).toBe(201);

    expect((await server.api('POST', '/admin/experiments/checkout-test/start')).body.status).toBe('running');
    const clash = await server.api('POST', '/admin/experiments/second-test/start');
    expect(clash.status).toBe(422);
    expect(clash.body.errors[0].detail).toMatch(/checkout-test is already running/);

    const withKey = await server.api('PUT', '/admin/experiments/checkout-test', { body: experiment, headers: { 'if-match': 'W/"2"' } });
    expect(withKey.status).toBe(400); // the key is the resource's name, not part of its design
    expect(withKey.body.errors[0].pointer).toBe('#/key');
    const whileRunning = await server.api('PUT', '/admin/experiments/checkout-test', {
      body: (({ key: _key, ...rest }) => rest)(experiment),
      headers: { 'if-match': 'W/"2"' },
    });
    expect(whileRunning.status).toBe(409);
    expect(whileRunning.body.detail).toMatch(/stop it first/);
  });

  it('refuses designs that do not resolve, naming each field', async () => {
    const bad = await server.api('POST', '/admin/experiments', {
      body: { ...experiment, key: 'bad-test', variants: [{ variant: 'off', weight: 60_000 }, { variant: 'purple', weight: 50_000 }], primaryMetric: 'ghost' },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['#/variants/1/variant', '#/variants', '#/primaryMetric']);
    const typo = await server.api('POST', '/admin/experiments', { body: { ...experiment, key: 'typo-test', trafficPercent: 150 } });
    expect(typo.status).toBe(400);
    expect(typo.body.errors[0].pointer).toBe('#/trafficPercent');
  });

  it('assigns units while running and emits one exposure per assignment, with revision, rule and reason', async () => {
    await server.projection.caughtUp();
    const before = Date.now();
    const results = await Promise.all(
      ['u-1', 'u-2', 'u-3', 'u-4'].map((unit) =>
        request(server.url, 'GET', `/api/v1/flags/new-checkout?targetingKey=${unit}`, { token: null, headers: { authorization: `Bearer ${sdkKey}` } }),
      ),
    );
    for (const result of results) expect(result.body).toMatchObject({ reason: 'SPLIT', ruleId: 'experiment', experimentKey: 'checkout-test' });
    await server.exposures.flush();
    await eventually(async () => expect(received.filter((m) => m.topic === 'exposures')).toHaveLength(4));
    const exposure = JSON.parse(received.find((m) => m.topic === 'exposures' && m.key === 'u-2')!.value);
    const u2 = results[1]!.body;
    expect(exposure).toMatchObject({
      type: 'exposure',
      flagKey: 'new-checkout',
      experimentKey: 'checkout-test',
      environment: 'production',
      variant: u2.variant,
      unitId: 'u-2',
      revision: u2.revision,
      ruleId: 'experiment',
      reason: 'SPLIT',
    });
    expect(exposure.eventId).toMatch(/^[0-9a-f-]{36}$/);
    // Stamped when the unit was assigned: between asking and reading it back, however long that took.
    expect(Date.parse(exposure.timestamp)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(exposure.timestamp)).toBeLessThanOrEqual(Date.now());
  });

  it('stops assigning once stopped, and re-randomises on an explicit restart', async () => {
    await server.api('POST', '/admin/experiments/checkout-test/stop');
    await server.projection.caughtUp();
    const stopped = await request(server.url, 'GET', '/api/v1/flags/new-checkout?targetingKey=u-1', { token: null, headers: { authorization: `Bearer ${sdkKey}` } });
    expect(stopped.body).toMatchObject({ reason: 'DEFAULT' });
    expect(stopped.body).not.toHaveProperty('experimentKey');
    const restarted = await server.api('POST', '/admin/experiments/checkout-test/restart', { body: { rerandomize: true, reason: 'bug in variant on' } });
    expect(restarted.body).toMatchObject({ status: 'running', salt: 'checkout-test~2', iteration: 2 });
    const history = await server.api('GET', '/admin/experiments/checkout-test/history');
    expect(history.body.events.map((e: { type: string }) => e.type)).toEqual(['ExperimentCreated', 'ExperimentStarted', 'ExperimentStopped', 'ExperimentRestarted']);
    expect(history.body.events[3]).toMatchObject({ reason: 'bug in variant on', change: { rerandomized: true } });
    const concluded = await server.api('POST', '/admin/experiments/checkout-test/conclude', { body: { winningVariant: 'on' } });
    expect(concluded.body).toMatchObject({ status: 'concluded', winningVariant: 'on' });
  });
});

describe('POST /api/v1/events', () => {
  const post = (body: unknown) => request(server.url, 'POST', '/api/v1/events', { token: null, headers: { authorization: `Bearer ${sdkKey}` }, body });
  const metric = (i: number) => ({ type: 'metric', eventId: `m-${i}`, name: 'purchase', unitId: `u-${i}`, value: 12.5, timestamp: '2026-11-21T10:00:00Z' });

  it('accepts valid exposures and metric events with 202 once the bus has them', async () => {
    const before = received.length;
    const accepted = await post({
      events: [metric(1), { type: 'exposure', eventId: 'x-1', flagKey: 'new-checkout', experimentKey: 'checkout-test', variant: 'on', unitId: 'u-1', timestamp: '2026-11-21T09:00:00Z' }],
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({ accepted: 2 });
    await eventually(async () => expect(received.length).toBe(before + 2));
    const exposure = received.slice(before).find((m) => m.topic === 'exposures')!;
    expect(JSON.parse(exposure.value).environment).toBe('production');
  });

  it('refuses a batch with bad events, naming each by index, and publishes none of it', async () => {
    const before = received.length;
    const refused = await post({ events: [metric(2), { ...metric(3), timestamp: 'yesterday' }, { type: 'click', eventId: 'c' }, { ...metric(4), value: 'much' }] });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    const pointers = refused.body.errors.map((e: { pointer: string }) => e.pointer);
    expect(pointers).toContain('#/events/1/timestamp');
    expect(pointers.some((p: string) => p.startsWith('#/events/2'))).toBe(true);
    expect(pointers).toContain('#/events/3/value');
    expect(pointers.some((p: string) => p.startsWith('#/events/0'))).toBe(false);
    expect(refused.body.detail).toMatch(/3 of 4 events are invalid/);
    await new Promise((r) => setTimeout(r, 100));
    expect(received.length).toBe(before);
  });

  it('refuses events dated more than the allowed skew (1 hour by default) ahead of the server clock, naming each; half an hour ahead is fine', async () => {
    const before = received.length;
    const ahead = (ms: number): string => new Date(Date.now() + ms).toISOString();
    const exposure = { type: 'exposure', eventId: 'x-future', flagKey: 'new-checkout', experimentKey: 'checkout-test', variant: 'on', unitId: 'u-1' };
    const refused = await post({
      events: [
        { ...metric(20), timestamp: ahead(30 * 60_000) },
        { ...metric(21), timestamp: ahead(2 * 3_600_000) },
        { ...exposure, timestamp: '9999-12-31T23:59:59Z' },
        { ...metric(22), timestamp: '9999-12-31T00:00:00+14:00' },
      ],
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['#/events/1/timestamp', '#/events/2/timestamp', '#/events/3/timestamp']);
    expect(refused.body.errors[0].detail).toMatch(/future/);
    expect(received.length).toBe(before);

    const accepted = await post({ events: [{ ...metric(20), timestamp: ahead(30 * 60_000) }, { ...exposure, timestamp: ahead(30 * 60_000) }] });
    expect(accepted.status).toBe(202);
    await eventually(async () => expect(received.length).toBe(before + 2));
  });

  it('takes up to 10,000 events per request and refuses more', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => metric(100_000 + i));
    expect((await post({ events: many })).status).toBe(202);
    const tooMany = await post({ events: [...many, metric(1)] });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].pointer).toBe('#/events');
    expect((await request(server.url, 'POST', '/api/v1/events', { token: null, body: { events: [metric(1)] } })).status).toBe(401);
  });
});
