import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The series docs/operations.md lists in its metrics table (rows that start with a series name in backticks), so
 * the tests and the metrics-scrape benchmark check what an operator was told to expect, and the table cannot
 * drift from /metrics. Here rather than in test/support because the benchmark uses it too: tests may import
 * bench helpers, bench imports nothing from test.
 */
export function documentedSeries(): string[] {
  const doc = readFileSync(path.resolve(import.meta.dirname, '../../docs/operations.md'), 'utf8');
  return [...doc.matchAll(/^\| `(flagstaff_[a-z0-9_]+)` \|/gm)].map((m) => m[1]!);
}

/** The documented series with no sample in a scrape (a histogram has its samples as `_bucket`, `_sum`, `_count`). */
export function missingSeries(scrape: string, series: readonly string[]): string[] {
  const sampled = new Set(
    scrape
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0]),
  );
  return series.filter((name) => !['', '_bucket', '_sum', '_count'].some((suffix) => sampled.has(`${name}${suffix}`)));
}
