import { describe, expect, it } from 'vitest';
import { compareVariants, type Comparison } from '../../src/analytics/stats/compare.ts';
import { adjustPValues, applyCorrection, type MetricRole } from '../../src/analytics/stats/corrections.ts';

describe('adjustPValues', () => {
  // Reference: R 4.x, p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") and "BH".
  it('Holm–Bonferroni', () => {
    expect(adjustPValues([0.01, 0.04, 0.03, 0.005], 'holm').map((p) => +p.toFixed(12))).toEqual([0.03, 0.06, 0.06, 0.02]);
  });
  it('Benjamini–Hochberg', () => {
    expect(adjustPValues([0.01, 0.04, 0.03, 0.005], 'benjamini-hochberg').map((p) => +p.toFixed(12))).toEqual([0.02, 0.04, 0.04, 0.02]);
  });
  it('caps at 1, keeps ties and order, and handles the empty family', () => {
    expect(adjustPValues([0.6, 0.6, 0.9], 'holm')).toEqual([1, 1, 1]);
    expect(adjustPValues([0.6, 0.6, 0.9], 'benjamini-hochberg').map((p) => +p.toFixed(12))).toEqual([0.9, 0.9, 0.9]);
    expect(adjustPValues([], 'holm')).toEqual([]);
  });
});

describe('applyCorrection', () => {
  const comparison = (pValueTarget: 'strong' | 'weak' | 'bayesian'): Comparison => {
    const treatment = { strong: { n: 2_000, sum: 260 }, weak: { n: 2_000, sum: 250 }, bayesian: { n: 2_000, sum: 260 } }[pValueTarget];
    return compareVariants({ metricType: 'binomial', control: { n: 2_000, sum: 200 }, treatment, method: pValueTarget === 'bayesian' ? 'bayesian' : 'frequentist' });
  };
  const metrics = (): { key: string; role: MetricRole; comparisons: Comparison[] }[] => [
    { key: 'purchase', role: 'primary', comparisons: [comparison('strong'), comparison('weak')] },
    { key: 'revenue', role: 'secondary', comparisons: [comparison('weak')] },
    { key: 'latency', role: 'guardrail', comparisons: [comparison('weak')] },
    { key: 'bayes', role: 'secondary', comparisons: [comparison('bayesian')] },
  ];

  it('is off by default', () => {
    const input = metrics();
    expect(applyCorrection(input, 'none')).toEqual(input);
  });

  it('corrects goal metrics × arms only, and significance follows the adjusted p-value', () => {
    const input = metrics();
    const weak = input[0]!.comparisons[1]!;
    expect(weak.pValue!).toBeCloseTo(0.0254, 4); // significant on its own…
    const corrected = applyCorrection(input, 'holm');
    const [strongP, weakP, revenueP] = adjustPValues([input[0]!.comparisons[0]!.pValue!, weak.pValue!, input[1]!.comparisons[0]!.pValue!], 'holm');
    expect(corrected[0]!.comparisons.map((c) => c.adjustedPValue)).toEqual([strongP, weakP]);
    expect(corrected[1]!.comparisons[0]!.adjustedPValue).toBe(revenueP);
    expect(corrected[0]!.comparisons[1]).toMatchObject({ significant: weakP! < 0.05, verdict: weakP! < 0.05 ? 'improvement' : 'inconclusive' });
    expect(weakP!).toBeGreaterThan(0.05); // …but not in a family of three
    expect(corrected[0]!.comparisons[0]).toMatchObject({ significant: true, verdict: 'improvement' });
    // the guardrail and the Bayesian comparison are untouched
    expect(corrected[2]).toEqual(input[2]);
    expect(corrected[3]).toEqual(input[3]);
  });

  it('keeps significance below α only: an adjusted p-value equal to α is not significant', () => {
    const base = comparison('strong');
    const atAlpha = { ...base, pValue: 0.05 };
    const [only] = applyCorrection([{ role: 'primary' as MetricRole, comparisons: [atAlpha] }], 'holm');
    expect(only!.comparisons[0]).toMatchObject({ adjustedPValue: 0.05, significant: false, verdict: 'inconclusive' });
  });

  it('leaves comparisons with insufficient data out of the family', () => {
    const thin = compareVariants({ metricType: 'binomial', control: { n: 1, sum: 0 }, treatment: { n: 50, sum: 5 } });
    const strong = comparison('strong');
    const corrected = applyCorrection([{ role: 'primary' as MetricRole, comparisons: [strong, thin] }], 'holm');
    expect(corrected[0]!.comparisons[0]!.adjustedPValue).toBe(strong.pValue); // a family of one
    expect(corrected[0]!.comparisons[1]).toEqual(thin);
  });
});
