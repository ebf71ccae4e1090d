import type { MetricKindFields } from '../shared/metric-kinds/metric-kind.ts';
import type { MetricKind } from '../shared/metric-kinds/metric-kinds.ts';
import type { SufficientStatistics } from '../shared/metric-kinds/sums.ts';

/**
 * The analytics-store port: ClickHouse in production, DuckDB embedded. It stores exposures and metric events
 * idempotently (an event id never counts twice) and computes, in SQL, the per-variant sufficient statistics
 * the stats engine needs (docs/analytics-schema.md; docs/statistics.md, "Inputs").
 */
export interface ExposureRow {
  readonly eventId: string;
  /** Empty when the exposure belongs to no experiment. */
  readonly experimentKey: string;
  readonly flagKey: string;
  /** The environment of the key that sent it (src/read/ingest.ts); empty when unknown. */
  readonly environment: string;
  readonly variant: string;
  readonly unitId: string;
  readonly revision: number | null;
  readonly timestamp: Date;
}

export interface MetricEventRow {
  readonly eventId: string;
  readonly name: string;
  readonly unitId: string;
  /**
   * The environment of the key that sent it; empty for events stored before metric events carried one (kept, but
   * counted by no experiment: which environment sent them can no longer be told).
   */
  readonly environment: string;
  /** The event's value; 1 when the event carried none (so a mean of a valueless event counts it). */
  readonly value: number;
  readonly timestamp: Date;
}

/** A metric to analyse: its kind, the fields of its definition that kind reads, its window, CUPED or not. */
export interface MetricQuery extends MetricKindFields {
  readonly key: string;
  readonly kind: MetricKind;
  readonly windowHours?: number;
  /** Also compute the CUPED covariate sums (for any kind: whether the engine can use them is the kind's). */
  readonly cuped: boolean;
}

export interface ExperimentStatisticsQuery {
  readonly experimentKey: string;
  /** The experiment's environment: only exposures and metric events stored under it count. */
  readonly environment: string;
  readonly variants: readonly string[];
  /** Only exposures in [from, to) count; metric events are bounded by each unit's own window. */
  readonly from?: Date;
  readonly to?: Date;
  readonly metrics: readonly MetricQuery[];
  /** CUPED's covariate: the same metric over this many days before the unit's first exposure. */
  readonly cupedPreWindowDays: number;
}

export interface ExperimentStatistics {
  /** Units whose first exposure was to each variant (units seen in several variants excluded). */
  readonly units: Readonly<Record<string, number>>;
  /** Units exposed to more than one variant: excluded from everything else, reported. */
  readonly multipleExposures: number;
  readonly metrics: Readonly<Record<string, Readonly<Record<string, SufficientStatistics>>>>;
}

export interface AnalyticsStore {
  /** Idempotent: a row whose event id is already stored is not counted again, now or later. */
  insertExposures(rows: readonly ExposureRow[]): Promise<void>;
  insertMetricEvents(rows: readonly MetricEventRow[]): Promise<void>;
  experimentStatistics(query: ExperimentStatisticsQuery): Promise<ExperimentStatistics>;
  /** Distinct events stored: what "counted exactly once" is checked against. */
  eventCounts(): Promise<{ exposures: number; metricEvents: number }>;
  close(): Promise<void>;
}
