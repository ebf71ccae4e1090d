import { ValidationError, issue, type FieldIssue } from '../../shared/errors.ts';
import { ALPHA_RULE, MAX_ALPHA, MIN_ALPHA } from './compare.ts';
import { normalCdf, normalQuantile, normalSurvival } from './distributions.ts';

/**
 * Power of the two-sided test at level α for a true effect δ whose estimate has standard error SE (docs/statistics.md):
 * 1 − Φ(z_{1−α/2} − δ/SE) + Φ(−z_{1−α/2} − δ/SE).
 */
export function power(effect: number, standardError: number, alpha = 0.05): number {
  return powerAt(Math.abs(effect) / standardError, -normalQuantile(alpha / 2));
}

function powerAt(x: number, z: number): number {
  return normalSurvival(z - x) + normalCdf(-z - x);
}

/** Planning inputs for a two-variant test with equal allocation. */
export interface DesignInput {
  readonly metricType: 'binomial' | 'mean';
  /** The control's mean (a conversion rate for binomial metrics). */
  readonly baselineMean: number;
  /** The per-unit variance of a mean metric; binomial metrics use p(1−p). Treatment is assumed to share it. */
  readonly variance?: number;
  /** Effects are relative to the baseline (default), or absolute. */
  readonly relative?: boolean;
  readonly alpha?: number;
  /** The wanted power, default 0.8. */
  readonly power?: number;
}

/** Units per variant for the two-sided test to reach the wanted power against `effect`. */
export function sampleSizePerVariant(input: DesignInput & { readonly effect: number }): number {
  const design = checked(input, [...effectIssues(input)]);
  const x = requiredRatio(design.alpha, design.power);
  const n = Math.ceil(design.perUnitVariance(input.effect) * (x / input.effect) ** 2);
  if (!(n <= Number.MAX_SAFE_INTEGER)) throw new ValidationError('The design input is invalid', [issue(['effect'], 'is too small to detect with any sample size')]);
  return Math.max(2, n);
}

/**
 * The smallest positive effect the two-sided test detects with the wanted power at `unitsPerVariant` units per
 * variant; null when no effect is detectable at that size (a conversion rate cannot exceed 1).
 */
export function minimumDetectableEffect(input: DesignInput & { readonly unitsPerVariant: number }): number | null {
  const issues: FieldIssue[] = [];
  if (!(Number.isFinite(input.unitsPerVariant) && input.unitsPerVariant >= 2)) issues.push(issue(['unitsPerVariant'], 'must be at least 2'));
  const design = checked(input, issues);
  const x = requiredRatio(design.alpha, design.power);
  const n = input.unitsPerVariant;
  // δ/SE(δ) grows with δ (until a conversion rate hits 1): bisect δ·√n − x·√k(δ) = 0.
  const detectable = (delta: number): boolean => delta * Math.sqrt(n) >= x * Math.sqrt(design.perUnitVariance(delta));
  let hi = design.maxEffect;
  if (hi === Infinity) {
    hi = 1;
    // Stryker disable next-line EqualityOperator: hi takes only powers of two, never 1e12 itself
    while (!detectable(hi) && hi < 1e12) hi *= 2;
  }
  if (!detectable(hi)) return null;
  let lo = 0;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (detectable(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** δ/SE at which the two-sided test has the wanted power: powerAt rises from α (at 0) towards 1. */
function requiredRatio(alpha: number, wanted: number): number {
  const z = -normalQuantile(alpha / 2); // z_{1−α/2}, without rounding 1 − α/2 to 1 for tiny α
  let lo = 0;
  // Above the root already: powerAt(x, z) > Φ(x − z), which is Φ(z_wanted + 1) > wanted here.
  let hi = z + normalQuantile(wanted) + 1;
  // Stryker disable next-line EqualityOperator: hi − lo equal to the tolerance exactly: one more halving moves hi by less than 1e-14 of itself
  while (hi - lo > 1e-14 * hi) {
    const mid = (lo + hi) / 2;
    if (powerAt(mid, z) < wanted) lo = mid;
    else hi = mid;
  }
  return hi;
}

interface Design {
  alpha: number;
  power: number;
  /** k(δ) with SE² = k/n per variant for a true effect δ ≥ 0. */
  perUnitVariance: (delta: number) => number;
  /** The largest effect that makes sense (a conversion rate stays ≤ 1). */
  maxEffect: number;
}

function checked(input: DesignInput, issues: FieldIssue[]): Design {
  const alpha = input.alpha ?? 0.05;
  const wanted = input.power ?? 0.8;
  const relative = input.relative ?? true;
  const m = input.baselineMean;
  if (!(alpha >= MIN_ALPHA && alpha <= MAX_ALPHA)) issues.push(issue(['alpha'], ALPHA_RULE));
  if (!(wanted > alpha && wanted < 1)) issues.push(issue(['power'], 'must be between alpha and 1'));
  if (input.metricType === 'binomial') {
    if (!(m > 0 && m < 1)) issues.push(issue(['baselineMean'], 'must be a conversion rate strictly between 0 and 1'));
  } else {
    if (!Number.isFinite(m) || (relative && m === 0)) issues.push(issue(['baselineMean'], relative ? 'must be a finite number other than 0' : 'must be a finite number'));
    if (!(input.variance !== undefined && input.variance > 0 && Number.isFinite(input.variance))) issues.push(issue(['variance'], 'must be a positive number for a mean metric'));
  }
  if (issues.length > 0) throw new ValidationError('The design input is invalid', issues);

  const scale = relative ? Math.abs(m) : 1;
  if (input.metricType === 'binomial') {
    const varianceOf = (p: number): number => p * (1 - p);
    return {
      alpha,
      power: wanted,
      maxEffect: (1 - m) / scale,
      perUnitVariance: (delta) => {
        const treatment = m + delta * scale;
        return (varianceOf(treatment) + (relative ? (treatment / m) ** 2 : 1) * varianceOf(m)) / scale ** 2;
      },
    };
  }
  const s2 = input.variance!;
  return {
    alpha,
    power: wanted,
    maxEffect: Infinity,
    // The relative delta method (docs/statistics.md): V·n = (s²_T + (m_T/m_C)²·s²_C)/m_C².
    perUnitVariance: (delta) => (s2 + (relative ? ((m + delta * scale) / m) ** 2 : 1) * s2) / scale ** 2,
  };
}

function effectIssues(input: DesignInput & { readonly effect: number }): FieldIssue[] {
  if (!(Number.isFinite(input.effect) && input.effect !== 0)) return [issue(['effect'], 'must be a finite number other than 0')];
  if (input.metricType === 'binomial' && input.baselineMean > 0 && input.baselineMean < 1) {
    const treatment = input.baselineMean + input.effect * ((input.relative ?? true) ? input.baselineMean : 1);
    if (!(treatment >= 0 && treatment <= 1)) return [issue(['effect'], 'would take the conversion rate outside [0, 1]')];
  }
  return [];
}
