import { describe, expect, it } from 'vitest';
import { minimumDetectableEffect, power, sampleSizePerVariant } from '../../src/analytics/stats/power.ts';
import { ValidationError } from '../../src/shared/errors.ts';
import { MINIMUM_DETECTABLE_EFFECT, POWER, SAMPLE_SIZE } from './reference/power-references.ts';

/** Relative error. */
const error = (actual: number, expected: number): number => Math.abs((actual - expected) / expected);

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

  it('matches mpmath: power, sample sizes and minimum detectable effects (reference/power-references.py)', () => {
    for (const [effect, standardError, alpha, expected] of POWER) expect(error(power(effect, standardError, alpha), expected)).toBeLessThan(1e-12);
    for (const [design, effect, n] of SAMPLE_SIZE) expect(sampleSizePerVariant({ ...design, effect })).toBe(n);
    for (const [design, unitsPerVariant, expected] of MINIMUM_DETECTABLE_EFFECT) {
      expect(error(minimumDetectableEffect({ ...design, unitsPerVariant })!, expected)).toBeLessThan(1e-12);
    }
  });

  it('reports no detectable effect for a relative mean effect whose own variance outgrows it', () => {
    // k(δ) ≈ σ²·δ²/m² for large δ, so δ/SE tends to √n·|m|/σ = 0.32, below the 2.8 needed
    expect(minimumDetectableEffect({ metricType: 'mean', baselineMean: 1, variance: 100, unitsPerVariant: 10 })).toBeNull();
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

  it('says what is wrong with each field, at the ends of the allowed ranges', () => {
    const issues = (run: () => unknown): { pointer: string; detail: string }[] => {
      try {
        run();
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).message).toBe('The design input is invalid');
        return (error as ValidationError).issues.map(({ pointer, detail }) => ({ pointer, detail }));
      }
      return [];
    };
    const binomial = { metricType: 'binomial', baselineMean: 0.2, effect: 0.1 } as const;
    const mean = { metricType: 'mean', baselineMean: 5, variance: 2, effect: 0.1 } as const;
    const one = (pointer: string, detail: string) => [{ pointer, detail }];
    const alphaRule = 'must be a number between 1e-12 and 0.5';

    expect(issues(() => sampleSizePerVariant({ ...binomial, alpha: 1e-13 }))).toEqual(one('#/alpha', alphaRule));
    expect(issues(() => sampleSizePerVariant({ ...binomial, alpha: 0.6, power: 0.9 }))).toEqual(one('#/alpha', alphaRule));
    expect(issues(() => sampleSizePerVariant({ ...binomial, alpha: 1e-12 }))).toEqual([]);
    expect(issues(() => sampleSizePerVariant({ ...binomial, alpha: 0.5, power: 0.6 }))).toEqual([]);
    expect(issues(() => sampleSizePerVariant({ ...binomial, alpha: 0.05, power: 0.05 }))).toEqual(one('#/power', 'must be between alpha and 1'));
    expect(issues(() => sampleSizePerVariant({ ...binomial, power: 1 }))).toEqual(one('#/power', 'must be between alpha and 1'));

    const rate = 'must be a conversion rate strictly between 0 and 1';
    expect(issues(() => sampleSizePerVariant({ ...binomial, baselineMean: 0 }))).toEqual(one('#/baselineMean', rate));
    expect(issues(() => sampleSizePerVariant({ ...binomial, baselineMean: 1 }))).toEqual(one('#/baselineMean', rate));
    // Outside (0, 1) the effect is not checked against the rate it cannot apply to.
    expect(issues(() => sampleSizePerVariant({ ...binomial, baselineMean: -0.5 }))).toEqual(one('#/baselineMean', rate));
    expect(issues(() => sampleSizePerVariant({ ...binomial, baselineMean: 1.5 }))).toEqual(one('#/baselineMean', rate));

    expect(issues(() => sampleSizePerVariant({ ...mean, baselineMean: 0 }))).toEqual(one('#/baselineMean', 'must be a finite number other than 0'));
    expect(issues(() => sampleSizePerVariant({ ...mean, baselineMean: Infinity, relative: false }))).toEqual(one('#/baselineMean', 'must be a finite number'));
    const variance = 'must be a positive number for a mean metric';
    for (const bad of [0, -1, Infinity, undefined]) expect(issues(() => sampleSizePerVariant({ ...mean, variance: bad }))).toEqual(one('#/variance', variance));

    const effect = 'must be a finite number other than 0';
    for (const bad of [0, Number.NaN, Infinity]) expect(issues(() => sampleSizePerVariant({ ...mean, effect: bad }))).toEqual(one('#/effect', effect));
    expect(issues(() => sampleSizePerVariant({ ...binomial, effect: -1.5 }))).toEqual(one('#/effect', 'would take the conversion rate outside [0, 1]'));
    expect(issues(() => sampleSizePerVariant({ ...binomial, effect: 0.9, relative: false }))).toEqual(one('#/effect', 'would take the conversion rate outside [0, 1]'));
    expect(issues(() => sampleSizePerVariant({ ...mean, effect: 1e-9, relative: false }))).toEqual(one('#/effect', 'is too small to detect with any sample size'));

    expect(issues(() => minimumDetectableEffect({ ...binomial, unitsPerVariant: 1.5 }))).toEqual(one('#/unitsPerVariant', 'must be at least 2'));
    expect(issues(() => minimumDetectableEffect({ ...binomial, unitsPerVariant: Infinity }))).toEqual(one('#/unitsPerVariant', 'must be at least 2'));
    expect(issues(() => minimumDetectableEffect({ ...binomial, unitsPerVariant: 2 }))).toEqual([]);
  });
});
