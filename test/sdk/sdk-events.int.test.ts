import fs from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createFlagstaffClient, type FlagstaffClient } from '../../src/sdk/flagstaff-client.ts';
import { eventually } from '../support/eventually.ts';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';
import { createFlag, createServerKey, freePort, setTargeting, startOnDisk, tempDir } from './sdk-fixtures.ts';

const servers: TestServer[] = [];
const clients: FlagstaffClient[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const client of clients) await client.close();
  for (const server of servers) await server.close().catch(() => {});
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

/** Counts the requests to POST /api/v1/events and what they answered. */
function countingFetch(): { fetch: typeof fetch; posts: number[] } {
  const posts: number[] = [];
  return {
    posts,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      if (String(input).endsWith('/api/v1/events')) posts.push(response.status);
      return response;
    },
  };
}

describe('SDK events: exposures and metric events to POST /api/v1/events', () => {
  it('loses nothing while the server is up: 25,000 events over many batches, each counted once by the server', async () => {
    const server = await startTestServer();
    servers.push(server);
    const sdkKey = await createServerKey(server);
    await createFlag(server, { key: 'checkout' });
    await setTargeting(server, 'checkout', 'production', { enabled: true, offVariant: 'off', defaultServe: { variant: 'off' } });
    await server.api('POST', '/admin/metrics', { body: { key: 'purchase', kind: 'binomial', event: 'purchase' } });
    const experiment = await server.api('POST', '/admin/experiments', {
      body: { key: 'checkout-test', flagKey: 'checkout', environment: 'production', controlVariant: 'off', variants: [{ variant: 'off', weight: 50_000 }, { variant: 'on', weight: 50_000 }], primaryMetric: 'purchase' },
    });
    expect(experiment.status).toBe(201);
    expect((await server.api('POST', '/admin/experiments/checkout-test/start')).status).toBe(200);
    await server.projection.caughtUp();

    const counting = countingFetch();
    const sdk = createFlagstaffClient({ url: server.url, sdkKey, fetch: counting.fetch, events: { flushIntervalMs: 20, maxBatch: 1_000, maxBuffer: 30_000 } });
    clients.push(sdk);
    await sdk.ready();
    const assigned = { off: 0, on: 0 } as Record<string, number>;
    for (let i = 0; i < 5_000; i++) {
      const unit = `unit-${i}`;
      const result = sdk.evaluate('checkout', { targetingKey: unit });
      expect(result).toMatchObject({ reason: 'SPLIT', ruleId: 'experiment', experimentKey: 'checkout-test' });
      assigned[result.variant!]!++;
      sdk.evaluate('checkout', { targetingKey: unit }); // the same assignment again: one exposure is enough
      sdk.track(unit, 'purchase', i % 7);
      sdk.track(unit, 'page-view');
      sdk.track(unit, 'purchase', 1.5);
      sdk.track(unit, 'checkout-started');
      if (i % 1_000 === 999) await new Promise((resolve) => setTimeout(resolve, 30)); // let some batches go by time
    }
    await sdk.flush();
    expect(sdk.eventStats).toEqual({ sent: 25_000, dropped: 0, pending: 0 });
    expect(counting.posts.length).toBeGreaterThanOrEqual(25);
    expect(counting.posts.every((status) => status === 202)).toBe(true);
    await eventually(async () => expect(await server.analytics.eventCounts()).toEqual({ exposures: 5_000, metricEvents: 20_000 }), 30_000);
    // The exposures are the server's own shape: the experiment's results see the SDK's assignments.
    const results = await server.api('GET', '/admin/experiments/checkout-test/results');
    expect(results.body.srm.observed).toEqual(assigned);
  }, 180_000);

  it('with the server down, counts what exceeds its buffer as dropped, and delivers the rest once the server is back', async () => {
    const dataDir = await tempDir('flagstaff-sdk-events-');
    dirs.push(dataDir);
    const port = await freePort();
    const seed = await startOnDisk(dataDir, port);
    const sdkKey = await createServerKey(seed);
    await seed.close();

    const counting = countingFetch();
    const errors: Error[] = [];
    const sdk = createFlagstaffClient({
      url: `http://127.0.0.1:${port}`,
      sdkKey,
      fetch: counting.fetch,
      reconnect: { initialDelayMs: 50, maxDelayMs: 300 },
      initTimeoutMs: 60_000,
      events: { flushIntervalMs: 10, maxBatch: 40, maxBuffer: 100, retry: { initialDelayMs: 50, maxDelayMs: 200 } },
      onError: (error) => errors.push(error),
    });
    clients.push(sdk);
    const accepted = Array.from({ length: 150 }, (_, i) => sdk.track(`unit-${i}`, 'purchase', i));
    expect(accepted.filter(Boolean)).toHaveLength(100);
    expect(accepted.slice(100).some(Boolean)).toBe(false); // the newest are the ones dropped
    expect(sdk.eventStats).toEqual({ sent: 0, dropped: 50, pending: 100 });
    await eventually(async () => expect(errors.some((e) => /events: .*fetch failed/.test(e.message))).toBe(true));

    const server = await startOnDisk(dataDir, port);
    servers.push(server);
    await eventually(async () => expect(sdk.eventStats).toEqual({ sent: 100, dropped: 50, pending: 0 }), 15_000);
    await eventually(async () => expect((await server.analytics.eventCounts()).metricEvents).toBe(100), 15_000);
  });

  it('close() sends what is buffered, and counts what it could not send as dropped', async () => {
    const server = await startTestServer();
    servers.push(server);
    const sdkKey = await createServerKey(server);
    const sdk = createFlagstaffClient({ url: server.url, sdkKey, events: { flushIntervalMs: 60_000, maxBatch: 500 } });
    for (let i = 0; i < 1_200; i++) sdk.track(`unit-${i}`, 'purchase');
    await sdk.close();
    expect(sdk.eventStats).toEqual({ sent: 1_200, dropped: 0, pending: 0 });
    await eventually(async () => expect((await server.analytics.eventCounts()).metricEvents).toBe(1_200));

    const gone = createFlagstaffClient({ url: `http://127.0.0.1:${await freePort()}`, sdkKey, initTimeoutMs: 60_000, events: { closeTimeoutMs: 300, retry: { initialDelayMs: 20, maxDelayMs: 50 } } });
    for (let i = 0; i < 10; i++) gone.track(`unit-${i}`, 'purchase');
    // Invalid: refused here rather than spoil a batch; never thrown.
    expect(gone.track('', 'purchase')).toBe(false);
    expect(gone.track('unit-1', 'has spaces')).toBe(false);
    expect(gone.track('unit-1', 'purchase', Number.NaN)).toBe(false);
    expect(gone.track('unit-1', 'purchase', 1, { timestamp: new Date('nonsense') })).toBe(false);
    await gone.close();
    expect(gone.eventStats).toEqual({ sent: 0, dropped: 14, pending: 0 });
    expect(gone.track('unit-x', 'purchase')).toBe(false);
  });
});
