import { describe, expect, it } from 'vitest';
import { analyseMetric, compareVariants, type AnalysisOptions, type Comparison } from '../../src/analytics/stats/compare.ts';
import { minimumDetectableEffect, sampleSizePerVariant } from '../../src/analytics/stats/power.ts';
import { sampleRatioMismatch } from '../../src/analytics/stats/srm.ts';
import { ValidationError } from '../../src/shared/errors.ts';
import { METRIC_KINDS, type MetricKind } from '../../src/shared/metric-kinds/metric-kinds.ts';
import type { SufficientStatistics } from '../../src/shared/metric-kinds/sums.ts';
import { SeededRandom } from './support/seeded-random.ts';

/**
 * Throws random input at the engine, hostile values and valid-but-extreme sums alike: every call must either
 * throw a ValidationError that names fields, or return an object in which every number is finite, with
 * probabilities in [0, 1] and intervals in order. Never NaN, never Infinity, never a TypeError.
 */
const HOSTILE = [0, -0, 1, -1, 2, 0.5, 3.7, 1e-300, -1e-300, 1e300, -1e300, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 53 + 2, 1e15];

function pick<T>(random: SeededRandom, values: readonly T[]): T {
  return values[Math.floor(random.uniform() * values.length)]!;
}

function hostileNumber(random: SeededRandom): number {
  return random.uniform() < 0.6 ? pick(random, HOSTILE) : (random.uniform() - 0.3) * 10 ** Math.floor(random.uniform() * 40 - 20);
}

/** Sums that a real set of n values could have, at any scale, including degenerate ones. */
function consistentArm(random: SeededRandom, metricType: MetricKind, withCovariate: boolean): SufficientStatistics {
  const n = pick(random, [0, 1, 2, 3, 10, 57, 10_000, 2 ** 40]);
  const scale = 10 ** Math.floor(random.uniform() * 300 - 150);
  const spread = (): number => (random.uniform() < 0.25 ? 0 : random.uniform() * scale * scale);
  if (metricType === 'binomial') {
    const sum = pick(random, [0, n, Math.floor(random.uniform() * (n + 1))]);
    const arm = { n, sum };
    if (!withCovariate) return arm;
    const sx = Math.floor(random.uniform() * (n + 1));
    return { ...arm, covariateSum: sx, covariateSumSquares: sx, covariateSumProducts: Math.min(sx, sum) * random.uniform() };
  }
  const mean = (random.uniform() - 0.5) * scale * pick(random, [0, 1, 1e-12]) + pick(random, [0, scale]);
  const sum = n * mean;
  const varY = spread();
  const arm = { n, sum, sumSquares: n === 0 ? 0 : sum * (sum / n) + Math.max(0, n - 1) * varY };
  const correlated = (varOther: number): number => (random.uniform() * 2 - 1) * Math.sqrt(varY * varOther) * Math.max(0, n - 1) * 0.999;
  if (metricType === 'ratio') {
    const d = n * pick(random, [0, 1, random.uniform() * scale, -scale]);
    const varD = spread();
    return { ...arm, denominatorSum: d, denominatorSumSquares: n === 0 ? 0 : d * (d / n) + Math.max(0, n - 1) * varD, denominatorSumProducts: n === 0 ? 0 : sum * (d / n) + correlated(varD) };
  }
  if (!withCovariate) return arm;
  const sx = n * (random.uniform() - 0.5) * scale;
  const varX = spread();
  return { ...arm, covariateSum: sx, covariateSumSquares: n === 0 ? 0 : sx * (sx / n) + Math.max(0, n - 1) * varX, covariateSumProducts: n === 0 ? 0 : sum * (sx / n) + correlated(varX) };
}

function hostileArm(random: SeededRandom): SufficientStatistics {
  const fields = ['n', 'sum', 'sumSquares', 'covariateSum', 'covariateSumSquares', 'covariateSumProducts', 'denominatorSum', 'denominatorSumSquares', 'denominatorSumProducts'];
  const arm: Record<string, number> = { n: hostileNumber(random), sum: hostileNumber(random) };
  for (const field of fields) if (random.uniform() < 0.3) arm[field] = hostileNumber(random);
  return arm as unknown as SufficientStatistics;
}

function options(random: SeededRandom): AnalysisOptions {
  const method = pick(random, ['frequentist', 'bayesian', 'sequential', undefined] as const);
  return {
    method,
    relative: pick(random, [true, false, undefined]),
    alpha: pick(random, [undefined, 0.05, 0.5, 1e-12, 0.2, ...(random.uniform() < 0.1 ? [0, 0.7, NaN] : [])]),
    sequentialTuning: pick(random, [undefined, 5_000, 1, 1e-9, 1e12, ...(random.uniform() < 0.1 ? [-1, NaN, Infinity] : [])]),
    prior: method === 'bayesian' && random.uniform() < 0.5 ? { mean: hostileNumber(random), variance: pick(random, [1e-300, 0.1, 1e300, hostileNumber(random)]) } : undefined,
    alternative: method === 'frequentist' || method === undefined || random.uniform() < 0.05 ? pick(random, ['two-sided', 'one-sided', 'greater', 'less', undefined] as const) : undefined,
    direction: pick(random, ['higher-is-better', 'lower-is-better', undefined] as const),
  };
}

/** Every number in the value, with its path. */
function numbers(value: unknown, path = '$'): [string, number][] {
  if (typeof value === 'number') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => numbers(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => numbers(v, `${path}.${k}`));
  return [];
}

/** What is wrong with a comparison, if anything (plain checks: thousands of rounds of expect() would dominate the run). */
function comparisonProblems(c: Comparison, relativeWanted: boolean): string[] {
  const problems = numbers(c)
    .filter(([, v]) => !Number.isFinite(v))
    .map(([path, v]) => `${path} is ${v}`);
  for (const [name, p] of [['pValue', c.pValue], ['adjustedPValue', c.adjustedPValue], ['chanceToWin', c.chanceToWin]] as const) {
    if (p !== null && !(p >= 0 && p <= 1)) problems.push(`${name} ${p} is not a probability`);
  }
  for (const [name, r] of [['risk', c.risk], ['riskControl', c.riskControl]] as const) if (r !== null && !(r >= 0)) problems.push(`${name} ${r} < 0`);
  for (const [name, i] of [['ci', c.ci], ['absoluteCi', c.absoluteCi]] as const) if (i?.[0] != null && i[1] != null && !(i[0] <= i[1])) problems.push(`${name} is reversed`);
  if (c.status === 'ok' && !(c.reason === null && c.standardError! > 0 && (c.pValue !== null || c.chanceToWin !== null))) problems.push('ok without estimates');
  if (c.status === 'insufficient-data' && !(c.reason && c.pValue === null && c.ci === null && c.verdict === 'insufficient-data')) problems.push('insufficient data with estimates');
  // Another effect than the one asked for is reported only with a note saying why; insufficient data has none.
  if (c.status === 'ok' && (c.effect === 'relative') !== relativeWanted && c.note === null) problems.push(`${c.effect} effect reported without a note`);
  if (c.status === 'insufficient-data' && c.note !== null) problems.push('insufficient data with a note');
  return problems;
}

/** Why an error is not the ValidationError with field pointers it must be, if it is not. */
function errorProblem(error: unknown): string | undefined {
  if (!(error instanceof ValidationError)) return `threw ${String(error)}`;
  if (error.issues.length === 0 || !error.issues.every((i) => /^#(\/[^/]+)*$/.test(i.pointer))) return `ValidationError without field pointers: ${JSON.stringify(error.issues)}`;
  return undefined;
}

/** Runs `run`, keeping what it returned or threw apart, so the checks on either are not caught by mistake. */
function attempt<T>(run: () => T): { ok: true; value: T } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    return { ok: false, error };
  }
}

describe('fuzzing the stats engine: no NaN or Infinity anywhere, ever', () => {
  it('compareVariants, 10,000 random inputs', () => {
    const random = new SeededRandom(42);
    const outcomes = { ok: 0, 'insufficient-data': 0, invalid: 0 };
    const failures: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const metricType = random.uniform() < 0.02 ? ('median' as MetricKind) : pick(random, METRIC_KINDS);
      const hostile = random.uniform() < 0.3;
      const withCovariate = metricType !== 'ratio' && random.uniform() < 0.3;
      const control = hostile ? hostileArm(random) : consistentArm(random, metricType, withCovariate);
      const treatment = hostile ? hostileArm(random) : consistentArm(random, metricType, withCovariate);
      const input = { metricType, control, treatment, ...options(random) };
      const outcome = attempt(() => compareVariants(input));
      const problems = !outcome.ok ? [errorProblem(outcome.error)].filter((p) => p !== undefined) : comparisonProblems(outcome.value, input.relative ?? true);
      if (problems.length > 0) failures.push(`${problems.join('; ')} for ${JSON.stringify(input)}`);
      outcomes[outcome.ok ? outcome.value.status : 'invalid']++;
    }
    expect(failures.slice(0, 5)).toEqual([]);
    // the generator reaches every outcome, often
    expect(outcomes.ok).toBeGreaterThan(1_000);
    expect(outcomes['insufficient-data']).toBeGreaterThan(500);
    expect(outcomes.invalid).toBeGreaterThan(1_500);
  });

  it('analyseMetric over 2 to 5 arms', () => {
    const random = new SeededRandom(43);
    const failures: string[] = [];
    for (let i = 0; i < 3_000; i++) {
      const metricType = pick(random, METRIC_KINDS);
      const withCovariate = metricType !== 'ratio' && random.uniform() < 0.4;
      const arms = Array.from({ length: 2 + Math.floor(random.uniform() * 4) }, (_, k) => ({
        variant: `v${k}`,
        ...(random.uniform() < 0.1 ? hostileArm(random) : consistentArm(random, metricType, withCovariate)),
      }));
      const input = { metricType, control: 'v0', variants: arms, ...options(random) };
      const outcome = attempt(() => analyseMetric(input));
      const problems =
        !outcome.ok
          ? [errorProblem(outcome.error)].filter((p) => p !== undefined)
          : [...numbers(outcome.value).filter(([, v]) => !Number.isFinite(v)).map(([path]) => `${path} is not finite`), ...outcome.value.comparisons.flatMap((c) => comparisonProblems(c, input.relative ?? true))];
      if (problems.length > 0) failures.push(`${problems.join('; ')} for ${JSON.stringify(input)}`);
    }
    expect(failures.slice(0, 5)).toEqual([]);
  });

  it('sampleRatioMismatch and the power functions', () => {
    const random = new SeededRandom(44);
    const failures: string[] = [];
    for (let i = 0; i < 3_000; i++) {
      const k = 1 + Math.floor(random.uniform() * 4);
      const observed: Record<string, number> = {};
      const weights: Record<string, number> = {};
      for (let v = 0; v < k; v++) {
        observed[`v${v}`] = random.uniform() < 0.1 ? hostileNumber(random) : Math.floor(random.uniform() * pick(random, [0, 10, 1e6, 1e12]));
        weights[`v${v}`] = random.uniform() < 0.1 ? hostileNumber(random) : pick(random, [0, 1, 50_000, 1e-300, random.uniform()]);
      }
      const srm = attempt(() => sampleRatioMismatch(observed, weights));
      if (!srm.ok) {
        const problem = errorProblem(srm.error);
        if (problem) failures.push(`${problem} for ${JSON.stringify({ observed, weights })}`);
      } else if (numbers(srm.value).some(([, v]) => !Number.isFinite(v)) || (srm.value.pValue !== null && !(srm.value.pValue >= 0 && srm.value.pValue <= 1))) {
        failures.push(`${JSON.stringify(srm.value)} for ${JSON.stringify({ observed, weights })}`);
      }
      const design = {
        metricType: pick(random, ['binomial', 'mean'] as const),
        baselineMean: random.uniform() < 0.5 ? random.uniform() : hostileNumber(random),
        variance: random.uniform() < 0.5 ? random.uniform() * 100 : hostileNumber(random),
        relative: pick(random, [true, false]),
        alpha: pick(random, [undefined, 0.05, 1e-9, 0.5, hostileNumber(random)]),
        power: pick(random, [undefined, 0.8, 0.999999, hostileNumber(random)]),
      };
      for (const run of [
        () => sampleSizePerVariant({ ...design, effect: random.uniform() < 0.5 ? random.uniform() * 0.5 : hostileNumber(random) }),
        () => minimumDetectableEffect({ ...design, unitsPerVariant: pick(random, [2, 100, 1e6, 1e15, hostileNumber(random)]) }),
      ]) {
        const outcome = attempt(run);
        const problem = !outcome.ok ? errorProblem(outcome.error) : outcome.value !== null && !(Number.isFinite(outcome.value) && outcome.value > 0) ? `returned ${outcome.value}` : undefined;
        if (problem) failures.push(`${problem} for ${JSON.stringify(design)}`);
      }
    }
    expect(failures.slice(0, 5)).toEqual([]);
  });
});
