import type { Comparison } from './compare.ts';

export const CORRECTIONS = ['none', 'holm', 'benjamini-hochberg'] as const;
export type Correction = (typeof CORRECTIONS)[number];

/**
 * Adjusted p-values, in the input order. Holm–Bonferroni (family-wise error): sorted ascending, p̃₍ᵢ₎ = max over
 * j ≤ i of min(1, (m − j + 1)·p₍ⱼ₎). Benjamini–Hochberg (false discovery rate): p̃₍ᵢ₎ = min over j ≥ i of
 * min(1, m·p₍ⱼ₎/j). A comparison is significant after correction when its adjusted p-value is below α.
 */
export function adjustPValues(pValues: readonly number[], method: Exclude<Correction, 'none'>): number[] {
  const m = pValues.length;
  // Tied p-values get the same adjusted value whichever comes first, so ties need no order of their own.
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const adjusted: number[] = [];
  if (method === 'holm') {
    let running = 0;
    order.forEach(({ p, i }, rank) => {
      running = Math.max(running, Math.min(1, (m - rank) * p));
      adjusted[i] = running;
    });
  } else {
    let running = 1;
    for (let rank = m - 1; rank >= 0; rank--) {
      const { p, i } = order[rank]!;
      running = Math.min(running, Math.min(1, (m * p) / (rank + 1)));
      adjusted[i] = running;
    }
  }
  return adjusted;
}

/** Primary and secondary metrics are goals; guardrails watch for harm and are never corrected. */
export type MetricRole = 'primary' | 'secondary' | 'guardrail';

/**
 * Applies a correction over the family goal metrics × treatment arms (guardrails excluded, as are comparisons
 * without a p-value: Bayesian ones and those with insufficient data). Off by default ("none"). Corrected
 * comparisons get `adjustedPValue`, and `significant` and `verdict` then follow it; their intervals are not
 * widened (Holm and BH have no matching interval), so with a correction on, trust the adjusted p-value.
 */
export function applyCorrection<M extends { readonly role: MetricRole; readonly comparisons: readonly Comparison[] }>(metrics: readonly M[], correction: Correction): M[] {
  if (correction === 'none') return [...metrics];
  const family: { metric: number; comparison: number; p: number }[] = [];
  metrics.forEach((metric, mi) => {
    if (metric.role === 'guardrail') return;
    metric.comparisons.forEach((c, ci) => {
      if (c.pValue !== null) family.push({ metric: mi, comparison: ci, p: c.pValue });
    });
  });
  const adjusted = adjustPValues(family.map((f) => f.p), correction);
  const byKey = new Map(family.map((f, k) => [`${f.metric}/${f.comparison}`, adjusted[k]!]));
  return metrics.map((metric, mi) => ({
    ...metric,
    comparisons: metric.comparisons.map((c, ci) => {
      const p = byKey.get(`${mi}/${ci}`);
      if (p === undefined) return c;
      // p̃ ≥ p for both methods, so a comparison can only lose significance, never gain it.
      const significant = p < c.alpha;
      return { ...c, adjustedPValue: p, significant, verdict: significant ? c.verdict : 'inconclusive' };
    }),
  }));
}

