import type { ExperimentStatistics, ExperimentStatisticsQuery, ExposureRow, MetricEventRow } from '../../../src/analytics/analytics-store.ts';
import type { SufficientStatistics } from '../../../src/shared/metric-kinds/sums.ts';

/**
 * A generated experiment (seeded, so every run and every store sees the same rows) and a plain reference
 * implementation of the analysis rules written straight from the definitions, loop by loop, to check the SQL against.
 * Values are multiples of 0.5 and small, so every sum and sum of products is exact in doubles whatever the
 * order of summation: the stores must match the reference exactly, not approximately.
 */
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Dataset {
  exposures: ExposureRow[];
  metricEvents: MetricEventRow[];
}

export const exposure = (eventId: string, unitId: string, variant: string, at: number, experimentKey = 'checkout-test', environment = 'production'): ExposureRow => ({
  eventId,
  experimentKey,
  flagKey: 'new-checkout',
  environment,
  variant,
  unitId,
  revision: 7,
  timestamp: new Date(at),
});

export const metricEvent = (eventId: string, unitId: string, name: string, value: number, at: number, environment = 'production'): MetricEventRow => ({
  eventId,
  name,
  unitId,
  environment,
  value,
  timestamp: new Date(at),
});

/**
 * 2,000 units of `checkout-test` in control (45%), treatment (45%) and legacy (10%, never asked for); 2% also
 * see another variant later. Control converts at 10%, treatment at 14%; purchases carry 1..200 in steps of 0.5,
 * some before exposure (CUPED's pre-period), some weeks later (outside windows). Page views feed a ratio.
 * Another experiment, never-exposed units, and the same experiment's key used from the development environment
 * (exposures and purchases, some for production's own units) add noise that must not count.
 */
export function generateDataset(seed = 20260105, units = 2_000): Dataset {
  const random = mulberry32(seed);
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const money = (): number => int(2, 400) / 2;
  const exposures: ExposureRow[] = [];
  const metricEvents: MetricEventRow[] = [];
  let e = 0;
  let m = 0;
  for (let u = 0; u < units; u++) {
    const unit = `user-${u}`;
    const r = random();
    const variant = r < 0.45 ? 'control' : r < 0.9 ? 'treatment' : 'legacy';
    const first = T0 + int(0, 10 * 24 * 60) * 60_000;
    const count = int(1, 3);
    for (let i = 0; i < count; i++) exposures.push(exposure(`x-${e++}`, unit, variant, first + i * int(0, 48) * HOUR));
    if (random() < 0.02) exposures.push(exposure(`x-${e++}`, unit, variant === 'control' ? 'treatment' : 'control', first + int(1, 72) * HOUR));
    if (random() < 0.1) exposures.push(exposure(`x-${e++}`, unit, 'b', first + int(-48, 48) * HOUR, 'other-test'));

    const converts = random() < (variant === 'control' ? 0.1 : variant === 'treatment' ? 0.14 : 0.12);
    if (converts) {
      for (let i = int(1, 3); i > 0; i--) metricEvents.push(metricEvent(`m-${m++}`, unit, 'purchase', money(), first + int(0, 96 * 60) * 60_000));
    }
    // Pre-period activity (CUPED's covariate), and late purchases outside the windows.
    if (random() < 0.3) metricEvents.push(metricEvent(`m-${m++}`, unit, 'purchase', money(), first - int(1, 16 * 24) * HOUR));
    if (random() < 0.1) metricEvents.push(metricEvent(`m-${m++}`, unit, 'purchase', money(), first + int(8, 30) * DAY));
    for (let i = int(0, 6); i > 0; i--) metricEvents.push(metricEvent(`m-${m++}`, unit, 'pageview', 1, first + int(-20 * 24, 10 * 24) * HOUR));
    // Exactly at the first exposure counts; exactly at the window's end does not.
    if (u % 97 === 0) metricEvents.push(metricEvent(`m-${m++}`, unit, 'purchase', 10, first));
    if (u % 89 === 0) metricEvents.push(metricEvent(`m-${m++}`, unit, 'purchase', 20, first + 72 * HOUR));
  }
  for (let u = 0; u < 50; u++) metricEvents.push(metricEvent(`m-${m++}`, `stranger-${u}`, 'purchase', money(), T0 + int(0, 10) * DAY));
  // Another environment writing the same experiment and units (the audit's finding): counted only for that environment.
  for (let u = 0; u < units; u += 25) {
    exposures.push(exposure(`x-${e++}`, `user-${u}`, 'treatment', T0 + u * 60_000, 'checkout-test', 'development'));
    metricEvents.push(metricEvent(`m-${m++}`, `user-${u}`, 'purchase', 500, T0 + u * 60_000 + HOUR, 'development'));
  }
  return { exposures, metricEvents };
}

/** The query the generated dataset is analysed with: every metric kind, windows, CUPED and winsorisation. */
export const DATASET_QUERY: ExperimentStatisticsQuery = {
  experimentKey: 'checkout-test',
  environment: 'production',
  variants: ['control', 'treatment', 'unused'],
  metrics: [
    { key: 'converted', kind: 'binomial', event: 'purchase', windowHours: 72, cuped: true },
    { key: 'converted-ever', kind: 'binomial', event: 'purchase', cuped: false },
    { key: 'revenue', kind: 'mean', event: 'purchase', cuped: true, winsorizePercentile: 0.95 },
    { key: 'revenue-raw', kind: 'mean', event: 'purchase', windowHours: 72, cuped: false },
    { key: 'revenue-per-view', kind: 'ratio', numerator: 'purchase', denominator: 'pageview', windowHours: 168, cuped: true },
  ],
  cupedPreWindowDays: 14,
};

/** The analysis rules, by hand (see analysis-sql.ts for the same rules in SQL). */
export function referenceStatistics(data: Dataset, query: ExperimentStatisticsQuery): ExperimentStatistics {
  const exposures = dedupe(data.exposures);
  const events = dedupe(data.metricEvents);

  const from = query.from?.getTime() ?? -Infinity;
  const to = query.to?.getTime() ?? Infinity;
  const perUnit = new Map<string, { first: number; variants: Set<string> }>();
  for (const x of exposures) {
    const t = x.timestamp.getTime();
    if (x.experimentKey !== query.experimentKey || x.environment !== query.environment || t < from || t >= to) continue;
    const u = perUnit.get(x.unitId) ?? { first: t, variants: new Set<string>() };
    u.first = Math.min(u.first, t);
    u.variants.add(x.variant);
    perUnit.set(x.unitId, u);
  }
  let multipleExposures = 0;
  const included: { unit: string; first: number; variant: string }[] = [];
  for (const [unit, u] of perUnit) {
    if (u.variants.size > 1) multipleExposures++;
    else {
      const [variant] = [...u.variants];
      if (variant !== undefined && query.variants.includes(variant)) included.push({ unit, first: u.first, variant });
    }
  }
  const eventsByUnit = new Map<string, MetricEventRow[]>();
  for (const ev of events) if (ev.environment === query.environment) eventsByUnit.set(ev.unitId, [...(eventsByUnit.get(ev.unitId) ?? []), ev]);

  const units = Object.fromEntries(query.variants.map((v) => [v, included.filter((i) => i.variant === v).length]));
  const metrics: Record<string, Record<string, SufficientStatistics>> = {};
  for (const metric of query.metrics) {
    const numerator = metric.kind === 'ratio' ? metric.numerator : metric.event;
    const windowMs = metric.windowHours === undefined ? Infinity : metric.windowHours * HOUR;
    const preMs = query.cupedPreWindowDays * DAY;
    const measure = (unit: string, name: string | undefined, lo: number, hi: number): { sum: number; count: number } => {
      let sum = 0;
      let count = 0;
      for (const ev of eventsByUnit.get(unit) ?? []) {
        const t = ev.timestamp.getTime();
        if (ev.name === name && t >= lo && t < hi) {
          sum += ev.value;
          count++;
        }
      }
      return { sum, count };
    };
    const valueOf = (m: { sum: number; count: number }): number => (metric.kind === 'binomial' ? (m.count > 0 ? 1 : 0) : m.sum);
    const rows = included.map((i) => ({
      variant: i.variant,
      y: valueOf(measure(i.unit, numerator, i.first, i.first + windowMs)),
      x: valueOf(measure(i.unit, numerator, i.first - preMs, i.first)),
      d: metric.kind === 'ratio' ? measure(i.unit, metric.denominator, i.first, i.first + windowMs).sum : 0,
    }));
    if (metric.kind === 'mean' && metric.winsorizePercentile !== undefined) {
      const capOf = (values: number[]): number => {
        const sorted = [...values].sort((a, b) => a - b);
        const micros = Math.round(metric.winsorizePercentile! * 1_000_000);
        const rank = Math.max(1, Math.ceil((sorted.length * micros) / 1_000_000)); // exact: integers well below 2^53
        return sorted[rank - 1] ?? 0;
      };
      const capY = capOf(rows.map((r) => r.y));
      const capX = capOf(rows.map((r) => r.x));
      for (const r of rows) {
        r.y = Math.min(r.y, capY);
        r.x = Math.min(r.x, capX);
      }
    }
    metrics[metric.key] = Object.fromEntries(
      query.variants.map((variant) => {
        const mine = rows.filter((r) => r.variant === variant);
        const sum = (f: (r: (typeof rows)[number]) => number): number => mine.reduce((acc, r) => acc + f(r), 0);
        const stats: SufficientStatistics = {
          n: mine.length,
          sum: sum((r) => r.y),
          sumSquares: sum((r) => r.y * r.y),
          ...(metric.cuped ? { covariateSum: sum((r) => r.x), covariateSumSquares: sum((r) => r.x * r.x), covariateSumProducts: sum((r) => r.x * r.y) } : {}),
          ...(metric.kind === 'ratio' ? { denominatorSum: sum((r) => r.d), denominatorSumSquares: sum((r) => r.d * r.d), denominatorSumProducts: sum((r) => r.y * r.d) } : {}),
        };
        return [variant, stats];
      }),
    );
  }
  return { units, multipleExposures, metrics };
}

/** One row per event id (the tests resend ids only with the same content, as a redelivery does). */
function dedupe<T extends { eventId: string }>(rows: readonly T[]): T[] {
  const seen = new Set<string>();
  return rows.filter((r) => (seen.has(r.eventId) ? false : (seen.add(r.eventId), true)));
}
