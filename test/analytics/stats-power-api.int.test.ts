import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleSizePerVariant } from '../../src/analytics/stats/power.ts';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 180_000);
afterAll(async () => server.close());

describe('POST /admin/stats/power', () => {
  it('gives the units per variant for a minimum detectable effect, as the engine computes them', async () => {
    const res = await server.api('POST', '/admin/stats/power', { body: { metricType: 'binomial', baselineMean: 0.1, minimumDetectableEffect: 0.01, relative: false } });
    expect(res.status).toBe(200);
    // The textbook 14,749 for 10% → 11% at α 0.05 and power 0.8 (power.unit.test.ts).
    expect(res.body).toMatchObject({ unitsPerVariant: 14_749, totalUnits: 29_498, variants: 2, alpha: 0.05, power: 0.8, minimumDetectableEffect: 0.01 });
  });

  it('scales the total by the number of variants and inverts to the detectable effect for a sample size', async () => {
    const design = { metricType: 'mean', baselineMean: 12, variance: 90, alpha: 0.01, power: 0.9 } as const;
    const sized = await server.api('POST', '/admin/stats/power', { body: { ...design, minimumDetectableEffect: 0.05, variants: 3 } });
    const n = sampleSizePerVariant({ ...design, effect: 0.05 });
    expect(sized.body).toMatchObject({ unitsPerVariant: n, totalUnits: 3 * n });
    const mde = await server.api('POST', '/admin/stats/power', { body: { ...design, unitsPerVariant: n } });
    expect(mde.status).toBe(200);
    expect(mde.body.minimumDetectableEffect).toBeGreaterThan(0.049);
    expect(mde.body.minimumDetectableEffect).toBeLessThanOrEqual(0.05);
  });

  it('names every bad field', async () => {
    const both = await server.api('POST', '/admin/stats/power', { body: { metricType: 'binomial', baselineMean: 0.1, minimumDetectableEffect: 0.1, unitsPerVariant: 100 } });
    expect(both.status).toBe(400);
    expect(both.body.errors).toEqual([{ pointer: '#/minimumDetectableEffect', detail: 'give exactly one of minimumDetectableEffect and unitsPerVariant' }]);
    const rate = await server.api('POST', '/admin/stats/power', { body: { metricType: 'binomial', baselineMean: 1.5, minimumDetectableEffect: 0.1 } });
    expect(rate.status).toBe(400);
    expect(rate.body.errors.map((e: { pointer: string }) => e.pointer)).toContain('#/baselineMean');
    const noVariance = await server.api('POST', '/admin/stats/power', { body: { metricType: 'mean', baselineMean: 10, minimumDetectableEffect: 0.1 } });
    expect(noVariance.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['#/variance']);
  });
});
