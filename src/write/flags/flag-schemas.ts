import { z } from 'zod';
import { FLAG_TYPES } from '../../shared/flag-events.ts';
import { keySchema, mapKeySchema } from '../../shared/keys.ts';
import { targetingSchema } from '../../shared/targeting.ts';

const tagsSchema = z.array(z.string().regex(/^[\w.:/-]{1,64}$/, 'tags are 1 to 64 letters, digits or _ . : / -')).max(50);
const variantsSchema = z.record(mapKeySchema, z.json());

export const createFlagBody = z.strictObject({
  key: keySchema,
  type: z.enum(FLAG_TYPES).default('boolean'),
  description: z.string().max(1_000).default(''),
  tags: tagsSchema.default([]),
  variants: variantsSchema.optional(),
});

/** PUT /admin/flags/:key: fields left out keep their value; the key and type never change. */
export const changeFlagBody = z.strictObject({
  description: z.string().max(1_000).optional(),
  tags: tagsSchema.optional(),
  variants: variantsSchema.optional(),
});

export const targetingBody = targetingSchema;

export const toggleBody = z.strictObject({ enabled: z.boolean() });

export const listFlagsQuery = z.strictObject({
  q: z.string().max(128).optional(),
  tag: z.string().max(64).optional(),
  archived: z.enum(['true', 'false', 'all']).default('false'),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  after: keySchema.optional(),
  /** Only flags not evaluated, or serving one variant to everyone, for `staleDays` days (from evaluation telemetry). */
  stale: z.enum(['true', 'false']).default('false'),
  staleDays: z.coerce.number().int().min(1).max(365).default(30),
});

/** POST …/schedules (`reason`, as for every command, is taken out of the body and recorded on the events). */
export const scheduleBody = z.strictObject({
  /** Not `instantSchema`: that one reads a future time as now; a schedule is all about the future. */
  at: z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone, such as 2025-01-31T12:00:00Z' })
    .transform((text) => new Date(text)),
  // Not a union: a bad targeting is then reported field by field, as PUT …/environments/:env reports it.
  change: z
    .strictObject({ enabled: z.boolean().optional(), targeting: targetingSchema.optional() })
    .refine((change) => (change.enabled === undefined) !== (change.targeting === undefined), {
      error: 'must be { "enabled": true|false } or { "targeting": <the body of PUT …/environments/:env> }',
    }),
  ifVersion: z.number().int().min(1).optional(),
});

export const listSchedulesQuery = z.strictObject({
  status: z.enum(['pending', 'applied', 'failed', 'cancelled']).optional(),
});
