import { ValidationError, issue, type FieldIssue } from '../../shared/errors.ts';
import { chiSquareSurvival } from './distributions.ts';

/** A mismatch is declared when p < 0.001 (docs/statistics.md, "Sample-ratio mismatch"). */
export const SRM_THRESHOLD = 0.001;

export interface SampleRatioMismatch {
  status: 'ok' | 'insufficient-data';
  reason: string | null;
  /** Pearson's χ² goodness of fit, on k − 1 degrees of freedom; null with no units or fewer than two variants. */
  pValue: number | null;
  chiSquare: number | null;
  degreesOfFreedom: number;
  observed: Record<string, number>;
  /** The configured weights as shares summing to 1. */
  expected: Record<string, number>;
  /** p < 0.001: units did not split as configured, and no result of the experiment is to be trusted. */
  mismatch: boolean;
}

/**
 * Sample-ratio mismatch: do the observed units per variant fit the configured weights (any positive scale: 50/50,
 * 50000/50000 or 0.5/0.5)? A variant with weight 0 that still got units is a certain mismatch (p = 0).
 */
export function sampleRatioMismatch(observed: Readonly<Record<string, number>>, expectedWeights: Readonly<Record<string, number>>): SampleRatioMismatch {
  const variants = Object.keys(expectedWeights);
  const issues: FieldIssue[] = [];
  for (const v of variants) {
    const w = expectedWeights[v];
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) issues.push(issue(['expected', v], 'must be a weight ≥ 0'));
  }
  for (const [v, n] of Object.entries(observed)) {
    if (!(v in expectedWeights)) issues.push(issue(['observed', v], 'is not a variant of the configured weights'));
    else if (!Number.isSafeInteger(n) || n < 0) issues.push(issue(['observed', v], 'must be a whole number of units, 0 or more'));
  }
  const totalWeight = variants.reduce((sum, v) => sum + (expectedWeights[v] ?? 0), 0);
  if (issues.length === 0 && !(totalWeight > 0)) issues.push(issue(['expected'], 'needs at least one positive weight'));
  if (issues.length > 0) throw new ValidationError('The sample-ratio input is invalid', issues);

  const counts = Object.fromEntries(variants.map((v) => [v, observed[v] ?? 0]));
  const shares = Object.fromEntries(variants.map((v) => [v, expectedWeights[v]! / totalWeight]));
  const total = variants.reduce((sum, v) => sum + counts[v]!, 0);
  const active = variants.filter((v) => shares[v]! > 0);
  const base = { observed: counts, expected: shares, degreesOfFreedom: Math.max(0, active.length - 1) };
  if (variants.some((v) => shares[v] === 0 && counts[v]! > 0)) {
    return { ...base, status: 'ok', reason: null, pValue: 0, chiSquare: null, mismatch: true };
  }
  if (total === 0 || active.length < 2) {
    const reason = total === 0 ? 'no units have been observed' : 'a sample ratio needs at least two variants with positive weight';
    return { ...base, status: 'insufficient-data', reason, pValue: null, chiSquare: null, mismatch: false };
  }
  let chiSquare = 0;
  for (const v of active) {
    const expected = total * shares[v]!;
    chiSquare += (counts[v]! - expected) ** 2 / expected;
  }
  // A share so small that χ² overflows is as certain a mismatch as a share of 0.
  if (!Number.isFinite(chiSquare)) return { ...base, status: 'ok', reason: null, pValue: 0, chiSquare: null, mismatch: true };
  const pValue = chiSquareSurvival(chiSquare, active.length - 1);
  return { ...base, status: 'ok', reason: null, pValue, chiSquare, mismatch: pValue < SRM_THRESHOLD };
}
