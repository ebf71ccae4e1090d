import type { ExperimentForAnalysis } from '../shared/experiment-catalog.ts';
import type { MetricDefinition } from '../shared/experiment-events.ts';
import { metricKind, type MetricKind } from '../shared/metric-kinds/metric-kinds.ts';
import type { SufficientStatistics } from '../shared/metric-kinds/sums.ts';
import type { AnalyticsStore, MetricQuery } from './analytics-store.ts';
import type { Direction } from './stats/bayesian.ts';
import { analyseMetric, type Comparison, type MetricAnalysis } from './stats/compare.ts';
import { applyCorrection, type Correction, type MetricRole } from './stats/corrections.ts';
import { sampleRatioMismatch, type SampleRatioMismatch } from './stats/srm.ts';

/** CUPED's covariate window (docs/statistics.md, "CUPED"): 14 days before each unit's first exposure. */
export const CUPED_PRE_WINDOW_DAYS = 14;

export interface MetricResult extends MetricAnalysis {
  metricKey: string;
  kind: MetricKind;
  role: MetricRole;
  direction: MetricDefinition['direction'];
  comparisons: Comparison[];
  /**
   * The raw numbers the analysis rests on, per variant: n, Σy, Σy² and, where they apply, CUPED and ratio sums,
   * named as POST /admin/stats/compare takes them.
   */
  statistics: Record<string, SufficientStatistics>;
}

/** What GET /admin/experiments/{key}/results answers (docs/statistics.md, "Reading the results"). */
export interface ExperimentResults {
  experimentKey: string;
  status: ExperimentForAnalysis['status'];
  method: ExperimentForAnalysis['design']['method'];
  controlVariant: string;
  window: { from: string | null; to: string | null };
  srm: SampleRatioMismatch;
  multipleExposures: number;
  correction: Correction;
  metrics: MetricResult[];
  generatedAt: string;
}

/**
 * An experiment's results: the analytics store computes each variant's sufficient statistics in SQL, the stats
 * engine compares every treatment with control per metric, SRM checks the split against the configured weights.
 * Only the current iteration counts: a re-randomised restart starts the window over.
 */
export async function analyseExperiment(
  experiment: ExperimentForAnalysis,
  store: AnalyticsStore,
  options: { correction?: Correction; now?: Date } = {},
): Promise<ExperimentResults> {
  const { design } = experiment;
  const variants = design.variants.map((v) => v.variant);
  const roles: [string, MetricRole][] = [
    [design.primaryMetric, 'primary'],
    ...design.secondaryMetrics.map((key): [string, MetricRole] => [key, 'secondary']),
    ...design.guardrailMetrics.map((key): [string, MetricRole] => [key, 'guardrail']),
  ];
  const queries = roles.flatMap(([key]) => {
    const metric = experiment.metrics[key];
    return metric ? [metricQuery(key, metric, design.cuped)] : [];
  });
  const statistics = await store.experimentStatistics({
    experimentKey: experiment.key,
    environment: design.environment,
    variants,
    ...(experiment.startedAt ? { from: experiment.startedAt } : {}),
    ...(experiment.stoppedAt ? { to: experiment.stoppedAt } : {}),
    metrics: queries,
    cupedPreWindowDays: CUPED_PRE_WINDOW_DAYS,
  });

  const metrics: MetricResult[] = roles.flatMap(([key, role]) => {
    const metric = experiment.metrics[key];
    const perVariant = statistics.metrics[key];
    if (!metric || !perVariant) return [];
    const raw = Object.fromEntries(variants.map((variant) => [variant, perVariant[variant] ?? NO_UNITS]));
    const analysis = analyseMetric({
      metricType: metric.kind,
      control: design.controlVariant,
      variants: variants.map((variant) => ({ variant, ...raw[variant]! })),
      method: design.method,
      alpha: design.alpha,
      direction: ENGINE_DIRECTION[metric.direction],
    });
    return [{ metricKey: key, kind: metric.kind, role, direction: metric.direction, ...analysis, statistics: raw }];
  });

  const correction = options.correction ?? 'none';
  return {
    experimentKey: experiment.key,
    status: experiment.status,
    method: design.method,
    controlVariant: design.controlVariant,
    window: { from: experiment.startedAt?.toISOString() ?? null, to: experiment.stoppedAt?.toISOString() ?? null },
    srm: sampleRatioMismatch(statistics.units, Object.fromEntries(design.variants.map((v) => [v.variant, v.weight]))),
    multipleExposures: statistics.multipleExposures,
    correction,
    metrics: correction === 'none' ? metrics : applyCorrection(metrics, correction),
    generatedAt: (options.now ?? new Date()).toISOString(),
  };
}

/** A variant the store has no row for. */
const NO_UNITS: SufficientStatistics = { n: 0, sum: 0, sumSquares: 0 };

/** The one place a metric's direction is translated into the engine's spelling (both are public). */
const ENGINE_DIRECTION: Record<MetricDefinition['direction'], Direction> = { higher: 'higher-is-better', lower: 'lower-is-better' };

/** The definition fields the metric's kind reads; the covariate sums only when the kind can use them. */
function metricQuery(key: string, metric: MetricDefinition, cuped: boolean): MetricQuery {
  const kind = metricKind(metric.kind);
  const { y, d } = kind.events;
  return {
    key,
    kind: metric.kind,
    [y]: metric[y],
    ...(d === undefined ? {} : { [d]: metric[d] }),
    ...(metric.windowHours === undefined ? {} : { windowHours: metric.windowHours }),
    ...(kind.winsorized && metric.winsorizePercentile !== undefined ? { winsorizePercentile: metric.winsorizePercentile } : {}),
    cuped: cuped && kind.cuped,
  };
}
