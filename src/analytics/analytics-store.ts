/**
 * The analytics-store port: ClickHouse in production, DuckDB embedded. It stores exposures and metric events
 * idempotently (an event id never counts twice) and computes, in SQL, the per-variant sufficient statistics
 * the stats engine needs (SPEC section 6, STATS.md "Inputs").
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

export type MetricQuery =
  | { readonly key: string; readonly kind: 'binomial'; readonly event: string; readonly windowHours?: number; readonly cuped: boolean }
  | {
      readonly key: string;
      readonly kind: 'mean';
      readonly event: string;
      readonly windowHours?: number;
      /** Per-unit values above this percentile (0 < p < 1) of all exposed units' values are capped to it. */
      readonly winsorizePercentile?: number;
      readonly cuped: boolean;
    }
  | { readonly key: string; readonly kind: 'ratio'; readonly numerator: string; readonly denominator: string; readonly windowHours?: number; readonly cuped: boolean };

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

/** STATS.md's inputs: n, Σy, Σy²; CUPED adds Σx, Σx², Σxy; ratio metrics add Σd, Σd², Σyd. */
export interface SufficientStatistics {
  readonly n: number;
  readonly sum: number;
  readonly sumSquares: number;
  readonly sumX?: number;
  readonly sumXSquares?: number;
  readonly sumXY?: number;
  readonly sumD?: number;
  readonly sumDSquares?: number;
  readonly sumYD?: number;
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
