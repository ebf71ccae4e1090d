import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareVariants, type Comparison } from '../../src/analytics/stats/compare.ts';
import { adjustPValues } from '../../src/analytics/stats/corrections.ts';
import { sampleSizePerVariant } from '../../src/analytics/stats/power.ts';
import { sampleRatioMismatch } from '../../src/analytics/stats/srm.ts';

/**
 * docs/statistics.md's worked examples, recomputed by the engine and printed as the document prints them: each
 * sentence must appear in the document word for word, so the numbers there cannot drift from the code. (Their
 * precision against independent references is golden-cases.unit.test.ts's job.)
 */
const doc = readFileSync(path.resolve(import.meta.dirname, '../../docs/statistics.md'), 'utf8').replace(/\s+/g, ' ');

/** x rounded to `decimals` places, with the typographic minus the document uses. */
const fixed = (x: number | null | undefined, decimals: number): string => {
  expect(x).toBeTypeOf('number');
  return x!.toFixed(decimals).replace('-', '−');
};
const interval = (c: Comparison, decimals: number): string => `(${fixed(c.ci?.[0], decimals)}, ${fixed(c.ci?.[1], decimals)})`;

const case1 = { control: { n: 3407, sum: 1396.87, sumSquares: 52377.9767 }, treatment: { n: 3461, sum: 2422.7, sumSquares: 134698.29 } };

describe('the worked examples of docs/statistics.md are what the engine computes', () => {
  it('1. mean metric, relative and absolute', () => {
    const r = compareVariants({ metricType: 'mean', ...case1 });
    const a = compareVariants({ metricType: 'mean', ...case1, relative: false });
    expect(doc).toContain(`Relative: Δ ${fixed(r.relativeLift, 5)}, CI ${interval(r, 5)}, p ${fixed(r.pValue, 5)}, not significant.`);
    expect(r.significant).toBe(false);
    expect(doc).toContain(`Absolute: Δ ${fixed(a.absoluteLift, 2)}, CI ${interval(a, 5)}, p ${fixed(a.pValue, 5)}, significant.`);
    expect(a.significant).toBe(true);
  });

  it('2. binomial, relative', () => {
    const c = compareVariants({ metricType: 'binomial', control: { n: 28, sum: 14 }, treatment: { n: 30, sum: 16 } });
    expect(doc).toContain(`14/28 vs 16/30, relative: Δ ${fixed(c.relativeLift, 5)}, CI ${interval(c, 5)}, p ${fixed(c.pValue, 5)}.`);
  });

  it('3. CUPED', () => {
    const c = compareVariants({
      metricType: 'mean',
      control: { n: 3001, sum: 300, sumSquares: 600, covariateSum: 210, covariateSumSquares: 415, covariateSumProducts: -20 },
      treatment: { n: 3000, sum: 222, sumSquares: 555, covariateSum: 120, covariateSumSquares: 405, covariateSumProducts: -10 },
    });
    expect(doc).toContain(`θ ${fixed(c.cupedTheta, 7)}, relative Δ ${fixed(c.relativeLift, 6)}, p ${fixed(c.pValue, 7)}, CI ${interval(c, 5)}: a ${c.verdict}.`);
  });

  it('4. Bayesian binomial, flat prior', () => {
    const c = compareVariants({ metricType: 'binomial', method: 'bayesian', control: { n: 100, sum: 49 }, treatment: { n: 100, sum: 51 } });
    expect(doc).toContain(
      `flat prior: chanceToWin ${fixed(c.chanceToWin, 5)}, credible interval ${interval(c, 5)}, riskControl ${fixed(c.riskControl, 4)}, risk ${fixed(c.risk, 5)}; no p-value.`,
    );
    expect(c.pValue).toBeNull();
  });

  it('5. Bayesian mean, flat and with a prior', () => {
    const arms = { control: { n: 10, sum: 100, sumSquares: 1002.25 }, treatment: { n: 10, sum: 105, sumSquares: 1111.5 } };
    const flat = compareVariants({ metricType: 'mean', method: 'bayesian', ...arms });
    const informed = compareVariants({ metricType: 'mean', method: 'bayesian', prior: { mean: 0.1, variance: 0.1 }, ...arms });
    expect(doc).toContain(`chanceToWin ${fixed(flat.chanceToWin, 5)} with the flat prior; ${fixed(informed.chanceToWin, 5)} with the prior N(0.1, 0.1)`);
  });

  it('6. sequential', () => {
    const c = compareVariants({ metricType: 'mean', method: 'sequential', sequentialTuning: 1000, ...case1, control: { ...case1.control, n: 3000 } });
    expect(doc).toContain(`N* 1000: Δ ${fixed(c.relativeLift, 5)}, interval ${interval(c, 5)}.`);
  });

  it('7. sample-ratio mismatch', () => {
    const srm = sampleRatioMismatch({ control: 1000, treatment: 1200 }, { control: 50, treatment: 50 });
    expect(doc).toContain(`1000 and 1200 units against 50/50: χ² ${fixed(srm.chiSquare, 4)}, p ${srm.pValue!.toExponential(4)}, a mismatch`);
    expect(srm.mismatch).toBe(true);
  });

  it('8. always-valid p-values', () => {
    const absolute = compareVariants({ metricType: 'mean', method: 'sequential', relative: false, ...case1 });
    const relative = compareVariants({ metricType: 'mean', method: 'sequential', sequentialTuning: 1000, ...case1 });
    expect(doc).toContain(`absolute effect with N* 5000, p ${fixed(absolute.pValue, 5)}; relative effect with N* 1000, p ${fixed(relative.pValue, 5)}`);
  });

  it('multiple comparisons and planning', () => {
    const list = (ps: number[]): string => ps.map((p) => +p.toFixed(12)).join(', ');
    const p = [0.01, 0.04, 0.03, 0.005];
    expect(doc).toContain(`${list(p)} become ${list(adjustPValues(p, 'holm'))} with Holm and ${list(adjustPValues(p, 'benjamini-hochberg'))} with Benjamini–Hochberg.`);
    const absolute = sampleSizePerVariant({ metricType: 'binomial', baselineMean: 0.1, effect: 0.01, relative: false });
    const relative = sampleSizePerVariant({ metricType: 'binomial', baselineMean: 0.1, effect: 0.1 });
    expect(doc).toContain(`needs ${absolute.toLocaleString('en-US')} units per variant to detect an absolute lift to 11%`);
    expect(doc).toContain(`and ${relative.toLocaleString('en-US')} units per variant to detect a relative lift of 10%`);
  });
});
