import { describe, expect, it } from 'vitest';
import { compareVariants, type Comparison } from '../../src/analytics/stats/compare.ts';
import { sampleRatioMismatch } from '../../src/analytics/stats/srm.ts';

/**
 * The worked examples of docs/statistics.md, each checked twice: to every digit the document prints (half a unit in its last
 * place; at least 4 significant digits), and to 1e-9 relative against the same formulas evaluated with mpmath at
 * 40 digits (reference/golden-references.py prints those values).
 */
function printed(actual: number | null | undefined, expected: string): void {
  const [mantissa = '', exponent = '0'] = expected.toLowerCase().split('e');
  const decimals = mantissa.split('.')[1]?.length ?? 0;
  const halfUnit = 0.5 * 10 ** (Number(exponent) - decimals);
  expect(actual, `${actual} vs docs/statistics.md ${expected}`).toBeTypeOf('number');
  expect(Math.abs(actual! - Number(expected)), `${actual} vs docs/statistics.md ${expected}`).toBeLessThanOrEqual(halfUnit * (1 + 1e-9));
}

function precise(actual: number | null | undefined, reference: number): void {
  expect(actual).toBeTypeOf('number');
  expect(Math.abs((actual! - reference) / reference), `${actual} vs mpmath ${reference}`).toBeLessThan(1e-9);
}

function interval(c: Comparison, which: 'ci' | 'absoluteCi'): [number, number] {
  const value = c[which];
  expect(value?.[0]).toBeTypeOf('number');
  expect(value?.[1]).toBeTypeOf('number');
  return [value![0]!, value![1]!];
}

const case1 = { control: { n: 3407, sum: 1396.87, sumSquares: 52377.9767 }, treatment: { n: 3461, sum: 2422.7, sumSquares: 134698.29 } };

describe('the worked examples of docs/statistics.md', () => {
  it('1. mean metric, relative and absolute Welch tests', () => {
    const relative = compareVariants({ metricType: 'mean', ...case1 });
    const [lo, hi] = interval(relative, 'ci');
    printed(relative.relativeLift, '0.70732');
    printed(lo, '-0.03526');
    printed(hi, '1.44989');
    printed(relative.pValue, '0.06191');
    precise(relative.relativeLift, 0.7073170731707317);
    precise(lo, -0.03526008906611792);
    precise(hi, 1.4498942354075814);
    precise(relative.pValue, 0.06191182745618355);
    expect(relative.significant).toBe(false);

    const absolute = compareVariants({ metricType: 'mean', ...case1, relative: false });
    const [alo, ahi] = interval(absolute, 'ci');
    printed(absolute.absoluteLift, '0.29');
    printed(alo, '0.04538');
    printed(ahi, '0.53462');
    printed(absolute.pValue, '0.02016');
    precise(alo, 0.045377892559290055);
    precise(ahi, 0.5346221074407099);
    precise(absolute.pValue, 0.02015840264358696);
    expect(absolute.significant).toBe(true);
    // The relative comparison reports the same absolute interval alongside.
    expect(relative.absoluteCi).toEqual(absolute.ci);
  });

  it('2. binomial 14/28 vs 16/30, relative', () => {
    const c = compareVariants({ metricType: 'binomial', control: { n: 28, sum: 14 }, treatment: { n: 30, sum: 16 } });
    const [lo, hi] = interval(c, 'ci');
    printed(c.relativeLift, '0.06667');
    printed(lo, '-0.47767');
    printed(hi, '0.61101');
    printed(c.pValue, '0.80707');
    precise(lo, -0.4776740282706786);
    precise(hi, 0.6110073616040119);
    precise(c.pValue, 0.8070716832021887);
  });

  it('3. CUPED with θ pooled over both arms', () => {
    const c = compareVariants({
      metricType: 'mean',
      control: { n: 3001, sum: 300, sumSquares: 600, covariateSum: 210, covariateSumSquares: 415, covariateSumProducts: -20 },
      treatment: { n: 3000, sum: 222, sumSquares: 555, covariateSum: 120, covariateSumSquares: 405, covariateSumProducts: -10 },
    });
    expect(c.cuped).toBe(true);
    printed(c.cupedTheta, '-0.0732119');
    printed(c.relativeLift, '-0.281707');
    printed(c.pValue, '0.0037325');
    precise(c.cupedTheta, -0.07321194034813547);
    precise(c.relativeLift, -0.28170715384572753);
    precise(c.pValue, 0.003732548615239053);
    const [lo, hi] = interval(c, 'ci');
    precise(lo, -0.47206764569207416);
    precise(hi, -0.09134666199938098);
    expect(c.verdict).toBe('regression');
  });

  it('4. Bayesian binomial 49/100 vs 51/100, flat prior', () => {
    const c = compareVariants({ metricType: 'binomial', method: 'bayesian', control: { n: 100, sum: 49 }, treatment: { n: 100, sum: 51 } });
    const [lo, hi] = interval(c, 'ci');
    printed(c.chanceToWin, '0.60918');
    printed(lo, '-0.24779');
    printed(hi, '0.32943');
    printed(c.riskControl, '0.0814');
    printed(c.risk, '0.04058');
    precise(c.chanceToWin, 0.609181309580898);
    precise(lo, -0.24779335974122607);
    precise(hi, 0.32942601280245054);
    precise(c.risk, 0.04057952262455083);
    precise(c.riskControl, 0.08139584915516307);
    expect(c.pValue).toBeNull();
  });

  it('5. Bayesian mean metric, flat and with the prior N(0.1, 0.1)', () => {
    const arms = { control: { n: 10, sum: 100, sumSquares: 1002.25 }, treatment: { n: 10, sum: 105, sumSquares: 1111.5 } };
    const flat = compareVariants({ metricType: 'mean', method: 'bayesian', ...arms });
    printed(flat.chanceToWin, '0.91923');
    precise(flat.chanceToWin, 0.9192339081566245);
    precise(flat.risk, 0.0013098171639265325);
    const informed = compareVariants({ metricType: 'mean', method: 'bayesian', prior: { mean: 0.1, variance: 0.1 }, ...arms });
    printed(informed.chanceToWin, '0.92315');
    precise(informed.chanceToWin, 0.9231499085772956);
    const [lo, hi] = interval(informed, 'ci');
    precise(lo, -0.018929830742817587);
    precise(hi, 0.12018938850906193);
    precise(informed.riskControl, 0.05185680642943358);
  });

  it('6. sequential confidence sequence with N* = 1000', () => {
    const c = compareVariants({ metricType: 'mean', method: 'sequential', sequentialTuning: 1000, ...case1, control: { ...case1.control, n: 3000 } });
    const [lo, hi] = interval(c, 'ci');
    printed(c.relativeLift, '0.50336');
    printed(lo, '-0.55844');
    printed(hi, '1.56516');
    precise(lo, -0.5584405051077314);
    precise(hi, 1.565162676820203);
  });

  it('7. sample-ratio mismatch, 1000 and 1200 against 50/50', () => {
    const srm = sampleRatioMismatch({ control: 1000, treatment: 1200 }, { control: 50, treatment: 50 });
    printed(srm.pValue, '2.0079e-5');
    precise(srm.pValue, 2.0078656124264847e-5);
    precise(srm.chiSquare, 18.181818181818183);
    expect(srm.mismatch).toBe(true);
  });

  it('8. the always-valid p-value of case 1: absolute with N* = 5000, relative with N* = 1000', () => {
    const absolute = compareVariants({ metricType: 'mean', method: 'sequential', relative: false, ...case1 });
    precise(absolute.pValue, 0.25946455614833364);
    const relative = compareVariants({ metricType: 'mean', method: 'sequential', sequentialTuning: 1000, ...case1 });
    precise(relative.pValue, 0.670057325172148);
  });
});
