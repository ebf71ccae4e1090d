import { describe, expect, it } from 'vitest';
import { SRM_THRESHOLD, sampleRatioMismatch } from '../../src/analytics/stats/srm.ts';
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

  it('leaves a variant weighted 0 without units out of the test', () => {
    // χ² = 2·10²/500 = 0.4 on 1 df: p = erfc(√0.2) = 0.52708925686553808513 (mpmath)
    const r = sampleRatioMismatch({ a: 510, b: 490, c: 0 }, { a: 1, b: 1, c: 0 });
    expect(r).toMatchObject({ status: 'ok', degreesOfFreedom: 1, expected: { a: 0.5, b: 0.5, c: 0 }, observed: { a: 510, b: 490, c: 0 }, mismatch: false });
    expect(r.chiSquare).toBeCloseTo(0.4, 14);
    expect(r.pValue).toBeCloseTo(0.527089256865538, 14);
  });

  it('says why the data are insufficient', () => {
    expect(sampleRatioMismatch({ a: 5, b: 0 }, { a: 1, b: 0 })).toEqual({
      status: 'insufficient-data',
      reason: 'a sample ratio needs at least two variants with positive weight',
      pValue: null,
      chiSquare: null,
      degreesOfFreedom: 0,
      observed: { a: 5, b: 0 },
      expected: { a: 1, b: 0 },
      mismatch: false,
    });
  });

  it('counts a share so small that χ² overflows as a certain mismatch', () => {
    expect(sampleRatioMismatch({ a: 1, b: 1e10 }, { a: 1, b: 1e-300 })).toMatchObject({ status: 'ok', pValue: 0, chiSquare: null, mismatch: true, degreesOfFreedom: 1 });
  });

  it('flags a mismatch only below the threshold: a p-value on it is no mismatch', () => {
    // This weight puts p on 0.001 to the last bit.
    const onThreshold = sampleRatioMismatch({ a: 104, b: 200 }, { a: 0.7720557091492019, b: 1 });
    expect(onThreshold.pValue).toBeCloseTo(SRM_THRESHOLD, 15);
    expect(onThreshold.mismatch).toBe(onThreshold.pValue! < SRM_THRESHOLD);
  });

  it('says what is wrong with each field', () => {
    const refusal = (run: () => unknown): ValidationError => {
      try {
        run();
      } catch (error) {
        return error as ValidationError;
      }
      throw new Error('expected a ValidationError');
    };
    const mixed = refusal(() => sampleRatioMismatch({ a: -1, z: 3 }, { a: 1, b: -2 }));
    expect(mixed).toBeInstanceOf(ValidationError);
    expect(mixed.message).toBe('The sample-ratio input is invalid');
    expect(mixed.issues).toEqual([
      { pointer: '#/expected/b', detail: 'must be a weight ≥ 0' },
      { pointer: '#/observed/a', detail: 'must be a whole number of units, 0 or more' },
      { pointer: '#/observed/z', detail: 'is not a variant of the configured weights' },
    ]);
    expect(refusal(() => sampleRatioMismatch({}, { a: 0, b: 0 })).issues).toEqual([{ pointer: '#/expected', detail: 'needs at least one positive weight' }]);
  });
});
