import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 180_000); // PGlite's first start can take a while on a busy 2-core machine
afterAll(async () => server.close());

const golden1 = {
  metricType: 'mean',
  control: { n: 3407, sum: 1396.87, sumSquares: 52377.9767 },
  treatment: { n: 3461, sum: 2422.7, sumSquares: 134698.29 },
};

describe('POST /admin/stats/compare', () => {
  it('returns one comparison in the documented shape, with the defaults applied', async () => {
    const res = await server.api('POST', '/admin/stats/compare', { body: golden1 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      variant: 'treatment',
      baseline: 'control',
      status: 'ok',
      method: 'frequentist',
      effect: 'relative',
      alternative: 'two-sided',
      direction: 'higher-is-better',
      alpha: 0.05,
      chanceToWin: null,
      risk: null,
      riskControl: null,
      significant: false,
      verdict: 'inconclusive',
      cuped: false,
    });
    expect(res.body.relativeLift).toBeCloseTo(0.70732, 5);
    expect(res.body.ci[0]).toBeCloseTo(-0.03526, 5);
    expect(res.body.ci[1]).toBeCloseTo(1.44989, 5);
    expect(res.body.absoluteCi[0]).toBeCloseTo(0.04538, 5);
    expect(res.body.pValue).toBeCloseTo(0.06191, 5);
  });

  it('runs Bayesian (with a prior), sequential and one-sided analyses', async () => {
    const bayes = await server.api('POST', '/admin/stats/compare', {
      body: { metricType: 'mean', method: 'bayesian', prior: { mean: 0.1, variance: 0.1 }, control: { n: 10, sum: 100, sumSquares: 1002.25 }, treatment: { n: 10, sum: 105, sumSquares: 1111.5 } },
    });
    expect(bayes.status).toBe(200);
    expect(bayes.body.chanceToWin).toBeCloseTo(0.92315, 5);
    expect(bayes.body.pValue).toBeNull();

    const sequential = await server.api('POST', '/admin/stats/compare', {
      body: { ...golden1, control: { ...golden1.control, n: 3000 }, method: 'sequential', sequentialTuning: 1000 },
    });
    expect(sequential.body.ci[0]).toBeCloseTo(-0.55844, 5);
    expect(sequential.body.ci[1]).toBeCloseTo(1.56516, 5);

    const oneSided = await server.api('POST', '/admin/stats/compare', { body: { ...golden1, relative: false, alternative: 'one-sided', direction: 'lower-is-better' } });
    expect(oneSided.body).toMatchObject({ alternative: 'less', effect: 'absolute', significant: false, verdict: 'inconclusive' });
    expect(oneSided.body.ci[0]).toBeNull(); // (−∞, upper]: JSON has no infinity
  });

  it('takes CUPED covariate sums and ratio denominator sums', async () => {
    const cuped = await server.api('POST', '/admin/stats/compare', {
      body: {
        metricType: 'mean',
        control: { n: 3001, sum: 300, sumSquares: 600, covariateSum: 210, covariateSumSquares: 415, covariateSumProducts: -20 },
        treatment: { n: 3000, sum: 222, sumSquares: 555, covariateSum: 120, covariateSumSquares: 405, covariateSumProducts: -10 },
      },
    });
    expect(cuped.body).toMatchObject({ cuped: true, verdict: 'regression' });
    expect(cuped.body.cupedTheta).toBeCloseTo(-0.0732119, 7);
    const arm = { n: 500, sum: 9_000, sumSquares: 400_000, denominatorSum: 700, denominatorSumSquares: 1_500, denominatorSumProducts: 20_000 };
    const ratio = await server.api('POST', '/admin/stats/compare', { body: { metricType: 'ratio', control: arm, treatment: { ...arm, sum: 9_500 } } });
    expect(ratio.status).toBe(200);
    expect(ratio.body.relativeLift).toBeCloseTo(500 / 9_000, 12);
  });

  it('answers "insufficient data" with a reason, not numbers, for valid but thin input', async () => {
    const res = await server.api('POST', '/admin/stats/compare', { body: { metricType: 'binomial', control: { n: 1, sum: 0 }, treatment: { n: 0, sum: 0 } } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'insufficient-data', reason: 'each variant needs at least 2 units; control has 1', pValue: null, ci: null, significant: false });
    const zero = await server.api('POST', '/admin/stats/compare', { body: { metricType: 'binomial', control: { n: 50, sum: 0 }, treatment: { n: 50, sum: 3 } } });
    expect(zero.body).toMatchObject({ status: 'ok', effect: 'absolute', reason: null, note: expect.stringMatching(/control mean is 0/) });
  });

  it('rejects bad input with a 400 problem naming each field', async () => {
    const cases: [unknown, { pointer: string; detail?: string | RegExp }[]][] = [
      [{ ...golden1, control: { ...golden1.control, n: -5 } }, [{ pointer: '#/control/n', detail: 'must be 0 or more' }]],
      [{ ...golden1, treatment: { ...golden1.treatment, n: 2.5 } }, [{ pointer: '#/treatment/n', detail: 'must be a whole number of units' }]],
      [{ ...golden1, control: { ...golden1.control, sumSquares: 100 } }, [{ pointer: '#/control/sumSquares', detail: /smaller than sum²\/n/ }]],
      [{ metricType: 'binomial', control: { n: 10, sum: 12 }, treatment: { n: 10, sum: 1 } }, [{ pointer: '#/control/sum' }]],
      [{ ...golden1, control: { ...golden1.control, sumOfSquares: 1 } }, [{ pointer: '#/control/sumOfSquares', detail: 'is not a known field' }]],
      [{ ...golden1, metricType: 'median' }, [{ pointer: '#/metricType' }]],
      [{ ...golden1, alpha: 0 }, [{ pointer: '#/alpha', detail: 'must be a number between 1e-12 and 0.5' }]],
      [{ ...golden1, prior: { mean: 0, variance: 1 } }, [{ pointer: '#/prior', detail: 'applies to the bayesian method only' }]],
      [{ ...golden1, method: 'bayesian', alternative: 'greater' }, [{ pointer: '#/alternative' }]],
      [{ metricType: 'mean' }, [{ pointer: '#/control' }, { pointer: '#/treatment' }]],
    ];
    for (const [body, expected] of cases) {
      const res = await server.api('POST', '/admin/stats/compare', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(res.body.errors).toHaveLength(expected.length);
      expected.forEach((e, i) => {
        expect(res.body.errors[i].pointer).toBe(e.pointer);
        if (e.detail !== undefined) expect(res.body.errors[i].detail).toMatch(e.detail);
      });
    }
    // JSON.parse reads 1e999 as Infinity: still a number, still refused
    const infinite = await server.api('POST', '/admin/stats/compare', { raw: JSON.stringify(golden1).replace('1396.87', '1e999') });
    expect(infinite.status).toBe(400);
    expect(infinite.body.errors[0].pointer).toBe('#/control/sum');
  });

  it('is open to every admin role, closed without a token, and appends nothing', async () => {
    const viewer = (await server.api('POST', '/admin/tokens', { body: { name: 'analyst', role: 'viewer' } })).body.token as string;
    const head = await server.store.headPosition();
    expect((await server.api('POST', '/admin/stats/compare', { body: golden1, token: viewer })).status).toBe(200);
    expect((await server.api('POST', '/admin/stats/compare', { body: { ...golden1, alpha: 2 }, token: viewer })).status).toBe(400);
    expect((await server.api('POST', '/admin/stats/compare', { body: golden1, token: null })).status).toBe(401);
    expect(await server.store.headPosition()).toBe(head);
  });
});
