import os from 'node:os';
import { analyseMetric, type Method, type VariantStatistics } from '../src/analytics/stats/compare.ts';
import { applyCorrection } from '../src/analytics/stats/corrections.ts';
import { sampleRatioMismatch } from '../src/analytics/stats/srm.ts';
import type { MetricKind } from '../src/shared/metric-kinds/metric-kinds.ts';
import { compared, machine, type BenchReport, type Measurement } from './harness.ts';

/**
 * The stats engine on one experiment's worth of sufficient statistics: 100 metrics × 5 variants (400 comparisons
 * against control: 40 binomial, 40 mean of which half with CUPED, 20 ratio), plus SRM and a Holm correction. One
 * full analysis must take under 10 ms. Baselines from the same run: serialising the analysis to JSON (which the
 * results API does anyway), and computing the 500 plain means and variances (the least any analysis does).
 */
const METRICS = 100;
const VARIANTS = ['control', 'v1', 'v2', 'v3', 'v4'];
const WARMUP = 30;
const RUNS = 300;

/** A small LCG, so every run analyses the same experiment. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

interface Metric {
  key: string;
  role: 'primary' | 'secondary' | 'guardrail';
  metricType: MetricKind;
  variants: VariantStatistics[];
}

function experiment(): Metric[] {
  const random = lcg(7);
  // One experiment: the same units per variant for every metric, split evenly (give or take the noise of a fair split).
  const units = VARIANTS.map(() => 100_000 + Math.round(600 * (random() - 0.5)));
  return Array.from({ length: METRICS }, (_, m) => {
    const metricType: MetricKind = m < 40 ? 'binomial' : m < 80 ? 'mean' : 'ratio';
    const cuped = metricType === 'mean' && m % 2 === 0;
    const base = metricType === 'binomial' ? 0.02 + 0.3 * random() : 5 + 45 * random();
    const variants = VARIANTS.map((variant, v) => {
      const n = units[v]!;
      const mean = base * (1 + (v === 0 ? 0 : 0.04 * (random() - 0.3)));
      if (metricType === 'binomial') return { variant, n, sum: Math.round(n * mean) };
      const sd = 3 * mean;
      const sum = n * mean;
      const sumSquares = sum * mean + (n - 1) * sd * sd;
      if (metricType === 'ratio') {
        const d = n * (1 + random());
        return { variant, n, sum, sumSquares, denominatorSum: d, denominatorSumSquares: (d * d) / n + (n - 1) * 0.8, denominatorSumProducts: (sum * d) / n + (n - 1) * 0.5 * sd * 0.9 };
      }
      if (!cuped) return { variant, n, sum, sumSquares };
      const sx = sum * 0.9;
      return { variant, n, sum, sumSquares, covariateSum: sx, covariateSumSquares: (sx * sx) / n + (n - 1) * sd * sd, covariateSumProducts: (sum * sx) / n + (n - 1) * 0.6 * sd * sd };
    });
    return { key: `metric-${m}`, role: m === 0 ? 'primary' : m < 90 ? 'secondary' : 'guardrail', metricType, variants };
  });
}

function analyse(metrics: readonly Metric[], method: Method): unknown {
  const srm = sampleRatioMismatch(Object.fromEntries(metrics[0]!.variants.map((v) => [v.variant, v.n])), Object.fromEntries(VARIANTS.map((v) => [v, 20_000])));
  const analysed = metrics.map((m) => ({ key: m.key, role: m.role, ...analyseMetric({ metricType: m.metricType, control: 'control', variants: m.variants, method }) }));
  return { srm, metrics: applyCorrection(analysed, method === 'bayesian' ? 'none' : 'holm') };
}

/** Milliseconds per call of `work`: median and p99 over RUNS calls after WARMUP. */
function timings(work: () => unknown): { median: number; p99: number } {
  for (let i = 0; i < WARMUP; i++) work();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    work();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(RUNS / 2)]!, p99: samples[Math.ceil(RUNS * 0.99) - 1]! };
}

export async function run(): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const metrics = experiment();
  const comparisons = METRICS * (VARIANTS.length - 1);

  const result = analyse(metrics, 'frequentist');
  const json = timings(() => JSON.stringify(result));
  const rawMoments = timings(() => {
    let checksum = 0;
    for (const m of metrics) {
      for (const v of m.variants) {
        const mean = v.sum / v.n;
        checksum += mean + ((v.sumSquares ?? v.sum) - v.sum * mean) / (v.n - 1);
      }
    }
    return checksum;
  });
  // The p99 of a few-millisecond task is at the mercy of whatever else the two cores run; say how busy they were.
  const load = `1-minute load average ${os.loadavg()[0]!.toFixed(2)} on ${os.cpus().length} cores at the start`;
  const jsonBaseline: Measurement = { name: 'JSON.stringify of the analysis result (median)', value: json.median, unit: 'ms', notes: load };
  const momentsBaseline: Measurement = { name: `plain mean and variance of all ${METRICS * VARIANTS.length} variants (median)`, value: rawMoments.median * 1000, unit: 'µs' };
  const measurements: Measurement[] = [jsonBaseline, momentsBaseline];

  for (const method of ['frequentist', 'bayesian', 'sequential'] as const) {
    const t = timings(() => analyse(metrics, method));
    const label = `full analysis, ${method}: ${METRICS} metrics × ${VARIANTS.length} variants (${comparisons} comparisons) + SRM + correction`;
    measurements.push(
      compared(`${label}, median`, t.median, 'ms', jsonBaseline, { target: '< 10 ms' }),
      compared(`${label}, p99`, t.p99, 'ms', jsonBaseline, { target: '< 10 ms', notes: `${((t.median * 1000) / comparisons).toFixed(1)} µs per comparison at the median` }),
    );
  }
  const frequentist = measurements[2]!;
  measurements.push(compared('full analysis, frequentist, median, against plain moments', frequentist.value * 1000, 'µs', momentsBaseline));
  return { bench: 'stats', startedAt, machine: machine(), measurements };
}
