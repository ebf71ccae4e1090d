import type { AnalyticsStore, ExperimentStatistics, ExperimentStatisticsQuery, ExposureRow, MetricEventRow } from '../../../src/analytics/analytics-store.ts';
import type { SufficientStatistics } from '../../../src/shared/metric-kinds/sums.ts';

/**
 * A fake of the analytics-store port for the sink's tests: idempotent by event id like the real stores, and
 * counting how often a stored event id came again (the evidence that redelivery happened and was absorbed).
 * Its experimentStatistics covers a subset (the experiment's environment only, first-exposure assignment, multiple
 * exposures, binomial, mean and ratio metrics with their windows); CUPED and winsorizing are the real stores' business and are refused.
 */
export interface InMemoryAnalyticsStore extends AnalyticsStore {
  readonly exposures: ReadonlyMap<string, ExposureRow>;
  readonly metricEvents: ReadonlyMap<string, MetricEventRow>;
  /** Rows offered again with an event id already stored (ignored, as the port requires). */
  readonly duplicates: () => number;
}

export function createInMemoryAnalyticsStore(): InMemoryAnalyticsStore {
  const exposures = new Map<string, ExposureRow>();
  const metricEvents = new Map<string, MetricEventRow>();
  let duplicates = 0;
  let closed = false;

  const insert = <Row extends { eventId: string }>(table: Map<string, Row>, rows: readonly Row[]): void => {
    if (closed) throw new Error('the store is closed');
    for (const row of rows) {
      if (table.has(row.eventId)) duplicates++;
      else table.set(row.eventId, { ...row });
    }
  };

  return {
    exposures,
    metricEvents,
    duplicates: () => duplicates,
    async insertExposures(rows) {
      insert(exposures, rows);
    },
    async insertMetricEvents(rows) {
      insert(metricEvents, rows);
    },
    async eventCounts() {
      return { exposures: exposures.size, metricEvents: metricEvents.size };
    },
    async experimentStatistics(query) {
      return statistics(query, [...exposures.values()], [...metricEvents.values()]);
    },
    async close() {
      closed = true;
    },
  };
}

function statistics(query: ExperimentStatisticsQuery, exposures: readonly ExposureRow[], events: readonly MetricEventRow[]): ExperimentStatistics {
  const first = new Map<string, { variant: string; at: number; variants: Set<string> }>();
  for (const exposure of exposures) {
    if (exposure.experimentKey !== query.experimentKey || exposure.environment !== query.environment) continue;
    const at = exposure.timestamp.getTime();
    if ((query.from && at < query.from.getTime()) || (query.to && at >= query.to.getTime())) continue;
    const seen = first.get(exposure.unitId);
    if (!seen) first.set(exposure.unitId, { variant: exposure.variant, at, variants: new Set([exposure.variant]) });
    else {
      seen.variants.add(exposure.variant);
      if (at < seen.at) Object.assign(seen, { variant: exposure.variant, at });
    }
  }
  const assigned = [...first.entries()].filter(([, unit]) => unit.variants.size === 1 && query.variants.includes(unit.variant));
  const units = Object.fromEntries(query.variants.map((variant) => [variant, assigned.filter(([, u]) => u.variant === variant).length]));
  const multipleExposures = [...first.values()].filter((unit) => unit.variants.size > 1).length;

  const eventsByUnit = new Map<string, MetricEventRow[]>();
  for (const event of events) {
    if (event.environment !== query.environment) continue;
    const list = eventsByUnit.get(event.unitId) ?? [];
    list.push(event);
    eventsByUnit.set(event.unitId, list);
  }
  const sumOf = (unitId: string, at: number, name: string | undefined, windowHours: number | undefined): { sum: number; count: number } => {
    const end = windowHours === undefined ? Infinity : at + windowHours * 3_600_000;
    let sum = 0;
    let count = 0;
    for (const event of eventsByUnit.get(unitId) ?? []) {
      const t = event.timestamp.getTime();
      if (event.name === name && t >= at && t < end) {
        sum += event.value;
        count++;
      }
    }
    return { sum, count };
  };

  const metrics: Record<string, Record<string, SufficientStatistics>> = {};
  for (const metric of query.metrics) {
    if (metric.cuped) throw new Error('CUPED is not implemented in the fake analytics store');
    if (metric.kind === 'mean' && metric.winsorizePercentile !== undefined) throw new Error('winsorizing is not implemented in the fake analytics store');
    const perVariant: Record<string, SufficientStatistics> = {};
    for (const variant of query.variants) {
      const members = assigned.filter(([, unit]) => unit.variant === variant);
      let n = 0;
      let sum = 0;
      let sumSquares = 0;
      let denominatorSum = 0;
      let denominatorSumSquares = 0;
      let denominatorSumProducts = 0;
      for (const [unitId, unit] of members) {
        n++;
        if (metric.kind === 'ratio') {
          const y = sumOf(unitId, unit.at, metric.numerator, metric.windowHours).sum;
          const d = sumOf(unitId, unit.at, metric.denominator, metric.windowHours).sum;
          sum += y;
          sumSquares += y * y;
          denominatorSum += d;
          denominatorSumSquares += d * d;
          denominatorSumProducts += y * d;
        } else {
          const { sum: total, count } = sumOf(unitId, unit.at, metric.event, metric.windowHours);
          const y = metric.kind === 'binomial' ? (count > 0 ? 1 : 0) : total;
          sum += y;
          sumSquares += y * y;
        }
      }
      perVariant[variant] = metric.kind === 'ratio' ? { n, sum, sumSquares, denominatorSum, denominatorSumSquares, denominatorSumProducts } : { n, sum, sumSquares };
    }
    metrics[metric.key] = perVariant;
  }
  return { units, multipleExposures, metrics };
}
