import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { compareBody, powerBody } from '../../src/analytics/stats/stats-schemas.ts';

/** Each issue of a refused body as [path, message]. */
function refusals(schema: z.ZodType, body: unknown): [string, string][] {
  const result = schema.safeParse(body);
  expect(result.success).toBe(false);
  return result.error!.issues.map((i) => [i.path.join('/'), i.message]);
}

describe('compareBody', () => {
  const body = { metricType: 'binomial', control: { n: 100, sum: 10 }, treatment: { n: 100, sum: 12 } };

  it('fills every option with its default', () => {
    expect(compareBody.parse(body)).toEqual({ ...body, method: 'frequentist', relative: true, alpha: 0.05, sequentialTuning: 5_000, alternative: 'two-sided', direction: 'higher-is-better' });
  });

  it('takes α from 1e-12 to 0.5, ends included', () => {
    for (const alpha of [1e-12, 0.5]) expect(compareBody.parse({ ...body, alpha }).alpha).toBe(alpha);
    for (const alpha of [0.99e-12, 0.51]) expect(refusals(compareBody, { ...body, alpha })).toEqual([['alpha', 'must be a number between 1e-12 and 0.5']]);
  });

  it('says what is wrong with n, N* and the prior', () => {
    expect(refusals(compareBody, { ...body, control: { n: 2.5, sum: 1 }, treatment: { n: -1, sum: 0 } })).toEqual([
      ['control/n', 'must be a whole number of units'],
      ['treatment/n', 'must be 0 or more'],
    ]);
    expect(refusals(compareBody, { ...body, sequentialTuning: 0 })).toEqual([['sequentialTuning', 'must be a positive number (N*)']]);
    expect(refusals(compareBody, { ...body, method: 'bayesian', prior: { mean: 0, variance: 0 } })).toEqual([['prior/variance', 'must be positive']]);
  });
});

describe('powerBody', () => {
  const body = { metricType: 'binomial', baselineMean: 0.1, minimumDetectableEffect: 0.05 };

  it('fills every option with its default', () => {
    expect(powerBody.parse(body)).toEqual({ ...body, relative: true, alpha: 0.05, power: 0.8, variants: 2 });
  });

  it('takes α from 1e-12 to 0.5 and a power strictly between 0 and 1', () => {
    for (const alpha of [1e-12, 0.5]) expect(powerBody.parse({ ...body, alpha }).alpha).toBe(alpha);
    for (const alpha of [0.99e-12, 0.51]) expect(refusals(powerBody, { ...body, alpha })).toEqual([['alpha', 'must be a number between 1e-12 and 0.5']]);
    for (const power of [0, 1]) expect(refusals(powerBody, { ...body, power })).toEqual([['power', 'must be between alpha and 1']]);
  });

  it('says what is wrong with the variance, the units and the variants', () => {
    expect(refusals(powerBody, { ...body, metricType: 'mean', variance: 0 })).toEqual([['variance', 'must be positive']]);
    const { minimumDetectableEffect: _, ...byUnits } = body;
    expect(powerBody.parse({ ...byUnits, unitsPerVariant: 2 }).unitsPerVariant).toBe(2);
    expect(refusals(powerBody, { ...byUnits, unitsPerVariant: 1 })).toEqual([['unitsPerVariant', 'must be at least 2']]);
    expect(refusals(powerBody, { ...byUnits, unitsPerVariant: 2.5 })).toEqual([['unitsPerVariant', 'must be a whole number of units']]);
    for (const variants of [2, 20]) expect(powerBody.parse({ ...body, variants }).variants).toBe(variants);
    for (const variants of [1, 21]) expect(refusals(powerBody, { ...body, variants }).map(([path]) => path)).toEqual(['variants']);
  });

  it('needs exactly one of the minimum detectable effect and the units per variant', () => {
    const { minimumDetectableEffect: _, ...neither } = body;
    const both = { ...body, unitsPerVariant: 1_000 };
    for (const wrong of [neither, both]) {
      expect(refusals(powerBody, wrong)).toEqual([['minimumDetectableEffect', 'give exactly one of minimumDetectableEffect and unitsPerVariant']]);
    }
  });
});
