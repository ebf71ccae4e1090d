import type { Operator, Scalar } from './operators.ts';

/** The admin API's shapes this app reads and writes (docs/api.md; src/shared/targeting.ts). */
export interface Condition {
  attribute?: string;
  operator: Operator;
  values: Scalar[];
}
export interface WeightedVariant {
  variant: string;
  weight: number;
}
export type Serve = { variant: string } | { split: WeightedVariant[] };
export interface Rule {
  id?: string;
  description?: string;
  conditions: Condition[];
  serve: Serve;
}
export interface Targeting {
  enabled: boolean;
  offVariant: string;
  bucketBy: string;
  prerequisites: { flagKey: string; variant: string }[];
  targets: { variant: string; units: string[] }[];
  rules: Rule[];
  defaultServe: Serve;
}
export type FlagType = 'boolean' | 'string' | 'number' | 'json';
export interface Flag {
  key: string;
  type: FlagType;
  description: string;
  tags: string[];
  variants: Record<string, unknown>;
  archived: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
  updatedBy: string | null;
  environments: Record<string, Targeting>;
  historical?: boolean;
  latestVersion?: number;
}
export interface FlagSummary {
  key: string;
  type: FlagType;
  description: string;
  tags: string[];
  archived: boolean;
  version: number;
  updatedAt: string;
  enabled: Record<string, boolean>;
  /** Present when evaluation telemetry finds the flag stale over the period (GET /admin/flags, staleDays). */
  stale?: FlagStaleness;
}
export interface FlagStaleness {
  reason: 'not-evaluated' | 'single-variant';
  staleDays: number;
  lastEvaluatedAt: string | null;
  evaluations: number;
  variants: Record<string, number>;
}
export interface Environment {
  key: string;
  name?: string;
  version: number;
}
export interface HistoryEntry {
  version: number;
  type: string;
  actor: string | null;
  reason: string | null;
  correlationId: string | null;
  time: string;
  change: Record<string, unknown>;
}
export interface AuditEntry extends HistoryEntry {
  position: number;
  entityType: string;
  entityKey: string;
}
export interface DiffChange {
  path: string;
  op: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}
export interface Segment {
  key: string;
  description?: string;
}
export interface Metric {
  key: string;
  kind: 'binomial' | 'mean' | 'ratio';
  description: string;
  event?: string;
  direction: 'higher' | 'lower';
}
export interface Experiment {
  key: string;
  flagKey: string;
  environment: string;
  hypothesis: string;
  status: string;
  variants: WeightedVariant[];
  controlVariant: string;
  trafficPercent: number;
  primaryMetric: string;
  secondaryMetrics: string[];
  guardrailMetrics: string[];
  minimumDetectableEffect?: number;
  alpha: number;
  power: number;
  method: 'frequentist' | 'bayesian' | 'sequential';
  cuped: boolean;
  version: number;
  startedAt: string | null;
  stoppedAt: string | null;
}
export interface Comparison {
  variant: string;
  baseline: string;
  status: 'ok' | 'insufficient-data';
  reason: string | null;
  /** Why the comparison is not the one asked for (an absolute difference where the relative one cannot be judged). */
  note: string | null;
  method: string;
  effect: 'relative' | 'absolute';
  relativeLift: number | null;
  ci: [number | null, number | null] | null;
  absoluteLift: number | null;
  absoluteCi: [number | null, number | null] | null;
  pValue: number | null;
  adjustedPValue: number | null;
  chanceToWin: number | null;
  risk: number | null;
  significant: boolean;
  verdict: string;
  cuped: boolean;
}
export interface MetricResult {
  metricKey: string;
  kind: string;
  role: 'primary' | 'secondary' | 'guardrail';
  direction: 'higher' | 'lower';
  variants: { variant: string; units: number; mean: number | null }[];
  comparisons: Comparison[];
  statistics: Record<string, { n: number; sum: number; sumSquares: number }>;
}
export interface ExperimentResults {
  experimentKey: string;
  status: string;
  method: 'frequentist' | 'bayesian' | 'sequential';
  controlVariant: string;
  window: { from: string | null; to: string | null };
  srm: { status: string; pValue: number | null; observed: Record<string, number>; expected: Record<string, number>; mismatch: boolean };
  multipleExposures: number;
  correction: string;
  metrics: MetricResult[];
  generatedAt: string;
}
