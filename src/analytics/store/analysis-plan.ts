import { ValidationError } from '../../shared/errors.ts';
import { unitColumns, type EventField } from '../../shared/metric-kinds/metric-kind.ts';
import { METRIC_KINDS, findMetricKind, metricKind, type MetricKind } from '../../shared/metric-kinds/metric-kinds.ts';
import { SUMS, sumsOver, type SufficientStatistics, type SumName, type UnitColumn } from '../../shared/metric-kinds/sums.ts';
import type { ExperimentStatistics, ExperimentStatisticsQuery } from '../analytics-store.ts';
import { LITERAL_PATTERNS } from './sql-literals.ts';

/**
 * An analysis query checked and reduced to what the SQL needs: integers in milliseconds, percentiles in
 * millionths, each event name once. Both stores build their SQL from a plan, so they read one query the same way.
 */
export interface AnalysisPlan {
  readonly experimentKey: string;
  readonly environment: string;
  readonly variants: readonly string[];
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly preWindowMs: number;
  readonly metrics: readonly PlannedMetric[];
  /** Every event name some metric reads, once. */
  readonly eventNames: readonly string[];
}

export interface PlannedMetric {
  readonly key: string;
  readonly kind: MetricKind;
  /** The event of y: counted (binomial), summed (mean), or the ratio's numerator. */
  readonly event: string;
  /** The event of d, for a kind with a denominator. */
  readonly denominator?: string;
  /** Events count in [first exposure, first exposure + windowMs); without it, from first exposure on. */
  readonly windowMs?: number;
  readonly cuped: boolean;
  /** Winsorisation (kinds that allow it): the percentile in millionths, 1..999999. */
  readonly capMicros?: number;
}

const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;
const MAX_VARIANTS = 100;
const MAX_METRICS = 100;

/** Every pointer names a field (`#/variants/2`), so the message names it without the `#/`. */
function invalid(pointer: string, detail: string): never {
  throw new ValidationError(`Invalid analytics query: ${pointer.slice(2)} ${detail}`, [{ pointer, detail }]);
}

function matches(value: unknown, pattern: RegExp, pointer: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) invalid(pointer, `must match ${pattern.source}`);
  return value;
}

function milliseconds(value: Date | undefined, pointer: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : Number.NaN;
  if (!Number.isSafeInteger(ms)) invalid(pointer, 'must be a valid date');
  return ms;
}

/** Millionths keep the rank computation in integers on both engines (see analysis-sql.ts). */
function winsorisationMicros(p: number | undefined, pointer: string): number | undefined {
  if (p === undefined) return undefined;
  if (!(Number.isFinite(p) && p > 0 && p < 1)) invalid(pointer, 'must be between 0 and 1 (exclusive)');
  return Math.min(999_999, Math.max(1, Math.round(p * 1_000_000)));
}

function positiveMs(value: number, unit: number, pointer: string): number {
  const ms = Math.round(value * unit);
  // Number.isFinite also refuses what is not a number; ms < 1 refuses zero, negatives and what rounds to no time at all.
  if (!Number.isFinite(value) || !Number.isSafeInteger(ms) || ms < 1) invalid(pointer, 'must be a positive number');
  return ms;
}

export function planAnalysis(query: ExperimentStatisticsQuery): AnalysisPlan {
  const experimentKey = matches(query.experimentKey, LITERAL_PATTERNS.key, '#/experimentKey');
  // A key, never empty: rows whose environment is unknown (empty) can match no query.
  const environment = matches(query.environment, LITERAL_PATTERNS.key, '#/environment');
  if (!Array.isArray(query.variants) || query.variants.length > MAX_VARIANTS) invalid('#/variants', `must be a list of at most ${MAX_VARIANTS} variants`);
  const variants = query.variants.map((v, i) => matches(v, LITERAL_PATTERNS.key, `#/variants/${i}`));
  if (new Set(variants).size !== variants.length) invalid('#/variants', 'must not repeat a variant');
  const fromMs = milliseconds(query.from, '#/from');
  const toMs = milliseconds(query.to, '#/to');
  if (!Array.isArray(query.metrics) || query.metrics.length > MAX_METRICS) invalid('#/metrics', `must be a list of at most ${MAX_METRICS} metrics`);
  const anyCuped = query.metrics.some((m) => m.cuped === true);
  const preWindowMs = anyCuped ? positiveMs(query.cupedPreWindowDays, MS_PER_DAY, '#/cupedPreWindowDays') : 0;

  const keys = new Set<string>();
  const metrics = query.metrics.map((metric, i): PlannedMetric => {
    const at = `#/metrics/${i}`;
    if (typeof metric.key !== 'string' || metric.key.length === 0) invalid(`${at}/key`, 'must be a non-empty string');
    if (keys.has(metric.key)) invalid(`${at}/key`, 'must not repeat a metric key');
    keys.add(metric.key);
    const windowMs = metric.windowHours === undefined ? undefined : positiveMs(metric.windowHours, MS_PER_HOUR, `${at}/windowHours`);
    const kind = findMetricKind(metric.kind) ?? invalid(`${at}/kind`, `must be ${METRIC_KINDS.slice(0, -1).join(', ')} or ${METRIC_KINDS.at(-1)}`);
    const capMicros = kind.winsorized ? winsorisationMicros(metric.winsorizePercentile, `${at}/winsorizePercentile`) : undefined;
    const eventOf = (field: EventField): string => matches(metric[field], LITERAL_PATTERNS.eventName, `${at}/${field}`);
    const event = eventOf(kind.events.y);
    const denominator = kind.events.d === undefined ? undefined : eventOf(kind.events.d);
    return {
      key: metric.key,
      kind: kind.name,
      event,
      cuped: metric.cuped === true,
      ...(windowMs === undefined ? {} : { windowMs }),
      ...(denominator === undefined ? {} : { denominator }),
      ...(capMicros === undefined ? {} : { capMicros }),
    };
  });
  const eventNames = [...new Set(metrics.flatMap((m) => (m.denominator === undefined ? [m.event] : [m.event, m.denominator])))];
  return { experimentKey, environment, variants, ...(fromMs === undefined ? {} : { fromMs }), ...(toMs === undefined ? {} : { toMs }), preWindowMs, metrics, eventNames };
}

/** A planned metric's per-unit columns: its kind's, with x when it asks for CUPED. */
export function metricColumns(metric: PlannedMetric): UnitColumn[] {
  return unitColumns(metricKind(metric.kind), metric.cuped);
}

/** The column that holds one of metric i's sums in the analysis row. */
export function sumColumn(i: number, name: SumName): string {
  return `m${i}_${SUMS[name].alias}`;
}

/**
 * The SQL returns one row per group `g`: -1 for units seen in several variants, 0 for units of variants not asked
 * for, i for units of `plan.variants[i - 1]`. Columns: `n`, and per metric i each of its sums under `m{i}_<alias>`
 * (`m0_s` for Σy; sums.ts names them all). Groups without units have no row: they read as zeros.
 */
export function assembleStatistics(plan: AnalysisPlan, rows: readonly Readonly<Record<string, unknown>>[]): ExperimentStatistics {
  const byGroup = new Map<number, Readonly<Record<string, unknown>>>();
  for (const row of rows) byGroup.set(toNumber(row['g']), row);
  const read = (row: Readonly<Record<string, unknown>> | undefined, column: string): number => (row ? toNumber(row[column]) : 0);

  const units: Record<string, number> = {};
  plan.variants.forEach((variant, i) => (units[variant] = read(byGroup.get(i + 1), 'n')));
  const metrics: Record<string, Record<string, SufficientStatistics>> = {};
  plan.metrics.forEach((metric, m) => {
    const sums = sumsOver(metricColumns(metric));
    const perVariant: Record<string, SufficientStatistics> = {};
    plan.variants.forEach((variant, i) => {
      const row = byGroup.get(i + 1);
      const statistics: { n: number } & Partial<Record<SumName, number>> = { n: read(row, 'n') };
      for (const name of sums) statistics[name] = read(row, sumColumn(m, name));
      // Σy is always among the sums: every metric has a y.
      perVariant[variant] = statistics as SufficientStatistics;
    });
    metrics[metric.key] = perVariant;
  });
  return { units, multipleExposures: read(byGroup.get(-1), 'n'), metrics };
}

/** ClickHouse sends 64-bit integers as strings, DuckDB as bigints; sums are doubles. -0 reads as 0. */
function toNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'bigint' || typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isFinite(n)) throw new Error(`The analytics store returned a non-numeric statistic: ${String(value)}`);
  return n === 0 ? 0 : n;
}
