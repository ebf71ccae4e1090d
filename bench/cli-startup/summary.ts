import { compared, type Measurement } from '../harness.ts';

/** What a command must stay under, as a user waits for it. */
export const TARGET = '< 1,000 ms';

export interface Summary {
  readonly runs: number;
  readonly median: number;
  readonly p95: number;
  readonly max: number;
}

/** Median (the mean of the middle two for an even count) and p95 by nearest rank, of milliseconds. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new RangeError('no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const p95 = sorted[Math.ceil(0.95 * sorted.length) - 1]!;
  return { runs: sorted.length, median, p95, max: sorted[sorted.length - 1]! };
}

/** The figures of one command: its median and p95, each against the baseline's median. */
export function commandMeasurements(label: string, summary: Summary, baseline: Measurement): Measurement[] {
  const notes = `${summary.runs} runs, max ${summary.max.toFixed(0)} ms`;
  return [
    compared(`${label}, median`, summary.median, 'ms', baseline, { target: TARGET, notes }),
    compared(`${label}, p95`, summary.p95, 'ms', baseline, { target: TARGET }),
  ];
}
