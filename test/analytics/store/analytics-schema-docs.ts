import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AnalyticsStore, ExperimentStatistics, ExperimentStatisticsQuery } from '../../../src/analytics/analytics-store.ts';
import { generateDataset, referenceStatistics, type Dataset } from './analytics-dataset.ts';

/**
 * The example queries of docs/analytics-schema.md, taken from the document itself, and what each must answer on
 * the generated experiment: the figures the results API computes (the plain reference implementation of the
 * analysis rules, analytics-dataset.ts), so a query that runs but counts differently fails.
 */
export type Engine = 'duckdb' | 'clickhouse';
const ENGINES: readonly string[] = ['duckdb', 'clickhouse'] satisfies Engine[];

export interface DocumentedQuery {
  /** The query's first line, `-- <title>`. */
  readonly title: string;
  readonly engines: readonly Engine[];
  readonly sql: string;
}

export const DOCUMENT = path.resolve(import.meta.dirname, '../../../docs/analytics-schema.md');

/** Every ```sql block: its info string names the engines it runs on, its first line is its title. */
export function documentedQueries(markdown: string = readFileSync(DOCUMENT, 'utf8')): DocumentedQuery[] {
  return [...markdown.matchAll(/^```sql([^\n]*)\n([\s\S]*?)^```$/gm)].map((match, i) => {
    const words = (match[1] ?? '').trim().split(/\s+/).filter((w) => w !== '');
    const sql = match[2] ?? '';
    const title = /^-- (.+)\n/.exec(sql)?.[1];
    if (!title) throw new Error(`sql block ${i + 1} of the document does not start with a "-- title" line`);
    const unknown = words.filter((w) => !ENGINES.includes(w));
    if (words.length === 0 || unknown.length > 0) throw new Error(`"${title}" must name its engines (duckdb, clickhouse), not "${words.join(' ')}"`);
    return { title, engines: words as Engine[], sql };
  });
}

export type Row = Record<string, number | string | null>;

/** DuckDB answers counts as bigints, ClickHouse 64-bit integers as strings: both read as numbers here. */
export function normalisedRows(rows: readonly Record<string, unknown>[]): Row[] {
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([column, value]) => {
        if (typeof value === 'bigint') return [column, Number(value)];
        if (typeof value === 'string' && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(value)) return [column, Number(value)];
        if (typeof value === 'number' || typeof value === 'string' || value === null) return [column, value];
        throw new Error(`unexpected ${typeof value} in column ${column}`);
      }),
    ),
  );
}

/** The generated experiment, and part of it delivered a second time (as the pipeline may after a crash). */
export function documentData(): { data: Dataset; duplicates: Dataset } {
  const data = generateDataset(17, 1_500);
  return { data, duplicates: { exposures: data.exposures.slice(0, 400), metricEvents: data.metricEvents.slice(0, 1_200) } };
}

export async function load(store: AnalyticsStore, { data, duplicates }: { data: Dataset; duplicates: Dataset }): Promise<void> {
  for (const set of [data, duplicates]) {
    for (let i = 0; i < set.exposures.length; i += 1_000) await store.insertExposures(set.exposures.slice(i, i + 1_000));
    for (let i = 0; i < set.metricEvents.length; i += 1_000) await store.insertMetricEvents(set.metricEvents.slice(i, i + 1_000));
  }
}

/** The document's examples as an analysis: every variant the data has, a 72-hour binomial and a mean of `purchase`. */
const QUERY: ExperimentStatisticsQuery = {
  experimentKey: 'checkout-test',
  environment: 'production',
  variants: ['control', 'legacy', 'treatment'],
  metrics: [
    { key: 'converted', kind: 'binomial', event: 'purchase', windowHours: 72, cuped: false },
    { key: 'revenue', kind: 'mean', event: 'purchase', cuped: false },
  ],
  cupedPreWindowDays: 14,
};

/** What each documented query must answer, by title, in the order its ORDER BY gives. */
export function expectedAnswers(data: Dataset): Record<string, Row[]> {
  const statistics: ExperimentStatistics = referenceStatistics(data, QUERY);
  const variants = QUERY.variants.filter((v) => (statistics.units[v] ?? 0) > 0).sort();
  const metric = (key: string, variant: string): { n: number; sum: number; sumSquares?: number } => statistics.metrics[key]![variant]!;
  const unitsPerVariant = variants.map((variant) => ({ variant, units: statistics.units[variant]! }));
  return {
    'Events stored, each once': [{ exposures: new Set(data.exposures.map((e) => e.eventId)).size, metric_events: new Set(data.metricEvents.map((e) => e.eventId)).size }],
    'Units per variant, as the results count them': unitsPerVariant,
    'Units exposed to more than one variant': [{ multiple_exposures: statistics.multipleExposures }],
    'Units per variant, from the pre-aggregated units': unitsPerVariant,
    'Conversions within 72 hours of the first exposure': variants.map((variant) => ({ variant, units: metric('converted', variant).n, converted: metric('converted', variant).sum })),
    'Revenue per unit: n, sum and sum of squares per variant': variants.map((variant) => {
      const { n, sum, sumSquares } = metric('revenue', variant);
      return { variant, n, sum, sum_squares: sumSquares ?? Number.NaN };
    }),
  };
}
