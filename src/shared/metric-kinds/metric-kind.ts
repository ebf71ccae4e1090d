import type { FieldIssue } from '../errors.ts';
import type { SufficientStatistics, UnitColumn } from './sums.ts';

/**
 * The fields of a metric whose rules depend on its kind: the events it reads and its winsorisation. A metric
 * definition and an analysis query both carry them; each kind says which apply.
 */
export interface MetricKindFields {
  /** The event a binomial metric counts, or a mean metric sums. */
  readonly event?: string | undefined;
  /** A ratio metric's events: per unit, the sum of the numerator's values over the sum of the denominator's. */
  readonly numerator?: string | undefined;
  readonly denominator?: string | undefined;
  /** Per-unit values above this percentile (0 < p < 1) of all exposed units' values are capped to it. */
  readonly winsorizePercentile?: number | undefined;
}

export type EventField = 'event' | 'numerator' | 'denominator';

/** What the effect formulas need from a variant: units, mean and per-unit variance of the metric. */
export interface Moments {
  readonly n: number;
  readonly mean: number;
  readonly variance: number;
}

/** Where a field of one variant's statistics sits in the caller's body (`#/control/sumSquares`). */
export type FieldPath = (field: string) => PropertyKey[];

/**
 * A metric kind, whole: which events its definition names, how a unit's values are made from them, which sums it
 * has, which of them are possible, and the moments the statistics engine compares.
 */
export interface MetricKindModule<Name extends string = string> {
  readonly name: Name;
  /** The definition fields that name the event of y and, for a kind with a denominator, that of d. */
  readonly events: { readonly y: EventField; readonly d?: EventField };
  /**
   * A unit's y (and CUPED's x) from its events: `any` is 1 when it sent at least one, else 0; `sum` adds their
   * values (0 without events). d is always a sum.
   */
  readonly unitValue: 'any' | 'sum';
  /** Whether the engine adjusts the kind with CUPED. */
  readonly cuped: boolean;
  /** Whether per-unit values may be winsorised. */
  readonly winsorized: boolean;
  /** The definition's issues with the events it names (`winsorized` decides about the percentile). */
  definitionIssues(definition: MetricKindFields): FieldIssue[];
  /**
   * One variant's issues with the sums of y (and d), already known to be finite numbers with a whole n ≥ 0: sums
   * no units of this kind can have. The covariate sums are checked apart (`cuped` decides about them).
   */
  sumIssues(arm: SufficientStatistics, at: FieldPath): FieldIssue[];
  /** Mean and per-unit variance of the metric; needs n ≥ 2 and a defined `observedMean`. */
  moments(arm: SufficientStatistics): Moments;
  /**
   * For a kind whose values are bounded to 0 and 1: the moments with one unit of y = 1 and one of y = 0 added
   * (Agresti and Caffo 2000). An arm where every unit converted, or none did, has a sample variance of 0 although
   * its rate is uncertain; this estimate of that uncertainty is what lets two such arms be compared. An unbounded
   * kind has no such estimate and leaves it out.
   */
  smoothedMoments?(arm: SufficientStatistics): Moments;
  /** The metric's mean, or null when it is undefined (no units, or what else the kind cannot divide by). */
  observedMean(arm: SufficientStatistics): number | null;
}

export function hasDenominator(kind: MetricKindModule): boolean {
  return kind.events.d !== undefined;
}

/**
 * A metric's per-unit columns: y; x when the analysis asks for CUPED; d for a kind with a denominator. The store
 * computes x whenever asked; whether the engine can use it is the kind's `cuped`.
 */
export function unitColumns(kind: MetricKindModule, cuped: boolean): UnitColumn[] {
  return ['y', ...(cuped ? (['x'] as const) : []), ...(hasDenominator(kind) ? (['d'] as const) : [])];
}
