import { describe, expect, it } from 'vitest';
import { sampleRatioMismatch } from '../../src/analytics/stats/srm.ts';
import { ValidationError } from '../../src/shared/errors.ts';

describe('sampleRatioMismatch', () => {
  it('reads weights at any scale and reports shares', () => {
    const a = sampleRatioMismatch({ off: 10_012, on: 9_954 }, { off: 50_000, on: 50_000 });
    const b = sampleRatioMismatch({ off: 10_012, on: 9_954 }, { off: 0.5, on: 0.5 });
    expect(a).toEqual(b);
    expect(a).toMatchObject({ status: 'ok', expected: { off: 0.5, on: 0.5 }, observed: { off: 10_012, on: 9_954 }, degreesOfFreedom: 1, mismatch: false });
    // χ² = 2·29²/9983 = 0.16848642692577; p = erfc(√(χ²/2)) = 0.68146048591493 (mpmath)
    expect(a.chiSquare).toBeCloseTo(0.16848642692577, 13);
    expect(a.pValue).toBeCloseTo(0.68146048591493, 13);
  });

  it('tests k variants on k − 1 degrees of freedom and flags p < 0.001', () => {
    // 3 arms 25/25/50: χ² = 30²/500 + 10²/500 + 20²/1000 = 2.4 on 2 df: p = e^(−1.2) = 0.30119
    const fine = sampleRatioMismatch({ a: 530, b: 490, c: 980 }, { a: 25, b: 25, c: 50 });
    expect(fine.degreesOfFreedom).toBe(2);
    expect(fine.chiSquare).toBeCloseTo(2.4, 12);
    expect(fine.pValue).toBeCloseTo(Math.exp(-1.2), 14);
    const skewed = sampleRatioMismatch({ a: 600, b: 470, c: 930 }, { a: 25, b: 25, c: 50 });
    expect(skewed.pValue!).toBeLessThan(0.001);
    expect(skewed.mismatch).toBe(true);
  });

  it('counts units in a variant weighted 0 as a certain mismatch, and a missing count as 0', () => {
    expect(sampleRatioMismatch({ a: 10, b: 10, c: 1 }, { a: 1, b: 1, c: 0 })).toMatchObject({ pValue: 0, mismatch: true });
    expect(sampleRatioMismatch({ a: 100 }, { a: 1, b: 1 })).toMatchObject({ observed: { a: 100, b: 0 }, chiSquare: 100, mismatch: true });
  });

  it('has insufficient data without units or with one variant', () => {
    expect(sampleRatioMismatch({ a: 0, b: 0 }, { a: 1, b: 1 })).toMatchObject({ status: 'insufficient-data', pValue: null, mismatch: false, reason: 'no units have been observed' });
    expect(sampleRatioMismatch({ a: 5 }, { a: 1 })).toMatchObject({ status: 'insufficient-data', pValue: null, mismatch: false });
  });

  it('rejects negative or fractional counts, unknown variants and bad weights', () => {
    const issues = (run: () => unknown): string[] => {
      try {
        run();
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).issues.map((i) => i.pointer);
      }
      return [];
    };
    expect(issues(() => sampleRatioMismatch({ a: -1, b: 2.5, z: 3 }, { a: 1, b: 1 }))).toEqual(['#/observed/a', '#/observed/b', '#/observed/z']);
    expect(issues(() => sampleRatioMismatch({ a: 1 }, { a: NaN, b: -1 }))).toEqual(['#/expected/a', '#/expected/b']);
    expect(issues(() => sampleRatioMismatch({ a: 1 }, { a: 0 }))).toEqual(['#/expected']);
  });
});
