import { describe, expect, it } from 'vitest';
import { minimumDetectableEffect, power, sampleSizePerVariant } from '../../src/analytics/stats/power.ts';
import { ValidationError } from '../../src/shared/errors.ts';

describe('power, sample size and minimum detectable effect', () => {
  it('power is α with no effect and grows with the effect', () => {
    expect(power(0, 1, 0.05)).toBeCloseTo(0.05, 14);
    // δ/SE = z_{0.975} + z_{0.8}: power 0.8 plus the far tail Φ(−4.7615) (mpmath: 0.80000096056222655)
    expect(power(2.8015852181129683, 1)).toBeCloseTo(0.8000009605622266, 13);
    expect(power(-3, 1)).toBe(power(3, 1));
  });

  it('matches the textbook sample size for an absolute lift of a conversion rate', () => {
    // n = (z_{0.975} + z_{0.8})²·(p₁q₁ + p₂q₂)/δ² = 14748.05 for 10% → 11% (scipy.stats.norm), rounded up
    const n = sampleSizePerVariant({ metricType: 'binomial', baselineMean: 0.1, effect: 0.01, relative: false });
    expect(n).toBe(14_749);
  });

  it('sizes relative effects with the delta-method variance the test uses', () => {
    const n = sampleSizePerVariant({ metricType: 'binomial', baselineMean: 0.1, effect: 0.1 });
    // (0.11·0.89 + 1.1²·0.09)/0.1² · (2.80158/0.1)² = 16231.3
    expect(n).toBe(16_232);
  });

  it('is inverted by the minimum detectable effect', () => {
    for (const design of [
      { metricType: 'binomial', baselineMean: 0.05 },
      { metricType: 'mean', baselineMean: 12, variance: 90 },
      { metricType: 'mean', baselineMean: -3, variance: 4, relative: false, alpha: 0.01, power: 0.9 },
    ] as const) {
      const mde = minimumDetectableEffect({ ...design, unitsPerVariant: 20_000 })!;
      expect(mde).toBeGreaterThan(0);
      const n = sampleSizePerVariant({ ...design, effect: mde });
      expect(Math.abs(n - 20_000)).toBeLessThanOrEqual(1);
    }
  });

  it('reports no detectable effect when even a conversion rate of 1 would not be', () => {
    expect(minimumDetectableEffect({ metricType: 'binomial', baselineMean: 0.5, unitsPerVariant: 3 })).toBeNull();
  });

  it('rejects impossible designs with field pointers', () => {
    const pointers = (run: () => unknown): string[] => {
      try {
        run();
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).issues.map((i) => i.pointer);
      }
      return [];
    };
    expect(pointers(() => sampleSizePerVariant({ metricType: 'binomial', baselineMean: 0.5, effect: 1.5 }))).toEqual(['#/effect']);
    expect(pointers(() => sampleSizePerVariant({ metricType: 'mean', baselineMean: 0, effect: 0.1, power: 1 }))).toEqual(['#/power', '#/baselineMean', '#/variance']);
    expect(pointers(() => minimumDetectableEffect({ metricType: 'binomial', baselineMean: 0.2, unitsPerVariant: 1 }))).toEqual(['#/unitsPerVariant']);
  });
});
