import { z } from 'zod';
import { METRIC_KINDS } from '../../shared/metric-kinds/metric-kinds.ts';
import type { SumName } from '../../shared/metric-kinds/sums.ts';
import { ALPHA_RULE, ALTERNATIVES, DEFAULT_ALPHA, DEFAULT_SEQUENTIAL_TUNING, DIRECTIONS, MAX_ALPHA, METHODS, MIN_ALPHA } from './compare.ts';

// zod's number() already refuses NaN and ±Infinity (JSON.parse turns 1e999 into Infinity).
const sum = z.number();

/** Every sum of the vocabulary: Σy always, the others as the kind and CUPED need them (checked by the engine). */
const sums = {
  sum,
  sumSquares: sum.optional(),
  covariateSum: sum.optional(),
  covariateSumSquares: sum.optional(),
  covariateSumProducts: sum.optional(),
  denominatorSum: sum.optional(),
  denominatorSumSquares: sum.optional(),
  denominatorSumProducts: sum.optional(),
} satisfies Record<SumName, z.ZodType>;

/** One variant's sufficient statistics; the consistency of the sums is checked by the engine (compare.ts). */
const armSchema = z.strictObject({ n: z.number().int('must be a whole number of units').min(0, 'must be 0 or more'), ...sums });

/** POST /admin/stats/compare (docs/statistics.md, "Comparing sums directly"). */
export const compareBody = z.strictObject({
  metricType: z.enum(METRIC_KINDS),
  control: armSchema,
  treatment: armSchema,
  method: z.enum(METHODS).default('frequentist'),
  relative: z.boolean().default(true),
  alpha: z.number().min(MIN_ALPHA, ALPHA_RULE).max(MAX_ALPHA, ALPHA_RULE).default(DEFAULT_ALPHA),
  sequentialTuning: z.number().positive('must be a positive number (N*)').default(DEFAULT_SEQUENTIAL_TUNING),
  prior: z.strictObject({ mean: z.number(), variance: z.number().positive('must be positive') }).optional(),
  alternative: z.enum(ALTERNATIVES).default('two-sided'),
  direction: z.enum(DIRECTIONS).default('higher-is-better'),
});

/**
 * POST /admin/stats/power: planning a two-variant test. Give the minimum detectable effect to get the units
 * needed per variant, or the units per variant to get the effect they can detect. The engine (power.ts) checks
 * what depends on several fields (a conversion rate in (0, 1), power above alpha).
 */
export const powerBody = z
  .strictObject({
    metricType: z.enum(['binomial', 'mean']),
    baselineMean: z.number(),
    variance: z.number().positive('must be positive').optional(),
    relative: z.boolean().default(true),
    alpha: z.number().min(MIN_ALPHA, ALPHA_RULE).max(MAX_ALPHA, ALPHA_RULE).default(DEFAULT_ALPHA),
    power: z.number().gt(0, 'must be between alpha and 1').lt(1, 'must be between alpha and 1').default(0.8),
    minimumDetectableEffect: z.number().optional(),
    unitsPerVariant: z.number().int('must be a whole number of units').min(2, 'must be at least 2').optional(),
    /** How many variants share the traffic, control included: the total is this many times the per-variant size. */
    variants: z.number().int().min(2).max(20).default(2),
  })
  .superRefine((b, ctx) => {
    if ((b.minimumDetectableEffect === undefined) === (b.unitsPerVariant === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['minimumDetectableEffect'], message: 'give exactly one of minimumDetectableEffect and unitsPerVariant' });
    }
  });
