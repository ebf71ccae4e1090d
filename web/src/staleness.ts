import type { StaleFlag } from './admin-types.ts';

/** The periods the stale-flag report offers, in days (the API takes 1 to 365). */
export const STALE_PERIODS = [7, 14, 30, 60, 90, 180, 365] as const;

/**
 * Why a flag is stale, in words: "not evaluated in 30 days", or "served on to everyone (1,234 evaluations)". The
 * one wording for the stale-flags report and the badge on the flags list.
 */
export function describeStaleness(stale: StaleFlag['stale']): string {
  if (stale.reason === 'not-evaluated') return `not evaluated in ${stale.staleDays} days`;
  const served = Object.entries(stale.variants);
  if (served.length !== 1) return 'serves a single variant';
  const [variant, count] = served[0]!;
  return `served ${variant} to everyone (${count.toLocaleString('en')} evaluations)`;
}
