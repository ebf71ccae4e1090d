import { describe, expect, it } from 'vitest';
import {
  chiSquareCdf,
  chiSquareSurvival,
  normalCdf,
  normalPdf,
  normalQuantile,
  normalSurvival,
  studentTCdf,
  studentTPdf,
  studentTQuantile,
  studentTSurvival,
  tQuantileStart,
} from '../../src/analytics/stats/distributions.ts';
import { erfc, logBeta, logGamma, regularizedBeta, regularizedGamma } from '../../src/analytics/stats/special-functions.ts';
import { REFERENCES } from './reference/distribution-references.ts';

const FUNCTIONS: Record<string, (...args: number[]) => number> = {
  normalCdf,
  normalSurvival,
  normalPdf,
  normalQuantile,
  studentTSurvival,
  studentTCdf,
  studentTQuantile,
  chiSquareCdf,
  chiSquareSurvival,
  logGamma,
  logBeta,
  regularizedBetaLower: (a, b, x, y) => regularizedBeta(a!, b!, x!, y).lower,
  regularizedBetaUpper: (a, b, x, y) => regularizedBeta(a!, b!, x!, y).upper,
  regularizedGammaLower: (a, x) => regularizedGamma(a!, x!).lower,
  regularizedGammaUpper: (a, x) => regularizedGamma(a!, x!).upper,
  // Where Newton's method starts for the t quantile: the reference is the expansion itself, so a wrong coefficient
  // shows even though the iteration would still reach the same root.
  tQuantileStart,
};

/** Relative error, or absolute error where the reference underflows to 0. */
function error(actual: number, expected: number): number {
  return Math.abs(expected) < 1e-300 ? Math.abs(actual - expected) : Math.abs((actual - expected) / expected);
}

describe('distribution functions against mpmath (50 digits; reference/distribution-references.py)', () => {
  // The contract is 1e-8 relative; the implementation measures at or below 4e-12 everywhere in the table (the
  // worst is the t tail at t = 20 on 2001 degrees of freedom, p ≈ 1e-81), so the test holds it to 1e-10.
  it.each(Object.keys(FUNCTIONS))('%s matches every reference value to 1e-10 relative', (name) => {
    const rows = REFERENCES.filter(([fn]) => fn === name);
    expect(rows.length).toBeGreaterThan(0);
    const failures = rows
      .map(([, args, expected]) => ({ args, expected, actual: FUNCTIONS[name]!(...args) }))
      .filter(({ actual, expected }) => !(error(actual, expected) <= 1e-10));
    expect(failures).toEqual([]);
  });

  it('keeps tails as tails: P(T > 40) on 5 df and Φ(−30) keep full relative precision', () => {
    // mpmath, 50 digits: betainc(5/2, 1/2, 0, 5/1605, regularized=True)/2 and ncdf(-30)
    expect(error(studentTSurvival(40, 5), 9.205981085886477e-8)).toBeLessThan(1e-12);
    expect(error(normalCdf(-30), 4.906713927148187e-198)).toBeLessThan(1e-12);
    expect(1 - normalCdf(30)).toBe(0); // what 1 − CDF would give
    expect(normalSurvival(30)).toBeGreaterThan(0);
  });

  it('is consistent: quantiles invert the CDFs, the t density is the derivative of the CDF', () => {
    for (const df of [0.7, 1, 3.3, 17.2, 240.5, 3_000.25, 2e6]) {
      for (const p of [1e-9, 0.01, 0.2, 0.5, 0.8, 0.975, 0.999]) {
        expect(error(studentTCdf(studentTQuantile(p, df), df), p)).toBeLessThan(1e-11);
      }
      const t = 1.3;
      const h = 1e-5;
      const numeric = (studentTCdf(t + h, df) - studentTCdf(t - h, df)) / (2 * h);
      expect(error(numeric, studentTPdf(t, df))).toBeLessThan(1e-7);
    }
    for (const p of [1e-200, 1e-7, 0.3, 0.5, 0.9]) expect(error(normalCdf(normalQuantile(p)), p)).toBeLessThan(1e-13);
  });

  it('meets the closed forms: t on 1 df is Cauchy, t on 2 df is algebraic, χ² on 2 df is exponential', () => {
    for (const t of [-50, -2, 0.3, 7]) expect(error(studentTCdf(t, 1), 0.5 + Math.atan(t) / Math.PI)).toBeLessThan(1e-13);
    for (const p of [0.001, 0.2, 0.9]) expect(error(studentTQuantile(p, 1), Math.tan(Math.PI * (p - 0.5)))).toBeLessThan(1e-12);
    for (const t of [-3, 0.5, 4]) expect(error(studentTCdf(t, 2), 0.5 + t / (2 * Math.sqrt(2 + t * t)))).toBeLessThan(1e-13);
    for (const x of [0.1, 3, 40]) expect(error(chiSquareSurvival(x, 2), Math.exp(-x / 2))).toBeLessThan(1e-13);
  });

  it('returns complementary pairs that add to 1 and handles the ends of the domain', () => {
    for (const [a, b, x] of [[0.5, 0.5, 0.3], [20, 0.5, 0.97], [3, 9, 0.999]] as const) {
      const { lower, upper } = regularizedBeta(a, b, x);
      expect(lower + upper).toBeCloseTo(1, 14);
    }
    expect(regularizedGamma(2, 0)).toEqual({ lower: 0, upper: 1 });
    expect(regularizedGamma(2, Infinity)).toEqual({ lower: 1, upper: 0 });
    expect(studentTSurvival(0, 3)).toBe(0.5);
    expect(studentTSurvival(Infinity, 3)).toBe(0);
    expect(studentTQuantile(0.5, 7)).toBe(0);
    expect(chiSquareCdf(-1, 3)).toBe(0);
    expect(() => studentTQuantile(1, 5)).toThrow(RangeError);
    expect(() => studentTSurvival(1, 0)).toThrow(RangeError);
    expect(() => normalQuantile(0)).toThrow(RangeError);
    expect(normalQuantile(0.5)).toBe(0); // not −0
    // Below 0 and above 1 the arguments are clamped to the ends rather than fed to the logarithms.
    expect(regularizedGamma(2, -1)).toEqual({ lower: 0, upper: 1 });
    expect(regularizedBeta(2, 3, -0.1)).toEqual({ lower: 0, upper: 1 });
    expect(regularizedBeta(2, 3, 1.1)).toEqual({ lower: 1, upper: 0 });
  });

  it('takes infinite degrees of freedom as the normal distribution', () => {
    for (const t of [-2, 0.5, 3]) {
      expect(error(studentTSurvival(t, Infinity), normalSurvival(t))).toBeLessThan(1e-15);
      expect(studentTPdf(t, Infinity)).toBe(normalPdf(t));
    }
    expect(studentTQuantile(0.975, Infinity)).toBe(normalQuantile(0.975));
    expect(studentTQuantile(0.01, Infinity)).toBe(normalQuantile(0.01));
  });

  it('rejects arguments outside each function\'s domain, saying which and why', () => {
    const cases: [() => unknown, string][] = [
      [() => normalQuantile(0), 'normalQuantile needs 0 < p < 1, got 0'],
      [() => normalQuantile(1), 'normalQuantile needs 0 < p < 1, got 1'],
      [() => normalQuantile(Number.NaN), 'normalQuantile needs 0 < p < 1, got NaN'],
      [() => studentTQuantile(0, 5), 'studentTQuantile needs 0 < p < 1, got 0'],
      [() => studentTQuantile(1, 5), 'studentTQuantile needs 0 < p < 1, got 1'],
      [() => studentTQuantile(0.3, 0), 'degrees of freedom must be > 0, got 0'],
      [() => studentTSurvival(1, 0), 'degrees of freedom must be > 0, got 0'],
      [() => studentTSurvival(1, -2), 'degrees of freedom must be > 0, got -2'],
      [() => studentTPdf(1, 0), 'degrees of freedom must be > 0, got 0'],
      [() => chiSquareCdf(1, 0), 'degrees of freedom must be > 0, got 0'],
      [() => chiSquareSurvival(1, Number.NaN), 'degrees of freedom must be > 0, got NaN'],
      [() => studentTSurvival(Number.NaN, 3), 'studentTSurvival of NaN'],
      [() => logGamma(0), 'logGamma needs x > 0, got 0'],
      [() => logGamma(-1), 'logGamma needs x > 0, got -1'],
      [() => regularizedGamma(0, 1), 'regularizedGamma needs a > 0 and a number x, got a=0, x=1'],
      [() => regularizedGamma(1, Number.NaN), 'regularizedGamma needs a > 0 and a number x, got a=1, x=NaN'],
      [() => regularizedBeta(0, 1, 0.5), 'regularizedBeta needs a, b > 0 and numbers x, y, got a=0, b=1, x=0.5, y=0.5'],
      [() => regularizedBeta(1, 0, 0.5), 'regularizedBeta needs a, b > 0 and numbers x, y, got a=1, b=0, x=0.5, y=0.5'],
      [() => regularizedBeta(1, 1, Number.NaN, 0.5), 'regularizedBeta needs a, b > 0 and numbers x, y, got a=1, b=1, x=NaN, y=0.5'],
      [() => regularizedBeta(1, 1, 0.5, Number.NaN), 'regularizedBeta needs a, b > 0 and numbers x, y, got a=1, b=1, x=0.5, y=NaN'],
      [() => erfc(Number.NaN), 'erfc of NaN'],
    ];
    for (const [run, message] of cases) expect(run).toThrow(new RangeError(message));
  });
});

