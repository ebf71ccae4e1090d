/** The latency figures of a series of requests, in milliseconds. */
export interface LatencySummary {
  readonly runs: number;
  readonly median: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** Median (the mean of the middle two for an even count), p95 and p99 by nearest rank. */
export function latencySummary(samples: readonly number[]): LatencySummary {
  if (samples.length === 0) throw new RangeError('no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const rank = (q: number): number => sorted[Math.ceil(q * sorted.length) - 1]!;
  return { runs: sorted.length, median, p95: rank(0.95), p99: rank(0.99), max: sorted[sorted.length - 1]! };
}

/** The metric families of a scrape in Prometheus' text format: one `# TYPE` line each, whatever its samples. */
export function seriesFamilies(scrape: string): number {
  return scrape.split('\n').filter((line) => /^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* /.test(line)).length;
}

/** The sum of a series' samples over all its label sets (`name value` and `name{…} value`); 0 when it has none. */
export function sampleSum(scrape: string, name: string): number {
  let sum = 0;
  for (const line of scrape.split('\n')) {
    if (!line.startsWith(`${name} `) && !line.startsWith(`${name}{`)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
