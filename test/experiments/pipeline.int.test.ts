import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.ts';
import { request, startTestServer, type TestServer } from '../support/flagstaff.ts';
import { syntheticExperiment, type SyntheticExperiment } from '../support/synthetic-experiment.ts';

let server: TestServer;
let sdkKey: string;
let data: SyntheticExperiment;

beforeAll(async () => {
  server = await startTestServer();
  sdkKey = (await server.api('POST', '/admin/api-keys', { body: { environment: 'production', kind: 'server' } })).body.key;
  await server.api('POST', '/admin/flags', { body: { key: 'new-checkout' } });
  await server.api('POST', '/admin/metrics', { body: { key: 'purchase', kind: 'binomial', event: 'purchase' } });
  await server.api('POST', '/admin/metrics', { body: { key: 'revenue', kind: 'mean', event: 'purchase' } });
  const created = await server.api('POST', '/admin/experiments', {
    body: {
      key: 'checkout-test',
      flagKey: 'new-checkout',
      environment: 'production',
      controlVariant: 'off',
      variants: [{ variant: 'off', weight: 50_000 }, { variant: 'on', weight: 50_000 }],
      primaryMetric: 'purchase',
      secondaryMetrics: ['revenue'],
    },
  });
  expect(created.status).toBe(201);
  expect((await server.api('POST', '/admin/experiments/checkout-test/start')).status).toBe(200);
  data = syntheticExperiment({ units: 2_000, seed: 7, startedAt: new Date(Date.now() + 1_000), conversion: { off: 0.1, on: 0.13 } });
});
afterAll(async () => server.close());

describe('the embedded pipeline: POST /api/v1/events → in-process bus → sink → DuckDB → results', () => {
  it('counts exactly what was sent, once, even when batches are sent twice', async () => {
    for (const batch of data.batches(1_000)) {
      const sent = await request(server.url, 'POST', '/api/v1/events', { token: null, headers: { authorization: `Bearer ${sdkKey}` }, body: { events: batch } });
      expect(sent.status).toBe(202);
    }
    // A client that retries (same event ids) changes nothing.
    const again = await request(server.url, 'POST', '/api/v1/events', { token: null, headers: { authorization: `Bearer ${sdkKey}` }, body: { events: data.batches(1_000)[0] } });
    expect(again.status).toBe(202);

    await eventually(async () => expect(await server.analytics.eventCounts()).toEqual({ exposures: data.exposureCount, metricEvents: data.metricEventCount }), 20_000);
    const results = await server.api('GET', '/admin/experiments/checkout-test/results');
    expect(results.status).toBe(200);
    expect(results.body.multipleExposures).toBe(data.expected.multipleExposures);
    expect(results.body.srm.observed).toEqual(data.expected.units);
    const purchase = results.body.metrics.find((m: { metricKey: string }) => m.metricKey === 'purchase');
    const revenue = results.body.metrics.find((m: { metricKey: string }) => m.metricKey === 'revenue');
    for (const variant of ['off', 'on']) {
      expect(purchase.statistics[variant]).toMatchObject({ n: data.expected.units[variant], sum: data.expected.conversions[variant] });
      expect(revenue.statistics[variant].n).toBe(data.expected.units[variant]);
      expect(revenue.statistics[variant].sum).toBeCloseTo(data.expected.revenue[variant]!, 6);
      expect(revenue.statistics[variant].sumSquares).toBeCloseTo(data.expected.revenueSquares[variant]!, 4);
    }
    expect(purchase.comparisons[0]).toMatchObject({ variant: 'on', baseline: 'off', status: 'ok' });
    expect(typeof purchase.comparisons[0].pValue).toBe('number');
  });

  it('judges a metric whose control never converts on the absolute difference, and says so', async () => {
    // The synthetic events are all named purchase; for this metric they stand for failed payments, which the
    // control never has: a relative change from 0 is undefined, and must not hide the treatment's failures.
    await server.api('POST', '/admin/metrics', { body: { key: 'failed-payment', kind: 'binomial', event: 'purchase', direction: 'lower' } });
    await server.api('POST', '/admin/flags', { body: { key: 'new-payments' } });
    const design = { key: 'payments-test', flagKey: 'new-payments', environment: 'production', controlVariant: 'off', primaryMetric: 'failed-payment' };
    const created = await server.api('POST', '/admin/experiments', { body: { ...design, variants: [{ variant: 'off', weight: 50_000 }, { variant: 'on', weight: 50_000 }] } });
    expect(created.status).toBe(201);
    expect((await server.api('POST', '/admin/experiments/payments-test/start')).status).toBe(200);
    const failures = syntheticExperiment({ units: 600, seed: 11, startedAt: new Date(Date.now() + 1_000), conversion: { off: 0, on: 0.3 }, experimentKey: 'payments-test', flagKey: 'new-payments' });
    for (const batch of failures.batches(1_000)) {
      expect((await request(server.url, 'POST', '/api/v1/events', { token: null, headers: { authorization: `Bearer ${sdkKey}` }, body: { events: batch } })).status).toBe(202);
    }
    const sent = { exposures: data.exposureCount + failures.exposureCount, metricEvents: data.metricEventCount + failures.metricEventCount };
    await eventually(async () => expect(await server.analytics.eventCounts()).toEqual(sent), 20_000);

    const results = await server.api('GET', '/admin/experiments/payments-test/results');
    expect(results.status).toBe(200);
    const [metric] = results.body.metrics;
    expect(metric.statistics.off).toMatchObject({ n: failures.expected.units['off'], sum: 0 });
    expect(metric.statistics.on).toMatchObject({ n: failures.expected.units['on'], sum: failures.expected.conversions['on'] });
    const rate = failures.expected.conversions['on']! / failures.expected.units['on']!;
    expect(metric.comparisons[0]).toMatchObject({
      status: 'ok',
      effect: 'absolute',
      note: 'the control mean is 0, so there is no relative effect; the comparison is on the absolute difference instead',
      relativeLift: null,
      significant: true,
      verdict: 'regression',
    });
    expect(metric.comparisons[0].absoluteLift).toBeCloseTo(rate, 12);
  });
});
