import { describe, expect, it } from 'vitest';
import { compareVariants, type CompareInput, type Comparison, type Method } from '../../src/analytics/stats/compare.ts';

/**
 * A comparison whose relative effect cannot be judged (no control mean, or no variance) is judged on the absolute
 * difference, and two binomial arms without variance on the Agresti–Caffo variance (docs/statistics.md,
 * "Degenerate comparisons"). The numbers are checked to 1e-9 relative against the same formulas evaluated with
 * mpmath at 40 digits (reference/degenerate-references.py prints them).
 */
function precise(actual: number | null | undefined, reference: number, tolerance = 1e-9): void {
  expect(actual).toBeTypeOf('number');
  expect(Math.abs((actual! - reference) / reference), `${actual} vs mpmath ${reference}`).toBeLessThan(tolerance);
}

function preciseInterval(actual: Comparison['ci'], reference: [number, number]): void {
  precise(actual?.[0], reference[0]);
  precise(actual?.[1], reference[1]);
}

const errors = { metricType: 'binomial', direction: 'lower-is-better' } as const;
/** The case: errors stop altogether in the treatment. */
const fewerErrors: CompareInput = { ...errors, control: { n: 1000, sum: 20 }, treatment: { n: 1000, sum: 0 } };
/** Its mirror, the disaster: a treatment that errs where control never did. */
const errorsFromNone: CompareInput = { ...errors, control: { n: 1000, sum: 0 }, treatment: { n: 1000, sum: 300 } };

const ZERO_RELATIVE_VARIANCE = 'the relative effect has zero variance (treatment has no variation and a mean of 0); the comparison is on the absolute difference instead';
const ZERO_CONTROL_MEAN = 'the control mean is 0, so there is no relative effect; the comparison is on the absolute difference instead';
const METHODS: Method[] = ['frequentist', 'sequential', 'bayesian'];

describe('one arm without variance: judged on the absolute difference, with a note', () => {
  it('frequentist: fewer errors are a significant improvement, errors from none a significant regression', () => {
    const better = compareVariants(fewerErrors);
    expect(better).toMatchObject({ status: 'ok', reason: null, effect: 'absolute', note: ZERO_RELATIVE_VARIANCE, significant: true, verdict: 'improvement', relativeLift: -1 });
    expect(better.absoluteLift).toBeCloseTo(-0.02, 15);
    expect(better.absoluteCi).toEqual(better.ci);
    preciseInterval(better.ci, [-0.02868765598983028, -0.011312344010169721]);
    precise(better.pValue, 7.0030150762346025e-6);
    precise(better.standardError, 0.004427188724235731);
    precise(better.degreesOfFreedom, 999);

    const worse = compareVariants(errorsFromNone);
    expect(worse).toMatchObject({ status: 'ok', effect: 'absolute', note: ZERO_CONTROL_MEAN, significant: true, verdict: 'regression', relativeLift: null });
    expect(worse.absoluteLift).toBeCloseTo(0.3, 15);
    expect(worse.absoluteCi).toEqual(worse.ci);
    preciseInterval(worse.ci, [0.2715629705820473, 0.32843702941795266]);
    precise(worse.pValue, 1.6736591804054345e-79, 1e-7);
    precise(worse.standardError, 0.014491376746189439);
  });

  it('sequential: the same verdicts from always-valid p-values', () => {
    const better = compareVariants({ ...fewerErrors, method: 'sequential' });
    expect(better).toMatchObject({ status: 'ok', effect: 'absolute', note: ZERO_RELATIVE_VARIANCE, significant: true, verdict: 'improvement', relativeLift: -1, degreesOfFreedom: null });
    expect(better.absoluteCi).toEqual(better.ci);
    preciseInterval(better.ci, [-0.033829559571665696, -0.006170440428334303]);
    precise(better.pValue, 0.0003592392013203098);

    const worse = compareVariants({ ...errorsFromNone, method: 'sequential' });
    expect(worse).toMatchObject({ status: 'ok', effect: 'absolute', note: ZERO_CONTROL_MEAN, significant: true, verdict: 'regression', relativeLift: null });
    preciseInterval(worse.ci, [0.25473214031067204, 0.34526785968932794]);
    precise(worse.pValue, 3.9456762184222115e-92, 1e-7);
  });

  it('Bayesian: the same verdicts from the chance to win of a lower-is-better metric', () => {
    const better = compareVariants({ ...fewerErrors, method: 'bayesian' });
    expect(better).toMatchObject({ status: 'ok', effect: 'absolute', note: ZERO_RELATIVE_VARIANCE, significant: true, verdict: 'improvement', relativeLift: -1, pValue: null });
    expect(better.absoluteLift).toBeCloseTo(-0.02, 15);
    expect(better.absoluteCi).toEqual(better.ci);
    preciseInterval(better.ci, [-0.028677130452263864, -0.011322869547736137]);
    precise(better.chanceToWin, 0.9999968718822163);
    precise(better.risk, 2.8201794144524834e-9, 1e-6);
    precise(better.riskControl, 0.020000002820179413);

    const worse = compareVariants({ ...errorsFromNone, method: 'bayesian' });
    expect(worse).toMatchObject({ status: 'ok', effect: 'absolute', note: ZERO_CONTROL_MEAN, significant: true, verdict: 'regression', relativeLift: null });
    expect(worse.absoluteLift).toBeCloseTo(0.3, 15);
    preciseInterval(worse.ci, [0.27159742349106747, 0.32840257650893256]);
    precise(worse.chanceToWin, 1.6625996471343394e-95, 1e-6);
    precise(worse.risk, 0.3);
  });

  it('is the comparison asked for with relative: false, plus the note', () => {
    for (const method of METHODS) {
      for (const input of [fewerErrors, errorsFromNone]) {
        const asked = compareVariants({ ...input, method, relative: false });
        expect(asked.note, method).toBeNull();
        expect(compareVariants({ ...input, method }), method).toEqual({ ...asked, note: expect.any(String) });
      }
    }
  });

  it('Bayesian: leaves out a prior stated on the relative effect, since the absolute one is on another scale', () => {
    const prior = { mean: 0.1, variance: 0.01 };
    const flat = compareVariants({ ...fewerErrors, method: 'bayesian', relative: false });
    expect(compareVariants({ ...fewerErrors, method: 'bayesian', prior })).toEqual({ ...flat, note: ZERO_RELATIVE_VARIANCE });
    // asked for on the absolute scale, the prior applies
    expect(compareVariants({ ...fewerErrors, method: 'bayesian', relative: false, prior }).chanceToWin).not.toBe(flat.chanceToWin);
  });
});

describe('both arms without variance', () => {
  const noneAgainstAll: CompareInput = { ...errors, control: { n: 2, sum: 0 }, treatment: { n: 2, sum: 2 } };
  const agrestiCaffo = (relative: boolean): string =>
    `both variants have zero variance but different means (control 0, treatment 1); the variance is estimated with one success and one failure added to each variant (Agresti–Caffo)${relative ? '; the comparison is on the absolute difference instead' : ''}`;

  it('binomial, different means: the observed difference, with the variance of one success and one failure added per arm', () => {
    const frequentist = compareVariants(noneAgainstAll);
    expect(frequentist).toMatchObject({ status: 'ok', effect: 'absolute', note: agrestiCaffo(true), relativeLift: null, absoluteLift: 1, significant: true, verdict: 'regression' });
    expect(frequentist.absoluteCi).toEqual(frequentist.ci);
    preciseInterval(frequentist.ci, [0.25078931489072465, 1.7492106851092752]);
    precise(frequentist.pValue, 0.01712);
    precise(frequentist.standardError, 0.30618621784789724);
    precise(frequentist.degreesOfFreedom, 6);

    const sequential = compareVariants({ ...noneAgainstAll, method: 'sequential' });
    expect(sequential).toMatchObject({ status: 'ok', effect: 'absolute', note: agrestiCaffo(true), absoluteLift: 1, pValue: 1, significant: false, verdict: 'inconclusive' });
    preciseInterval(sequential.ci, [-8.440731129359458, 10.440731129359458]);

    const bayesian = compareVariants({ ...noneAgainstAll, method: 'bayesian' });
    expect(bayesian).toMatchObject({ status: 'ok', effect: 'absolute', note: agrestiCaffo(true), absoluteLift: 1, significant: true, verdict: 'regression' });
    preciseInterval(bayesian.ci, [0.39988604045558623, 1.6001139595444138]);
    precise(bayesian.chanceToWin, 0.000545417588062649);
    precise(bayesian.risk, 1.0000443195355193);
    precise(bayesian.riskControl, 4.431953551928314e-5);
  });

  it('binomial: 0 of 1000 against 1000 of 1000 is certain, and the note says nothing of a relative effect when none was asked for', () => {
    const c = compareVariants({ ...errors, control: { n: 1000, sum: 0 }, treatment: { n: 1000, sum: 1000 }, relative: false });
    expect(c).toMatchObject({ status: 'ok', effect: 'absolute', note: agrestiCaffo(false), absoluteLift: 1, significant: true, verdict: 'regression' });
    preciseInterval(c.ci, [0.9972334330353039, 1.0027665669646961]);
    precise(c.degreesOfFreedom, 2002);
    expect(c.pValue).toBeLessThan(1e-300);
  });

  it('binomial, the mirror: all to none over a control mean that is not 0 still reports the relative lift', () => {
    const c = compareVariants({ metricType: 'binomial', control: { n: 2, sum: 2 }, treatment: { n: 2, sum: 0 } });
    expect(c).toMatchObject({ status: 'ok', effect: 'absolute', relativeLift: -1, absoluteLift: -1, verdict: 'regression' });
    expect(c.note).toMatch(/^both variants have zero variance but different means \(control 1, treatment 0\)/);
    preciseInterval(c.ci, [-1.7492106851092752, -0.25078931489072465]);
  });

  it('the same mean stays insufficient data, for every method', () => {
    for (const method of METHODS) {
      for (const sum of [0, 1000]) {
        const c = compareVariants({ metricType: 'binomial', control: { n: 1000, sum }, treatment: { n: 1000, sum }, method });
        expect(c, `${method} ${sum}`).toMatchObject({
          status: 'insufficient-data',
          verdict: 'insufficient-data',
          reason: 'both variants have zero variance and the same mean, so there is nothing to test',
          note: null,
          ci: null,
          pValue: null,
          chanceToWin: null,
        });
      }
    }
  });

  it('a mean metric with a constant in each arm has no variance to estimate: insufficient data that names the difference', () => {
    const c = compareVariants({ metricType: 'mean', control: { n: 10, sum: 0, sumSquares: 0 }, treatment: { n: 10, sum: 50, sumSquares: 250 }, relative: false });
    expect(c).toMatchObject({
      status: 'insufficient-data',
      reason: 'both variants have zero variance but different means (control 0, treatment 5): the sample differs for certain, but there is no noise to test the difference against',
      absoluteLift: null,
      note: null,
    });
  });
});
