/** Split weights are integers in thousandths of a percent: 100000 is 100%, so splits have a granularity of 0.001%. */
export const TOTAL_WEIGHT = 100_000;

/** `25000` → `"25%"`, `33333` → `"33.333%"`: as many decimals as the weight needs, never rounded away. */
export function formatPercent(weight: number): string {
  return `${formatPercentNumber(weight)}%`;
}

export function formatPercentNumber(weight: number): string {
  return (weight / 1_000).toFixed(3).replace(/\.?0+$/, '');
}

/** `"33.333"` → `33333`; null for what is not a percentage with at most three decimals between 0 and 100. */
export function percentToWeight(text: string): number | null {
  const trimmed = text.trim().replace(/%$/, '').trim();
  if (!/^\d{1,3}(\.\d{0,3})?$/.test(trimmed)) return null;
  const weight = Math.round(Number(trimmed) * 1_000);
  return weight <= TOTAL_WEIGHT ? weight : null;
}

export function splitTotal(split: readonly { weight: number }[]): number {
  return split.reduce((sum, part) => sum + part.weight, 0);
}

/** What is wrong with a split's weights, in the user's terms; null when they sum to exactly 100%. */
export function splitProblem(split: readonly { weight: number }[]): string | null {
  const total = splitTotal(split);
  return total === TOTAL_WEIGHT ? null : `Weights must sum to 100% (now ${formatPercent(total)})`;
}

/** An even split of 100% over n variants; the remainder goes to the first ones, so the sum is exact. */
export function evenWeights(n: number): number[] {
  if (n <= 0) return [];
  const base = Math.floor(TOTAL_WEIGHT / n);
  const remainder = TOTAL_WEIGHT - base * n;
  return Array.from({ length: n }, (_, i) => base + (i < remainder ? 1 : 0));
}
