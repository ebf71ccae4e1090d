import { describe, expect, it } from 'vitest';
import { bayesianSummary } from '../../src/analytics/stats/bayesian.ts';
import { welchTest } from '../../src/analytics/stats/frequentist.ts';

describe('bayesianSummary', () => {
  it('takes z_{1−α/2} from α when no critical value is passed', () => {
    // z_{0.975} = 1.9599639845400542355 (mpmath)
    const { interval } = bayesianSummary({ mean: 1, sd: 2 }, 0.05, 'higher-is-better');
    expect(interval[0]).toBeCloseTo(1 - 2 * 1.959963984540054, 14);
    expect(interval[1]).toBeCloseTo(1 + 2 * 1.959963984540054, 14);
  });
});

describe('welchTest', () => {
  it('refuses an alternative it does not know', () => {
    expect(() => welchTest({ estimate: 1, variance: 1, df: 10 }, 0.05, 'sideways' as never)).toThrow('unknown alternative sideways');
  });
});
