import type { DomainEvent } from './domain-event.ts';
import type { MetricKindFields } from './metric-kinds/metric-kind.ts';
import type { MetricKind } from './metric-kinds/metric-kinds.ts';
import type { Condition, WeightedVariant } from './targeting.ts';

export const ANALYSIS_METHODS = ['frequentist', 'bayesian', 'sequential'] as const;
export type AnalysisMethod = (typeof ANALYSIS_METHODS)[number];

/**
 * A metric (docs/statistics.md): `binomial` — the unit sent `event` after its first exposure (within the window);
 * `mean` — per-unit sum of `event`'s values (0 if none); `ratio` — per-unit sum of `numerator` over sum of
 * `denominator` (delta method). Which of the kind's fields apply is the kind's (src/shared/metric-kinds).
 * Direction says whether higher or lower is better.
 */
export type MetricDefinition = MetricKindFields & {
  description: string;
  kind: MetricKind;
  direction: 'higher' | 'lower';
  windowHours?: number | undefined;
};

export type MetricDefined = DomainEvent<'MetricDefined', { key: string } & MetricDefinition>;
export type MetricChanged = DomainEvent<'MetricChanged', MetricDefinition>;
export type MetricArchived = DomainEvent<'MetricArchived', Record<string, never>>;
export type MetricEvent = MetricDefined | MetricChanged | MetricArchived;

export type ExperimentDesign = {
  flagKey: string;
  environment: string;
  hypothesis: string;
  description: string;
  variants: WeightedVariant[];
  controlVariant: string;
  /** Percent of eligible units in the experiment, in steps of 0.001. */
  trafficPercent: number;
  audience: Condition[];
  primaryMetric: string;
  secondaryMetrics: string[];
  guardrailMetrics: string[];
  minimumDetectableEffect?: number | undefined;
  alpha: number;
  power: number;
  method: AnalysisMethod;
  cuped: boolean;
};

export type ExperimentCreated = DomainEvent<'ExperimentCreated', { key: string } & ExperimentDesign>;
export type ExperimentDesignChanged = DomainEvent<'ExperimentDesignChanged', ExperimentDesign>;
/**
 * `salt` decides assignment: the experiment key for the first iteration (variants hash with the key, traffic
 * with `<key>:traffic`, so a change of traffic reshuffles no variant); a restart that re-randomises gets a new one, recorded here.
 */
export type ExperimentStarted = DomainEvent<'ExperimentStarted', { iteration: number; salt: string }>;
export type ExperimentStopped = DomainEvent<'ExperimentStopped', Record<string, never>>;
export type ExperimentRestarted = DomainEvent<'ExperimentRestarted', { iteration: number; salt: string; rerandomized: boolean }>;
export type ExperimentConcluded = DomainEvent<'ExperimentConcluded', { winningVariant: string | null }>;

export type ExperimentEvent =
  | ExperimentCreated
  | ExperimentDesignChanged
  | ExperimentStarted
  | ExperimentStopped
  | ExperimentRestarted
  | ExperimentConcluded;

export const EXPERIMENT_CATEGORY = 'experiment';
export const METRIC_CATEGORY = 'metric';

/** The salt of an iteration: the key itself first, then a suffix no experiment key can contain. */
export function experimentSalt(key: string, iteration: number): string {
  return iteration <= 1 ? key : `${key}~${iteration}`;
}
