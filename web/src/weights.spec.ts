import { describe, expect, it } from 'vitest';
import { evenWeights, formatPercent, percentToWeight, splitProblem, TOTAL_WEIGHT } from './weights.ts';

describe('split weights as percentages', () => {
  it('shows weights in thousandths of a percent as percentages, with only the decimals they need', () => {
    expect(formatPercent(25_000)).toBe('25%');
    expect(formatPercent(100_000)).toBe('100%');
    expect(formatPercent(33_333)).toBe('33.333%');
    expect(formatPercent(12_500)).toBe('12.5%');
    expect(formatPercent(1)).toBe('0.001%');
    expect(formatPercent(0)).toBe('0%');
  });

  it('reads typed percentages back into exact integer weights', () => {
    expect(percentToWeight('25')).toBe(25_000);
    expect(percentToWeight(' 33.333 % ')).toBe(33_333);
    expect(percentToWeight('0.001')).toBe(1);
    expect(percentToWeight('12.')).toBe(12_000);
    // 0.1 + 0.2 style float noise must not leak into weights
    expect(percentToWeight('14.3')).toBe(14_300);
    for (const bad of ['', 'abc', '-5', '100.5', '1.2345', '101']) expect(percentToWeight(bad)).toBeNull();
  });

  it('round-trips every weight through its percentage', () => {
    for (const w of [0, 1, 999, 1_000, 33_333, 66_667, 99_999, 100_000]) expect(percentToWeight(formatPercent(w))).toBe(w);
  });

  it('says when a split does not sum to 100%', () => {
    expect(splitProblem([{ weight: 25_000 }, { weight: 75_000 }])).toBeNull();
    expect(splitProblem([{ weight: 25_000 }, { weight: 65_000 }])).toBe('Weights must sum to 100% (now 90%)');
    expect(splitProblem([{ weight: 33_333 }, { weight: 33_333 }, { weight: 33_333 }])).toBe('Weights must sum to 100% (now 99.999%)');
  });

  it('splits evenly with an exact total', () => {
    expect(evenWeights(3)).toEqual([33_334, 33_333, 33_333]);
    expect(evenWeights(2)).toEqual([50_000, 50_000]);
    for (let n = 1; n <= 20; n++) expect(evenWeights(n).reduce((a, b) => a + b, 0)).toBe(TOTAL_WEIGHT);
  });
});
