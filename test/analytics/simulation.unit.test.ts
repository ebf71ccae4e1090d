import { describe, expect, it } from 'vitest';
import { compareVariants, type CompareInput, type Comparison } from '../../src/analytics/stats/compare.ts';
import type { SufficientStatistics } from '../../src/shared/metric-kinds/sums.ts';
import { SeededRandom, normalSample, pooled } from './support/seeded-random.ts';

/**
 * Calibration by simulation, seeded so every run sees the same draws. Mean metrics are simulated from normal
 * data through their exact sufficient statistics (support/seeded-random.ts: Σy is normal, the spread an
 * independent σ²·χ²); binomial counts, CUPED and ratio metrics from per-unit draws. With 2,000 tests the
 * standard error of a 5% rate is 0.49 points, so [3.5%, 6.5%] is about ±3 standard errors.
 */
const TESTS = 2_000;

function rate(count: number): number {
  return count / TESTS;
}

function covers(c: Comparison, interval: 'ci' | 'absoluteCi', truth: number): boolean {
  const [lo, hi] = c[interval]!;
  return (lo ?? -Infinity) <= truth && truth <= (hi ?? Infinity);
}

function armsFromRows(random: SeededRandom, n: number, draw: (random: SeededRandom) => { y: number; x?: number; d?: number }): SufficientStatistics {
  let sum = 0;
  let sumSquares = 0;
  let sx = 0;
  let qx = 0;
  let pxy = 0;
  let sd = 0;
  let qd = 0;
  let pyd = 0;
  let covariate = false;
  let ratio = false;
  for (let i = 0; i < n; i++) {
    const { y, x, d } = draw(random);
    sum += y;
    sumSquares += y * y;
    if (x !== undefined) {
      covariate = true;
      sx += x;
      qx += x * x;
      pxy += x * y;
    }
    if (d !== undefined) {
      ratio = true;
      sd += d;
      qd += d * d;
      pyd += y * d;
    }
  }
  return {
    n,
    sum,
    sumSquares,
    ...(covariate ? { covariateSum: sx, covariateSumSquares: qx, covariateSumProducts: pxy } : {}),
    ...(ratio ? { denominatorSum: sd, denominatorSumSquares: qd, denominatorSumProducts: pyd } : {}),
  };
}

describe('A/A tests at α = 0.05: the false-positive rate is 5%', () => {
  const falsePositives = (seed: number, simulate: (random: SeededRandom) => CompareInput): number => {
    const random = new SeededRandom(seed);
    let count = 0;
    for (let i = 0; i < TESTS; i++) if (compareVariants(simulate(random)).significant) count++;
    return rate(count);
  };

  it('mean metric, relative effect (Welch, delta method)', () => {
    const fpr = falsePositives(1, (r) => ({ metricType: 'mean', control: normalSample(r, 1_000, 10, 5), treatment: normalSample(r, 1_000, 10, 5) }));
    expect(fpr).toBeGreaterThanOrEqual(0.035);
    expect(fpr).toBeLessThanOrEqual(0.065);
  });

  it('mean metric with unequal variances and sizes, absolute effect (where Welch matters)', () => {
    const fpr = falsePositives(2, (r) => ({ metricType: 'mean', relative: false, control: normalSample(r, 30, 3, 1), treatment: normalSample(r, 120, 3, 4) }));
    expect(fpr).toBeGreaterThanOrEqual(0.035);
    expect(fpr).toBeLessThanOrEqual(0.065);
  });

  it('binomial metric from Bernoulli draws, relative effect', () => {
    const fpr = falsePositives(3, (r) => ({ metricType: 'binomial', control: { n: 2_000, sum: r.binomial(2_000, 0.1) }, treatment: { n: 2_000, sum: r.binomial(2_000, 0.1) } }));
    expect(fpr).toBeGreaterThanOrEqual(0.035);
    expect(fpr).toBeLessThanOrEqual(0.065);
  });

  it('CUPED with a correlated pre-exposure covariate, from per-unit rows', () => {
    const unit = (r: SeededRandom): { x: number; y: number } => {
      const x = 10 + 3 * r.normal();
      return { x, y: x + 2 * r.normal() };
    };
    const fpr = falsePositives(4, (r) => ({ metricType: 'mean', control: armsFromRows(r, 300, unit), treatment: armsFromRows(r, 300, unit) }));
    expect(fpr).toBeGreaterThanOrEqual(0.035);
    expect(fpr).toBeLessThanOrEqual(0.065);
  });

  it('ratio metric (revenue per order) from per-unit rows', () => {
    const unit = (r: SeededRandom): { y: number; d: number } => {
      const d = Math.floor(r.uniform() * 4); // 0 to 3 orders
      return { d, y: d === 0 ? 0 : 20 * d + 4 * Math.sqrt(d) * r.normal() };
    };
    const fpr = falsePositives(5, (r) => ({ metricType: 'ratio', control: armsFromRows(r, 400, unit), treatment: armsFromRows(r, 400, unit) }));
    expect(fpr).toBeGreaterThanOrEqual(0.035);
    expect(fpr).toBeLessThanOrEqual(0.065);
  });
});

describe('peeking: 20 looks per A/A test', () => {
  it('keeps the sequential method at or below 5%, while the fixed-horizon test exceeds it', () => {
    const random = new SeededRandom(6);
    const peeks = 20;
    const perPeek = 250; // units per arm between looks: 5,000 per arm at the last
    let sequential = 0;
    let naive = 0;
    let sequentialCovered = 0;
    for (let i = 0; i < TESTS; i++) {
      let control = normalSample(random, perPeek, 10, 5);
      let treatment = normalSample(random, perPeek, 10, 5);
      let sequentialFired = false;
      let naiveFired = false;
      let alwaysCovered = true;
      for (let peek = 1; peek <= peeks; peek++) {
        if (peek > 1) {
          control = pooled(control, normalSample(random, perPeek, 10, 5));
          treatment = pooled(treatment, normalSample(random, perPeek, 10, 5));
        }
        const s = compareVariants({ metricType: 'mean', method: 'sequential', control, treatment });
        sequentialFired ||= s.significant;
        alwaysCovered &&= covers(s, 'ci', 0);
        naiveFired ||= compareVariants({ metricType: 'mean', control, treatment }).significant;
      }
      if (sequentialFired) sequential++;
      if (naiveFired) naive++;
      if (alwaysCovered) sequentialCovered++;
    }
    expect(rate(sequential)).toBeLessThanOrEqual(0.05);
    expect(sequential).toBe(TESTS - sequentialCovered); // significant ⇔ the sequence excludes 0
    expect(rate(naive)).toBeGreaterThan(0.1); // about four times the nominal 5%
  });
});

describe('95% intervals cover the true lift in 95% of A/B tests', () => {
  const coverage = (seed: number, simulate: (random: SeededRandom) => CompareInput, interval: 'ci' | 'absoluteCi', truth: number): number => {
    const random = new SeededRandom(seed);
    let count = 0;
    for (let i = 0; i < TESTS; i++) if (covers(compareVariants(simulate(random)), interval, truth)) count++;
    return rate(count);
  };
  const within = (value: number): void => {
    expect(value).toBeGreaterThanOrEqual(0.935);
    expect(value).toBeLessThanOrEqual(0.965);
  };
  const meanAB = (r: SeededRandom): CompareInput => ({ metricType: 'mean', control: normalSample(r, 1_000, 10, 5), treatment: normalSample(r, 1_000, 10.5, 5) });

  it('relative lift of a mean metric (+5%), and its absolute lift (+0.5)', () => {
    within(coverage(7, meanAB, 'ci', 0.05));
    within(coverage(8, meanAB, 'absoluteCi', 0.5));
  });

  it('relative lift of a conversion rate (10% → 11%)', () => {
    within(coverage(9, (r) => ({ metricType: 'binomial', control: { n: 3_000, sum: r.binomial(3_000, 0.1) }, treatment: { n: 3_000, sum: r.binomial(3_000, 0.11) } }), 'ci', 0.1));
  });

  it('Bayesian credible intervals with the flat prior', () => {
    within(coverage(10, (r) => ({ ...meanAB(r), method: 'bayesian' }), 'ci', 0.05));
  });

  it('CUPED-adjusted relative lift (+5%)', () => {
    const unit = (lift: number) => (r: SeededRandom): { x: number; y: number } => {
      const x = 10 + 3 * r.normal();
      return { x, y: x * lift + 2 * r.normal() };
    };
    within(coverage(11, (r) => ({ metricType: 'mean', control: armsFromRows(r, 400, unit(1)), treatment: armsFromRows(r, 400, unit(1.05)) }), 'ci', 0.05));
  });
});
