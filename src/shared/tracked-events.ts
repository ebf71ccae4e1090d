import { z } from 'zod';
import { keySchema } from './keys.ts';

/**
 * What applications and servers send for analysis (`POST /api/v1/events`, docs/api.md): exposures (a unit
 * was served a variant) and metric events (a unit did something). Validated here, at the edge and again in
 * the sink, with one schema. `environment` may be sent, but only as the sending key's own (checked at the edge,
 * src/read/ingest.ts, which then sets it on every event it publishes); records without one (published before
 * metric events carried it) are stored with an empty environment, which no experiment's results count.
 */
const eventIdSchema = z.string().min(1).max(128).regex(/^[\w.:-]+$/, 'must be 1 to 128 letters, digits, "_", ".", ":" or "-"');
const unitIdSchema = z.string().min(1).max(256);
const timestampSchema = z.iso.datetime({ offset: true });

export const exposureEventSchema = z.strictObject({
  type: z.literal('exposure'),
  eventId: eventIdSchema,
  flagKey: keySchema,
  experimentKey: keySchema.optional(),
  environment: keySchema.optional(),
  variant: keySchema,
  unitId: unitIdSchema,
  revision: z.number().int().min(0).optional(),
  ruleId: keySchema.optional(),
  reason: z.string().max(64).optional(),
  timestamp: timestampSchema,
});

/** A metric event's name is the `event` a metric definition counts (e.g. `purchase`). */
export const eventNameSchema = z.string().min(1).max(128).regex(/^[\w.:-]+$/, 'must be letters, digits, "_", ".", ":" or "-"');

export const metricEventSchema = z.strictObject({
  type: z.literal('metric'),
  eventId: eventIdSchema,
  name: eventNameSchema,
  environment: keySchema.optional(),
  unitId: unitIdSchema,
  value: z.number().finite().optional(),
  timestamp: timestampSchema,
});

// Stryker disable next-line StringLiteral: caught, not countable: with another key zod throws on the first parse, so the ingest tests fail to load, which Stryker reads as no test failing
export const trackedEventSchema = z.discriminatedUnion('type', [exposureEventSchema, metricEventSchema]);

export type ExposureEvent = z.infer<typeof exposureEventSchema>;
export type MetricEvent = z.infer<typeof metricEventSchema>;
export type TrackedEvent = z.infer<typeof trackedEventSchema>;
