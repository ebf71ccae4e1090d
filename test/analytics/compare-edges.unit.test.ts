import { describe, expect, it } from 'vitest';
import { analyseMetric, compareVariants, type CompareInput, type Comparison } from '../../src/analytics/stats/compare.ts';
import { pooledTheta } from '../../src/analytics/stats/cuped.ts';
import { ValidationError } from '../../src/shared/errors.ts';

// The edges of compareVariants and analyseMetric: each option's refusal, the boundaries of significance, and
// inputs too extreme for double precision.

const golden1: CompareInput = { metricType: 'mean', control: { n: 3407, sum: 1396.87, sumSquares: 52377.9767 }, treatment: { n: 3461, sum: 2422.7, sumSquares: 134698.29 } };
const TOO_EXTREME = 'the sums are too extreme to analyse in double precision';

function refusal(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

const issues = (run: () => unknown): { pointer: string; detail: string }[] => [...refusal(run).issues];

describe('compareVariants refuses each option it cannot use, saying why', () => {
  it('names the input as invalid', () => {
    expect(refusal(() => compareVariants({ ...golden1, alpha: 0.7 })).message).toBe('The statistics input is invalid');
  });

  it('method, relative, direction and alternative', () => {
    expect(issues(() => compareVariants({ ...golden1, method: 'magic' as never }))).toEqual([{ pointer: '#/method', detail: 'must be one of frequentist, bayesian, sequential' }]);
    expect(issues(() => compareVariants({ ...golden1, relative: 'yes' as never }))).toEqual([{ pointer: '#/relative', detail: 'must be true or false' }]);
    expect(issues(() => compareVariants({ ...golden1, direction: 'up' as never }))).toEqual([{ pointer: '#/direction', detail: 'must be one of higher-is-better, lower-is-better' }]);
    expect(issues(() => compareVariants({ ...golden1, alternative: 'both' as never }))).toEqual([{ pointer: '#/alternative', detail: 'must be one of two-sided, one-sided, greater, less' }]);
    expect(issues(() => compareVariants({ ...golden1, method: 'bayesian', alternative: 'less' }))).toEqual([
      { pointer: '#/alternative', detail: 'must be two-sided for the bayesian method; one-sided tests are frequentist' },
    ]);
  });

  it('α from 1e-12 to 0.5, both ends included', () => {
    const rule = [{ pointer: '#/alpha', detail: 'must be a number between 1e-12 and 0.5' }];
    for (const alpha of [1e-12, 0.5]) expect(compareVariants({ ...golden1, alpha }).status).toBe('ok');
    for (const alpha of [0.99e-12, 0.5000001, NaN, '0.05' as never]) expect(issues(() => compareVariants({ ...golden1, alpha }))).toEqual(rule);
  });

  it('a positive, finite N*', () => {
    for (const sequentialTuning of [0, -1, Infinity, NaN]) {
      expect(issues(() => compareVariants({ ...golden1, method: 'sequential', sequentialTuning }))).toEqual([{ pointer: '#/sequentialTuning', detail: 'must be a positive number (N*)' }]);
    }
  });

  it('a prior with a finite mean and a positive, finite variance', () => {
    const bayesian = { ...golden1, method: 'bayesian' as const };
    for (const mean of [NaN, Infinity, '0' as never]) {
      expect(issues(() => compareVariants({ ...bayesian, prior: { mean, variance: 1 } }))).toEqual([{ pointer: '#/prior/mean', detail: 'must be a finite number' }]);
    }
    for (const variance of [0, -1, Infinity]) {
      expect(issues(() => compareVariants({ ...bayesian, prior: { mean: 0, variance } }))).toEqual([{ pointer: '#/prior/variance', detail: 'must be a positive finite number' }]);
    }
  });
});

describe('analyseMetric refuses each problem with its variants, saying why', () => {
  const variants = [
    { variant: 'off', n: 1_000, sum: 100 },
    { variant: 'blue', n: 1_010, sum: 121 },
    { variant: 'green', n: 990, sum: 95 },
  ];

  it('checks the options too', () => {
    expect(issues(() => analyseMetric({ metricType: 'binomial', control: 'off', variants, alpha: 0.7 })).map((i) => i.pointer)).toEqual(['#/alpha']);
  });

  it('names, the control and the number of variants', () => {
    for (const name of ['', 5 as never]) {
      expect(issues(() => analyseMetric({ metricType: 'binomial', control: 'off', variants: [variants[0]!, { ...variants[1]!, variant: name }] }))).toEqual([
        { pointer: '#/variants/1/variant', detail: 'must be a non-empty string' },
      ]);
    }
    expect(issues(() => analyseMetric({ metricType: 'binomial', control: 'off', variants: [...variants, variants[1]!] }))).toEqual([
      { pointer: '#/variants/3/variant', detail: '"blue" appears more than once' },
    ]);
    expect(issues(() => analyseMetric({ metricType: 'binomial', control: 'off', variants: [variants[0]!] }))).toEqual([{ pointer: '#/variants', detail: 'needs the control and at least one treatment' }]);
    expect(issues(() => analyseMetric({ metricType: 'binomial', control: 'red', variants }))).toEqual([{ pointer: '#/control', detail: 'names no variant (off, blue, green)' }]);
  });
});

describe('analyseMetric summaries', () => {
  it('says when CUPED is off', () => {
    const result = analyseMetric({ metricType: 'binomial', control: 'a', variants: [{ variant: 'a', n: 100, sum: 10 }, { variant: 'b', n: 100, sum: 12 }] });
    expect(result).toMatchObject({ cuped: false, cupedTheta: null });
    expect(result.comparisons[0]).toMatchObject({ cuped: false, cupedTheta: null });
  });

  it('reports a mean only where it is a finite number', () => {
    const none = { n: 0, sum: 0, sumSquares: 0, denominatorSum: 0, denominatorSumSquares: 0, denominatorSumProducts: 0 };
    const result = analyseMetric({
      metricType: 'ratio',
      control: 'off',
      variants: [
        { variant: 'off', n: 10, sum: 30, sumSquares: 100, denominatorSum: 20, denominatorSumSquares: 50, denominatorSumProducts: 65 },
        // Σy/Σd overflows
        { variant: 'tiny', n: 2, sum: 1, sumSquares: 1, denominatorSum: 5e-324, denominatorSumSquares: 0, denominatorSumProducts: 0 },
        { variant: 'none', ...none },
      ],
    });
    expect(result.variants).toEqual([
      { variant: 'off', units: 10, mean: 1.5 },
      { variant: 'tiny', units: 2, mean: null },
      { variant: 'none', units: 0, mean: null },
    ]);
  });
});

describe('compareVariants: names and thin data', () => {
  it('names the two arms control and treatment', () => {
    expect(compareVariants(golden1)).toMatchObject({ variant: 'treatment', baseline: 'control', cuped: false, cupedTheta: null });
    expect(compareVariants({ ...golden1, treatment: { n: 1, sum: 1, sumSquares: 1 } }).reason).toBe('each variant needs at least 2 units; treatment has 1');
  });

  it('analyses two units per variant', () => {
    expect(compareVariants({ metricType: 'binomial', control: { n: 2, sum: 1 }, treatment: { n: 2, sum: 1 } })).toMatchObject({ status: 'ok', pValue: 1 });
  });

  it('reports the absolute effect, saying why, over a zero control mean with CUPED too', () => {
    const control = { n: 100, sum: 0, sumSquares: 0, covariateSum: 10, covariateSumSquares: 20, covariateSumProducts: 0 };
    const treatment = { n: 100, sum: 5, sumSquares: 5, covariateSum: 12, covariateSumSquares: 20, covariateSumProducts: 1 };
    const asked = compareVariants({ metricType: 'mean', control, treatment, relative: false });
    expect(asked).toMatchObject({ status: 'ok', effect: 'absolute', cuped: true, relativeLift: null, note: null });
    expect(compareVariants({ metricType: 'mean', control, treatment })).toEqual({
      ...asked,
      note: 'the control mean is 0, so there is no relative effect; the comparison is on the absolute difference instead',
    });
  });
});

describe('compareVariants: sums beyond double precision give insufficient data, never NaN', () => {
  it('when the relative variance is NaN (a control mean whose square underflows)', () => {
    const c = compareVariants({ metricType: 'mean', control: { n: 2, sum: 2e-200, sumSquares: 0 }, treatment: { n: 2, sum: 1, sumSquares: 1 } });
    expect(c).toMatchObject({ status: 'insufficient-data', reason: TOO_EXTREME, relativeLift: null, pValue: null });
  });

  it('leaves out a relative lift that overflows when the absolute effect is reported', () => {
    const c = compareVariants({ metricType: 'mean', relative: false, control: { n: 2, sum: 2e-310, sumSquares: 0 }, treatment: { n: 2, sum: 1, sumSquares: 1 } });
    expect(c).toMatchObject({ status: 'ok', relativeLift: null, absoluteLift: 0.5 });
  });

  it('when a prior meets a variance that underflows its precision', () => {
    const arms = { metricType: 'mean' as const, method: 'bayesian' as const, relative: false, control: { n: 2, sum: 0, sumSquares: 0 }, treatment: { n: 2, sum: 1e-160, sumSquares: 1e-320 } };
    expect(compareVariants(arms).status).toBe('ok');
    expect(compareVariants({ ...arms, prior: { mean: 0, variance: 1 } })).toMatchObject({ status: 'insufficient-data', reason: TOO_EXTREME, chanceToWin: null, ci: null });
  });

  it('when the posterior mean overflows under a prior', () => {
    const c = compareVariants({ ...golden1, method: 'bayesian', prior: { mean: 1e300, variance: 1e-300 } });
    expect(c).toMatchObject({ status: 'insufficient-data', reason: TOO_EXTREME, chanceToWin: null, risk: null });
  });
});

describe('compareVariants: significance at its boundaries', () => {
  const notSignificantAtOwnP = (input: CompareInput): void => {
    const p = compareVariants(input).pValue!;
    expect(compareVariants({ ...input, alpha: p })).toMatchObject({ pValue: p, significant: false, verdict: 'inconclusive' });
  };

  it('frequentist and sequential: p < α, so α = p is not significant', () => {
    notSignificantAtOwnP(golden1);
    notSignificantAtOwnP({ ...golden1, method: 'sequential', relative: false });
  });

  it('sequential: a clear effect is significant', () => {
    const c = compareVariants({ metricType: 'binomial', method: 'sequential', control: { n: 10_000, sum: 1_000 }, treatment: { n: 10_000, sum: 1_300 } });
    expect(c.pValue!).toBeLessThan(1e-6);
    expect(c).toMatchObject({ significant: true, verdict: 'improvement' });
  });

  it('Bayesian: significant from chanceToWin ≥ 1 − α/2 or ≤ α/2, ends included', () => {
    const bayesian = { ...golden1, method: 'bayesian' as const };
    // chanceToWin ≈ 0.97 and ≈ 0.03: inside (α/2, 1 − α/2) at α = 0.05
    const up = compareVariants(bayesian);
    const down = compareVariants({ ...bayesian, direction: 'lower-is-better' });
    expect(up.chanceToWin!).toBeGreaterThan(0.95);
    expect(down.chanceToWin!).toBeLessThan(0.05);
    expect(up).toMatchObject({ significant: false, verdict: 'inconclusive' });
    expect(down).toMatchObject({ significant: false, verdict: 'inconclusive' });
    // α chosen so that 1 − α/2 and α/2 equal chanceToWin exactly
    const win = up.chanceToWin!;
    const lose = down.chanceToWin!;
    expect(compareVariants({ ...bayesian, alpha: 2 * (1 - win) })).toMatchObject({ chanceToWin: win, significant: true, verdict: 'improvement' });
    expect(compareVariants({ ...bayesian, direction: 'lower-is-better', alpha: 2 * lose })).toMatchObject({ chanceToWin: lose, significant: true, verdict: 'regression' });
  });
});

describe('pooledTheta', () => {
  it('is 0 for a covariate whose spread is rounding (below 1e-12 of Σx²)', () => {
    // Σx² − (Σx)²/n = 2 ulps of 2e6, about 9e-10; with Σxy − Σy·x̄ = 1, θ would be about 1e9.
    expect(pooledTheta([{ n: 2, sum: 1, covariateSum: 2_000, covariateSumSquares: 2e6 + 1e-9, covariateSumProducts: 1_001 }])).toBe(0);
    expect(pooledTheta([{ n: 2, sum: 1, covariateSum: 2_000, covariateSumSquares: 2e6 + 1, covariateSumProducts: 1_001 }])).toBeCloseTo(1, 6);
  });

  it('is 0 without units', () => {
    expect(pooledTheta([{ n: 0, sum: 0, covariateSum: 0, covariateSumSquares: 0, covariateSumProducts: 0 }])).toBe(0);
  });
});

export type { Comparison };
