import { describe, expect, it } from 'vitest';
import { analyseMetric, compareVariants, type CompareInput, type Comparison } from '../../src/analytics/stats/compare.ts';
import { studentTSurvival } from '../../src/analytics/stats/distributions.ts';
import { relativeEffect } from '../../src/analytics/stats/effect.ts';
import { welchTest } from '../../src/analytics/stats/frequentist.ts';
import { sequentialHalfWidth } from '../../src/analytics/stats/sequential.ts';
import { ValidationError } from '../../src/shared/errors.ts';
import type { SufficientStatistics } from '../../src/shared/metric-kinds/sums.ts';

const control = { n: 3407, sum: 1396.87, sumSquares: 52377.9767 };
const treatment = { n: 3461, sum: 2422.7, sumSquares: 134698.29 };
const golden1: CompareInput = { metricType: 'mean', control, treatment };

function validationIssues(run: () => unknown): { pointer: string; detail: string }[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return [...(error as ValidationError).issues];
  }
  throw new Error('expected a ValidationError');
}

function sumsOf(rows: readonly { y: number; d?: number; x?: number }[]): SufficientStatistics {
  const sum = (f: (r: (typeof rows)[number]) => number): number => rows.reduce((s, r) => s + f(r), 0);
  return {
    n: rows.length,
    sum: sum((r) => r.y),
    sumSquares: sum((r) => r.y * r.y),
    ...(rows[0]?.d !== undefined ? { denominatorSum: sum((r) => r.d!), denominatorSumSquares: sum((r) => r.d! ** 2), denominatorSumProducts: sum((r) => r.y * r.d!) } : {}),
    ...(rows[0]?.x !== undefined ? { covariateSum: sum((r) => r.x!), covariateSumSquares: sum((r) => r.x! ** 2), covariateSumProducts: sum((r) => r.y * r.x!) } : {}),
  };
}

describe('compareVariants: lower-is-better metrics', () => {
  it('calls a significant increase a regression, and flips chance to win and the two risks', () => {
    const higher = compareVariants({ ...golden1, relative: false });
    const lower = compareVariants({ ...golden1, relative: false, direction: 'lower-is-better' });
    expect(higher).toMatchObject({ significant: true, verdict: 'improvement' });
    expect(lower).toMatchObject({ significant: true, verdict: 'regression', pValue: higher.pValue, ci: higher.ci });

    const bHigher = compareVariants({ ...golden1, method: 'bayesian' });
    const bLower = compareVariants({ ...golden1, method: 'bayesian', direction: 'lower-is-better' });
    expect(bLower.chanceToWin).toBeCloseTo(1 - bHigher.chanceToWin!, 14);
    expect(bLower.risk).toBe(bHigher.riskControl);
    expect(bLower.riskControl).toBe(bHigher.risk);
    // risk of shipping a treatment that raises a lower-is-better metric exceeds the risk of keeping control
    expect(bLower.risk!).toBeGreaterThan(bLower.riskControl!);
  });

  it('points a one-sided test at the improvement: "greater" when higher is better, "less" when lower is', () => {
    const twoSided = compareVariants(golden1);
    const up = compareVariants({ ...golden1, alternative: 'one-sided' });
    expect(up.alternative).toBe('greater');
    expect(up.pValue).toBeCloseTo(twoSided.pValue! / 2, 15);
    expect(up.ci![1]).toBeNull();
    expect(up.ci![0]!).toBeGreaterThan(twoSided.ci![0]!); // t_{0.95} < t_{0.975}
    expect(up).toMatchObject({ significant: true, verdict: 'improvement' }); // p ≈ 0.031

    const down = compareVariants({ ...golden1, alternative: 'one-sided', direction: 'lower-is-better' });
    expect(down.alternative).toBe('less');
    expect(down.pValue).toBeCloseTo(1 - twoSided.pValue! / 2, 14);
    expect(down.ci![0]).toBeNull();
    expect(down).toMatchObject({ significant: false, verdict: 'inconclusive' });

    // Asking explicitly for "greater" on a lower-is-better metric tests for harm: significant means a regression.
    const harm = compareVariants({ ...golden1, alternative: 'greater', direction: 'lower-is-better' });
    expect(harm).toMatchObject({ significant: true, verdict: 'regression' });
  });
});

describe('one-sided intervals and negative baselines', () => {
  // Δ = 0.3, √V = 0.2, ν = 50: t_{0.95,50} = 1.675905025 and t_{0.975,50} = 2.008559112 (R: qt(0.95, 50), qt(0.975, 50)).
  const effect = { estimate: 0.3, variance: 0.04, df: 50 };

  it('bounds "greater" from below and "less" from above, each one critical value from the estimate', () => {
    const greater = welchTest(effect, 0.05, 'greater');
    const less = welchTest(effect, 0.05, 'less');
    const twoSided = welchTest(effect, 0.05, 'two-sided');
    expect(greater.interval[0]).toBeCloseTo(0.3 - 1.675905025 * 0.2, 8);
    expect(greater.interval[1]).toBeNull();
    expect(less.interval[0]).toBeNull();
    expect(less.interval[1]).toBeCloseTo(0.3 + 1.675905025 * 0.2, 8);
    expect(twoSided.interval[0]).toBeCloseTo(0.3 - 2.008559112 * 0.2, 8);
    expect(twoSided.interval[1]).toBeCloseTo(0.3 + 2.008559112 * 0.2, 8);
    expect(greater.pValue + less.pValue).toBeCloseTo(1, 12);
  });

  it('measures a relative effect against the size of a negative control mean, so an increase stays positive', () => {
    // A metric that is negative on average (a net balance): control −2, treatment −1 is a rise of half the baseline.
    const control = { n: 100, mean: -2, variance: 1 };
    const treatment = { n: 100, mean: -1, variance: 1 };
    const rise = relativeEffect(control, treatment);
    expect(rise.estimate).toBeCloseTo(0.5, 12);
    // V = s²_T/(n_T·m_C²) + m_T²·s²_C/(n_C·m_C⁴) = 1/400 + 1/1600
    expect(rise.variance).toBeCloseTo(1 / 400 + 1 / 1600, 12);
    expect(relativeEffect(control, { ...treatment, mean: -3 }).estimate).toBeCloseTo(-0.5, 12);
  });
});

describe('compareVariants: insufficient data instead of misleading numbers', () => {
  const empty = (c: Comparison): void => {
    expect(c.status).toBe('insufficient-data');
    expect(c.verdict).toBe('insufficient-data');
    expect(c.significant).toBe(false);
    for (const field of ['relativeLift', 'ci', 'absoluteLift', 'absoluteCi', 'pValue', 'chanceToWin', 'risk', 'riskControl', 'standardError'] as const) {
      expect(c[field], field).toBeNull();
    }
  };

  it('needs at least 2 units per variant', () => {
    for (const n of [0, 1]) {
      const c = compareVariants({ metricType: 'binomial', control: { n, sum: 0 }, treatment: { n: 50, sum: 5 } });
      empty(c);
      expect(c.reason).toBe(`each variant needs at least 2 units; control has ${n}`);
    }
    empty(compareVariants({ metricType: 'mean', control, treatment: { n: 1, sum: 3, sumSquares: 9 }, method: 'bayesian' }));
  });

  it('judges a control mean of 0 on the absolute effect, saying so, since a relative one is undefined', () => {
    const arms = { control: { n: 200, sum: 0 }, treatment: { n: 200, sum: 7 } };
    const absolute = compareVariants({ metricType: 'binomial', ...arms, relative: false });
    expect(absolute).toMatchObject({ status: 'ok', effect: 'absolute', absoluteLift: 0.035, relativeLift: null, note: null });
    const relative = compareVariants({ metricType: 'binomial', ...arms });
    expect(relative).toEqual({ ...absolute, note: expect.stringMatching(/^the control mean is 0, so there is no relative effect; the comparison is on the absolute difference instead$/) });
  });

  it('needs some variance: two arms without any variation and the same mean cannot be tested', () => {
    const c = compareVariants({ metricType: 'binomial', control: { n: 100, sum: 100 }, treatment: { n: 100, sum: 100 } });
    empty(c);
    expect(c.reason).toBe('both variants have zero variance and the same mean, so there is nothing to test');
    const constants = compareVariants({ metricType: 'mean', control: { n: 5, sum: 10, sumSquares: 20 }, treatment: { n: 5, sum: 15, sumSquares: 45 }, method: 'sequential' });
    empty(constants);
    expect(constants.reason).toBe('both variants have zero variance but different means (control 2, treatment 3): the sample differs for certain, but there is no noise to test the difference against');
    // Variance in one arm is enough (Welch's ν is then that arm's n − 1).
    const one = compareVariants({ metricType: 'mean', control: { n: 5, sum: 10, sumSquares: 20 }, treatment: { n: 8, sum: 20, sumSquares: 60 }, relative: false });
    expect(one.status).toBe('ok');
    expect(one.degreesOfFreedom).toBeCloseTo(7, 12);
  });

  it('judges a treatment without conversions on the absolute effect, saying so, since the relative variance is 0', () => {
    const arms = { control: { n: 100, sum: 5 }, treatment: { n: 100, sum: 0 } };
    const absolute = compareVariants({ metricType: 'binomial', ...arms, relative: false });
    expect(absolute).toMatchObject({ status: 'ok', effect: 'absolute', relativeLift: -1, note: null });
    expect(compareVariants({ metricType: 'binomial', ...arms })).toEqual({
      ...absolute,
      note: 'the relative effect has zero variance (treatment has no variation and a mean of 0); the comparison is on the absolute difference instead',
    });
  });

  it('needs a non-zero denominator for ratio metrics', () => {
    const arm = { n: 10, sum: 0, sumSquares: 0, denominatorSum: 0, denominatorSumSquares: 0, denominatorSumProducts: 0 };
    const c = compareVariants({ metricType: 'ratio', control: arm, treatment: { ...arm, sum: 4, sumSquares: 4, denominatorSum: 4, denominatorSumSquares: 4, denominatorSumProducts: 4 } });
    empty(c);
    expect(c.reason).toMatch(/denominator sum of control is 0/);
  });
});

describe('compareVariants: invalid input is a ValidationError naming each field', () => {
  it('rejects negative and fractional counts, conversions beyond n, NaN and infinities', () => {
    expect(validationIssues(() => compareVariants({ metricType: 'binomial', control: { n: -3, sum: 0 }, treatment: { n: 10, sum: 11 } }))).toEqual([
      { pointer: '#/control/n', detail: 'must be a whole number of units, 0 or more' },
      { pointer: '#/treatment/sum', detail: 'must be a whole number of converted units between 0 and n (10)' },
    ]);
    expect(validationIssues(() => compareVariants({ metricType: 'binomial', control: { n: 10.5, sum: -1 }, treatment: { n: 10, sum: 1 } })).map((i) => i.pointer)).toEqual(['#/control/n']);
    expect(validationIssues(() => compareVariants({ metricType: 'mean', control: { n: 10, sum: NaN, sumSquares: 1 }, treatment: { n: 10, sum: 1, sumSquares: Infinity } }))).toEqual([
      { pointer: '#/control/sum', detail: 'must be a finite number' },
      { pointer: '#/treatment/sumSquares', detail: 'must be a finite number' },
    ]);
  });

  it('rejects sums that no set of n values can have', () => {
    // Σy² < (Σy)²/n
    expect(validationIssues(() => compareVariants({ metricType: 'mean', control: { n: 4, sum: 10, sumSquares: 24 }, treatment })).map((i) => i.pointer)).toEqual(['#/control/sumSquares']);
    // but a few ulps of rounding are forgiven: four values of exactly 2.5 stored with rounding error
    const rounded = compareVariants({ metricType: 'mean', control: { n: 4, sum: 10, sumSquares: 25 * (1 - 1e-15) }, treatment: { n: 3, sum: 6, sumSquares: 12 } });
    expect(rounded).toMatchObject({ status: 'insufficient-data', reason: expect.stringMatching(/^both variants have zero variance but different means \(control 2.5, treatment 2\)/) });
    expect(validationIssues(() => compareVariants({ metricType: 'mean', control: { n: 0, sum: 1, sumSquares: 1 }, treatment })).map((i) => i.pointer)).toEqual(['#/control/sumSquares']);
    expect(validationIssues(() => compareVariants({ metricType: 'binomial', control: { n: 10, sum: 3, sumSquares: 4 }, treatment: { n: 10, sum: 3 } })).map((i) => i.pointer)).toEqual(['#/control/sumSquares']);
    // |Σxy − Σx·Σy/n| beyond Cauchy–Schwarz
    const cuped = { covariateSum: 10, covariateSumSquares: 30, covariateSumProducts: 5_000 };
    expect(validationIssues(() => compareVariants({ metricType: 'mean', control: { ...control, ...cuped }, treatment: { ...treatment, ...cuped, covariateSumProducts: 700 } })).map((i) => i.pointer)).toEqual([
      '#/control/covariateSumProducts',
    ]);
  });

  it('rejects missing, partial and misplaced sums', () => {
    expect(validationIssues(() => compareVariants({ metricType: 'mean', control: { n: 10, sum: 3 }, treatment }))).toEqual([{ pointer: '#/control/sumSquares', detail: 'is required for a mean metric' }]);
    expect(validationIssues(() => compareVariants({ metricType: 'mean', control: { ...control, covariateSum: 1 }, treatment })).map((i) => i.pointer)).toEqual([
      '#/control/covariateSumSquares',
      '#/control/covariateSumProducts',
      '#/treatment/covariateSum',
    ]);
    expect(validationIssues(() => compareVariants({ metricType: 'ratio', control, treatment })).map((i) => i.pointer)).toContain('#/control/denominatorSum');
    expect(validationIssues(() => compareVariants({ metricType: 'mean', control: { ...control, denominatorSum: 3 }, treatment }))).toEqual([{ pointer: '#/control/denominatorSum', detail: 'applies to ratio metrics only' }]);
  });

  it('rejects options that do not fit the method', () => {
    expect(validationIssues(() => compareVariants({ ...golden1, prior: { mean: 0, variance: 1 } }))).toEqual([{ pointer: '#/prior', detail: 'applies to the bayesian method only' }]);
    expect(validationIssues(() => compareVariants({ ...golden1, method: 'bayesian', prior: { mean: 0, variance: 0 } })).map((i) => i.pointer)).toEqual(['#/prior/variance']);
    expect(validationIssues(() => compareVariants({ ...golden1, method: 'sequential', alternative: 'greater' })).map((i) => i.pointer)).toEqual(['#/alternative']);
    expect(validationIssues(() => compareVariants({ ...golden1, alpha: 0.7, sequentialTuning: -1 })).map((i) => i.pointer)).toEqual(['#/alpha', '#/sequentialTuning']);
    expect(validationIssues(() => compareVariants({ ...golden1, metricType: 'median' as never }))).toEqual([{ pointer: '#/metricType', detail: 'must be one of binomial, mean, ratio' }]);
  });
});

describe('compareVariants: ratio metrics by the delta method', () => {
  // Revenue over orders per user, as rows; the test recomputes the per-arm variance as var(y − R·d)/m_d², an
  // algebraically equal but independently computed form of the delta-method σ²_R (docs/statistics.md).
  const controlRows = [3, 0, 1, 2, 4, 1, 0, 2, 3, 1, 2, 2].map((d, i) => ({ d, y: d * 20 + ((i * 7) % 5) - 2 }));
  const treatmentRows = [2, 1, 3, 0, 4, 2, 2, 1, 3, 5].map((d, i) => ({ d, y: d * 24 + ((i * 3) % 7) - 3 }));
  const linearised = (rows: typeof controlRows): { n: number; mean: number; variance: number } => {
    const n = rows.length;
    const ratio = rows.reduce((s, r) => s + r.y, 0) / rows.reduce((s, r) => s + r.d, 0);
    const meanD = rows.reduce((s, r) => s + r.d, 0) / n;
    const residuals = rows.map((r) => r.y - ratio * r.d);
    const meanResidual = residuals.reduce((s, e) => s + e, 0) / n;
    const variance = residuals.reduce((s, e) => s + (e - meanResidual) ** 2, 0) / (n - 1) / meanD ** 2;
    return { n, mean: ratio, variance };
  };

  it('matches the linearised computation from the rows', () => {
    const c = linearised(controlRows);
    const t = linearised(treatmentRows);
    const result = compareVariants({ metricType: 'ratio', control: sumsOf(controlRows), treatment: sumsOf(treatmentRows), relative: false });
    const v = t.variance / t.n + c.variance / c.n;
    const df = v ** 2 / ((t.variance / t.n) ** 2 / (t.n - 1) + (c.variance / c.n) ** 2 / (c.n - 1));
    expect(result.absoluteLift).toBeCloseTo(t.mean - c.mean, 12);
    expect(result.standardError).toBeCloseTo(Math.sqrt(v), 12);
    expect(result.degreesOfFreedom).toBeCloseTo(df, 9);
    expect(result.pValue).toBeCloseTo(2 * studentTSurvival(Math.abs(t.mean - c.mean) / Math.sqrt(v), df), 12);
    const relative = compareVariants({ metricType: 'ratio', control: sumsOf(controlRows), treatment: sumsOf(treatmentRows) });
    expect(relative.relativeLift).toBeCloseTo((t.mean - c.mean) / c.mean, 12);
    expect(relative.standardError).toBeCloseTo(Math.sqrt(t.variance / (t.n * c.mean ** 2) + (t.mean ** 2 * c.variance) / (c.n * c.mean ** 4)), 12);
  });

  it('does not do CUPED on ratios', () => {
    const arm = { ...sumsOf(controlRows), covariateSum: 1, covariateSumSquares: 1, covariateSumProducts: 1 };
    expect(validationIssues(() => compareVariants({ metricType: 'ratio', control: arm, treatment: arm })).map((i) => i.detail)).toContain('CUPED is not supported for ratio metrics');
  });
});

describe('compareVariants: CUPED', () => {
  it('with a covariate that carries no information, θ = 0 and the result is the unadjusted one', () => {
    const flat = (arm: typeof control): SufficientStatistics => ({ ...arm, covariateSum: 2 * arm.n, covariateSumSquares: 4 * arm.n, covariateSumProducts: 2 * arm.sum });
    const adjusted = compareVariants({ metricType: 'mean', control: flat(control), treatment: flat(treatment) });
    const plain = compareVariants(golden1);
    expect(adjusted.cupedTheta).toBe(0);
    expect(adjusted.relativeLift).toBeCloseTo(plain.relativeLift!, 12);
    expect(adjusted.pValue).toBeCloseTo(plain.pValue!, 12);
  });

  it('narrows the interval when the pre-exposure value predicts the metric', () => {
    // y = x + small noise: θ ≈ 1 and the adjusted variance is the noise's.
    const rows = (n: number, shift: number): { x: number; y: number }[] =>
      Array.from({ length: n }, (_, i) => {
        const x = 10 + ((i * 37) % 23);
        return { x, y: x + shift + (((i * 11) % 7) - 3) / 3 };
      });
    const c = sumsOf(rows(300, 0));
    const t = sumsOf(rows(280, 0.5));
    const adjusted = compareVariants({ metricType: 'mean', control: c, treatment: t, relative: false });
    const { covariateSum: _a, covariateSumSquares: _b, covariateSumProducts: _c, ...plainControl } = c;
    const { covariateSum: _d, covariateSumSquares: _e, covariateSumProducts: _f, ...plainTreatment } = t;
    const plain = compareVariants({ metricType: 'mean', control: plainControl, treatment: plainTreatment, relative: false });
    expect(adjusted.cupedTheta!).toBeGreaterThan(0.9);
    expect(adjusted.standardError!).toBeLessThan(plain.standardError! / 5);
    expect(adjusted.verdict).toBe('improvement');
    expect(adjusted.absoluteLift!).toBeCloseTo(0.5, 1);
  });
});

describe('compareVariants: Bayesian and sequential details', () => {
  it('applies the prior to the reported effect: a tight prior pulls the posterior towards its mean', () => {
    const flat = compareVariants({ ...golden1, method: 'bayesian' });
    const tight = compareVariants({ ...golden1, method: 'bayesian', prior: { mean: 0, variance: 1e-4 } });
    expect(Math.abs(tight.relativeLift!)).toBeLessThan(flat.relativeLift! / 100);
    expect(tight.absoluteCi).toEqual(flat.absoluteCi); // the absolute effect keeps the flat prior
    const absolute = compareVariants({ ...golden1, method: 'bayesian', relative: false, prior: { mean: 0, variance: 1e-4 } });
    expect(absolute.absoluteLift!).toBeLessThan(0.29 / 2);
    expect(absolute.ci).toEqual(absolute.absoluteCi);
  });

  it('calls a Bayesian result significant when its credible interval excludes 0', () => {
    const c = compareVariants({ ...golden1, method: 'bayesian', relative: false });
    expect(c.ci![0]!).toBeGreaterThan(0);
    expect(c.chanceToWin!).toBeGreaterThan(0.975);
    expect(c).toMatchObject({ significant: true, verdict: 'improvement' });
  });

  it('gives the always-valid p-value at which the confidence sequence just touches 0', () => {
    const c = compareVariants({ ...golden1, method: 'sequential', relative: false });
    const n = control.n + treatment.n;
    const v = c.standardError! ** 2;
    expect(sequentialHalfWidth(v, n, c.pValue!, 5_000)).toBeCloseTo(Math.abs(c.absoluteLift!), 10);
    expect(c.significant).toBe(c.ci![0]! > 0 || c.ci![1]! < 0);
    // the half-width falls as α grows, which the bisection relies on
    let previous = Infinity;
    for (let logAlpha = -700; logAlpha < 0; logAlpha += 0.5) {
      const width = sequentialHalfWidth(1, 1_000, Math.exp(logAlpha), 5_000);
      expect(width).toBeLessThan(previous);
      previous = width;
    }
    // an effect inside the α → 1 limit √V·√(1 + N*/(2n)) has p = 1
    expect(compareVariants({ metricType: 'mean', method: 'sequential', control, treatment: { ...control, sum: control.sum * 1.001 } }).pValue).toBe(1);
  });

  it('is always wider than the fixed-horizon interval', () => {
    const fixed = compareVariants(golden1);
    const sequential = compareVariants({ ...golden1, method: 'sequential' });
    expect(sequential.ci![1]! - sequential.ci![0]!).toBeGreaterThan(fixed.ci![1]! - fixed.ci![0]!);
  });
});

describe('analyseMetric: every treatment against control', () => {
  const variants = [
    { variant: 'off', n: 1_000, sum: 100 },
    { variant: 'blue', n: 1_010, sum: 121 },
    { variant: 'green', n: 990, sum: 95 },
  ];

  it('names each comparison and summarises each variant', () => {
    const result = analyseMetric({ metricType: 'binomial', control: 'off', variants });
    expect(result.variants).toEqual([
      { variant: 'off', units: 1_000, mean: 0.1 },
      { variant: 'blue', units: 1_010, mean: 121 / 1_010 },
      { variant: 'green', units: 990, mean: 95 / 990 },
    ]);
    expect(result.comparisons.map((c) => [c.baseline, c.variant])).toEqual([
      ['off', 'blue'],
      ['off', 'green'],
    ]);
    const pair = compareVariants({ metricType: 'binomial', control: variants[0]!, treatment: variants[1]! });
    expect(result.comparisons[0]).toEqual({ ...pair, variant: 'blue', baseline: 'off' });
  });

  it('pools CUPED θ over all arms', () => {
    const withX = variants.map((v, i) => ({ ...v, covariateSum: 80 + i * 3, covariateSumSquares: 80 + i * 3, covariateSumProducts: 30 + i * 5 }));
    const all = analyseMetric({ metricType: 'binomial', control: 'off', variants: withX });
    const pair = compareVariants({ metricType: 'binomial', control: withX[0]!, treatment: withX[1]! });
    expect(all.cuped).toBe(true);
    expect(all.comparisons.every((c) => c.cupedTheta === all.cupedTheta)).toBe(true);
    expect(all.cupedTheta).not.toBeCloseTo(pair.cupedTheta!, 6);
  });

  it('rejects an unknown control, duplicate names and a lone variant', () => {
    expect(validationIssues(() => analyseMetric({ metricType: 'binomial', control: 'red', variants })).map((i) => i.pointer)).toEqual(['#/control']);
    expect(validationIssues(() => analyseMetric({ metricType: 'binomial', control: 'off', variants: [...variants, variants[1]!] })).map((i) => i.pointer)).toEqual(['#/variants/3/variant']);
    expect(validationIssues(() => analyseMetric({ metricType: 'binomial', control: 'off', variants: [variants[0]!] })).map((i) => i.pointer)).toEqual(['#/variants']);
    expect(validationIssues(() => analyseMetric({ metricType: 'binomial', control: 'off', variants: [variants[0]!, { variant: 'x', n: 5, sum: 6 }] })).map((i) => i.pointer)).toEqual(['#/variants/1/sum']);
  });
});
