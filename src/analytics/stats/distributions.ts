import { erfc, logBeta, regularizedBeta, regularizedGamma } from './special-functions.ts';

/**
 * Normal, Student t (fractional degrees of freedom) and chi-square distributions, accurate to about 1e-12
 * relative in the range the engine uses and tested against mpmath to 1e-8 or better (the test file lists each
 * reference value and how it was computed). Tails are computed as tails, never as 1 − CDF.
 */

const SQRT2 = Math.SQRT2;
const SQRT_2PI = 2.5066282746310002;

export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / SQRT_2PI;
}

/** Φ(x). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / SQRT2);
}

/** 1 − Φ(x), computed directly. */
export function normalSurvival(x: number): number {
  return 0.5 * erfc(x / SQRT2);
}

// Acklam's rational approximation of Φ⁻¹ (relative error 1.15e-9), polished below by Halley steps on an accurate Φ.
const ACKLAM_A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const ACKLAM_B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const ACKLAM_C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const ACKLAM_D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

function polynomial(coefficients: readonly number[], x: number): number {
  let value = 0;
  for (const c of coefficients) value = value * x + c;
  return value;
}

/** Φ⁻¹(p) for 0 < p < 1. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  // Work in the lower half, where p carries full relative precision; 1 − p is exact for p ≥ ½ (Sterbenz).
  return p > 0.5 ? -lowerNormalQuantile(1 - p) : lowerNormalQuantile(p);
}

function lowerNormalQuantile(p: number): number {
  let x: number;
  // Stryker disable next-line EqualityOperator: at p = 0.02425 itself both of Acklam's regions are within 1.15e-9 and Halley's steps take either to the root
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = polynomial(ACKLAM_C, q) / (polynomial(ACKLAM_D, q) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = (polynomial(ACKLAM_A, r) * q) / (polynomial(ACKLAM_B, r) * r + 1);
  }
  // Halley's method on Φ(x) − p; the error is relative to p, so the tail keeps its digits. Convergence is cubic:
  // one step takes Acklam's 1e-9 to the limit of double precision, a second only mops up.
  // Stryker disable next-line EqualityOperator,UpdateOperator: a third step (or more, until the break) moves x by less than Φ's own rounding
  for (let i = 0; i < 2; i++) {
    const e = normalCdf(x) - p;
    const u = e * SQRT_2PI * Math.exp(0.5 * x * x);
    const step = u / (1 + 0.5 * x * u);
    x -= step;
    // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: the break only spares the second step, which after the first moves x by less than Φ's own rounding
    if (Math.abs(step) <= 1e-12 * Math.abs(x)) break;
  }
  return x;
}

/**
 * Above this many degrees of freedom the t tail comes from Hill's transformation to a normal deviate (ACM
 * algorithm 395, 1970), whose error there is below 1e-13 relative (measured against mpmath), instead of the
 * incomplete-beta continued fraction, whose cost grows as √ν.
 */
const HILL_MIN_DF = 2_000;

function assertDf(df: number): void {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be > 0, got ${df}`);
}

/** P(T > t) for Student's t with ν = df (any real df > 0), computed as a tail. */
export function studentTSurvival(t: number, df: number): number {
  assertDf(df);
  if (Number.isNaN(t)) throw new RangeError('studentTSurvival of NaN');
  // Stryker disable next-line EqualityOperator: at t = 0 either side gives ½ exactly (the tail at 0 is ½ on every path: x = 1 in the beta, a deviate of 0 for Hill and the normal)
  return t > 0 ? oneTail(t, df) : 1 - oneTail(-t, df);
}

/** F_t(t; ν) = P(T ≤ t). */
export function studentTCdf(t: number, df: number): number {
  return studentTSurvival(-t, df);
}

/** P(T > s) for s > 0. */
function oneTail(s: number, df: number): number {
  if (df === Infinity) return normalSurvival(s);
  const s2 = s * s;
  // |t| > 1e154: the tail is below 1e-154 for ν ≥ 2 (Welch's ν is at least 1), too small to matter; 0 it is.
  if (s2 === Infinity) return 0;
  // Stryker disable next-line EqualityOperator: at ν = 2000 itself Hill's deviate and the incomplete beta agree to 1e-13
  if (df > HILL_MIN_DF) return normalSurvival(hillDeviate(s, df));
  // P(|T| > s) = I_x(ν/2, ½) with x = ν/(ν + s²); y = s²/(ν + s²) is passed exactly rather than as 1 − x.
  const x = df / (df + s2);
  const y = s2 / (df + s2);
  return 0.5 * regularizedBeta(df / 2, 0.5, x, y).lower;
}

/** Hill (1970): the normal deviate with the same tail probability as t on ν degrees of freedom. */
function hillDeviate(s: number, df: number): number {
  const a = df - 0.5;
  const b = 48 * a * a;
  const y = a * Math.log1p((s * s) / df);
  return (((((-0.4 * y - 3.3) * y - 24) * y - 85.5) / (0.8 * y * y + 100 + b) + y + 3) / b + 1) * Math.sqrt(y);
}

/** The t density, from its log to stay finite for large ν. */
export function studentTPdf(t: number, df: number): number {
  assertDf(df);
  if (df === Infinity) return normalPdf(t);
  return Math.exp(-0.5 * Math.log(df) - logBeta(df / 2, 0.5) - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/** The t quantile t_{p, ν} for 0 < p < 1 and any real ν > 0. */
export function studentTQuantile(p: number, df: number): number {
  assertDf(df);
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile needs 0 < p < 1, got ${p}`);
  if (p === 0.5) return 0;
  // Stryker disable next-line EqualityOperator: p = ½ has returned above
  return p > 0.5 ? upperTQuantile(1 - p, df) : -upperTQuantile(p, df);
}

/**
 * Solves P(T > t) = q (0 < q < ½) for t > 0: a start from the Cornish–Fisher expansion (Abramowitz & Stegun
 * 26.7.5), or from the power-law tail for small ν, then Newton's method on ln P(T > t) against ln t — nearly
 * linear in both the normal-like and the power-law regime — kept inside a bracket that bisection falls back on.
 */
function upperTQuantile(q: number, df: number): number {
  if (df === Infinity) return -lowerNormalQuantile(q);
  let t = tQuantileStart(q, df);
  let lo = 0; // P(T > lo) > q
  let hi = Infinity; // P(T > hi) < q
  const logQ = Math.log(q);
  // Stryker disable next-line EqualityOperator,UpdateOperator: Newton's method inside the bracket returns in far fewer than 100 steps
  for (let i = 0; i < 100; i++) {
    const tail = oneTail(t, df);
    // Stryker disable next-line ConditionalExpression: without it a tail of exactly q makes a Newton step of 0, and the next test returns t
    if (tail === q) return t;
    // Stryker disable next-line EqualityOperator: a tail of exactly q has returned above
    if (tail > q) lo = t;
    else hi = t;
    // d ln P(T > t) / d ln t = −t·f(t)/P(T > t)
    const slope = (-t * studentTPdf(t, df)) / tail;
    let next = t * Math.exp(-(Math.log(tail) - logQ) / slope);
    // Convergence is quadratic: after a Newton step of 1e-13 what is left is below the noise of the tail itself
    // (which may even point the last step the wrong way, outside the bracket).
    if (Math.abs(next - t) <= 1e-13 * t) return next;
    if (!(next > lo && next < hi)) next = hi === Infinity ? 2 * Math.max(t, lo) : (lo + hi) / 2;
    if (hi !== Infinity && hi - lo <= 1e-15 * hi) return next;
    t = next;
  }
  return t;
}

/**
 * Where Newton's method starts for P(T > t) = q (0 < q < ½, finite ν): the Cornish–Fisher expansion (Abramowitz &
 * Stegun 26.7.5) of the normal deviate z_q, or for ν < 3 the power-law tail ν^(ν/2)·t^(−ν) / (ν·B(ν/2, ½)) if that
 * lies further out; max(z, 1) when neither is a positive finite number (ν so small that the tail overflows).
 */
export function tQuantileStart(q: number, df: number): number {
  const z = -lowerNormalQuantile(q);
  let t = cornishFisher(z, df);
  if (df < 3) {
    const tail = Math.exp((0.5 * df * Math.log(df) - logBeta(df / 2, 0.5) - Math.log(df * q)) / df);
    t = Math.max(t, tail);
  }
  // Both candidates are positive (z > 0 makes every Cornish–Fisher term's sum positive for ν ≥ 3, and the tail is
  // above 1 for q < ½); the tail overflows to ∞ only for ν near 0.
  if (!Number.isFinite(t)) t = Math.max(z, 1);
  return t;
}

function cornishFisher(z: number, df: number): number {
  const z2 = z * z;
  const g1 = (z * (z2 + 1)) / 4;
  const g2 = (z * ((5 * z2 + 16) * z2 + 3)) / 96;
  const g3 = (z * (((3 * z2 + 19) * z2 + 17) * z2 - 15)) / 384;
  const g4 = (z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945)) / 92160;
  return z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df;
}

/** P(X ≤ x) for χ² on k degrees of freedom (any real k > 0). */
export function chiSquareCdf(x: number, k: number): number {
  assertDf(k);
  return regularizedGamma(k / 2, Math.max(0, x) / 2).lower;
}

/** P(X > x) for χ² on k degrees of freedom, computed as a tail. */
export function chiSquareSurvival(x: number, k: number): number {
  assertDf(k);
  return regularizedGamma(k / 2, Math.max(0, x) / 2).upper;
}
