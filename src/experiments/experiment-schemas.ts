import { z } from 'zod';
import { ANALYSIS_METHODS } from '../shared/experiment-events.ts';
import { METRIC_KINDS } from '../shared/metric-kinds/metric-kinds.ts';
import { keySchema } from '../shared/keys.ts';
import { conditionSchema, weightedVariantSchema } from '../shared/targeting.ts';
import { eventNameSchema } from '../shared/tracked-events.ts';


const metricDefinition = {
  description: z.string().max(1_000).default(''),
  kind: z.enum(METRIC_KINDS),
  event: eventNameSchema.optional(),
  numerator: eventNameSchema.optional(),
  denominator: eventNameSchema.optional(),
  direction: z.enum(['higher', 'lower']).default('higher'),
  windowHours: z.number().positive().max(24 * 365).optional(),
  winsorizePercentile: z.number().gt(0).lt(1).optional(),
};
export const defineMetricBody = z.strictObject({ key: keySchema, ...metricDefinition });
export const changeMetricBody = z.strictObject(metricDefinition);

const design = {
  flagKey: keySchema,
  environment: keySchema,
  hypothesis: z.string().max(2_000).default(''),
  description: z.string().max(2_000).default(''),
  variants: z.array(weightedVariantSchema).min(2).max(20),
  controlVariant: keySchema,
  trafficPercent: z.number().gt(0).max(100).multipleOf(0.001).default(100),
  audience: z.array(conditionSchema).max(100).default([]),
  primaryMetric: keySchema,
  secondaryMetrics: z.array(keySchema).max(50).default([]),
  guardrailMetrics: z.array(keySchema).max(50).default([]),
  minimumDetectableEffect: z.number().positive().optional(),
  alpha: z.number().gt(0).lt(0.5).default(0.05),
  power: z.number().gt(0).lt(1).default(0.8),
  method: z.enum(ANALYSIS_METHODS).default('frequentist'),
  cuped: z.boolean().default(false),
};
export const createExperimentBody = z.strictObject({ key: keySchema, ...design });
export const changeExperimentBody = z.strictObject(design);
export const restartExperimentBody = z.strictObject({ rerandomize: z.boolean() });
export const concludeExperimentBody = z.strictObject({ winningVariant: keySchema.nullable() });
