import { RE2JS } from 're2js';
import semver from 'semver';
import { z } from 'zod';
import { attributeSchema, keySchema } from './keys.ts';
import { OPERATOR_INFO, OPERATORS, type Operator } from './operators.ts';

/*
 * The targeting model, as zod schemas: the admin API validates requests with them, the deciders re-check what
 * depends on state, and the read side compiles the same shapes for evaluation.
 */

export const SEGMENT_OPERATORS: ReadonlySet<Operator> = new Set(['in_segment', 'not_in_segment']);

/** Total weight of a split: weights are integers in thousandths of a percent (0.001% granularity). */
export const TOTAL_WEIGHT = 100_000;

const MAX_VALUES = 10_000;
const MAX_STRING = 1_024;
const MAX_REGEX = 1_000;

const scalarSchema = z.union([z.string().max(MAX_STRING), z.number().finite(), z.boolean()]);

/** What each operator's values must be, beyond their count (operators.ts): checked with a message naming the rule. */
const VALUE_CHECKS: Partial<Record<Operator, (v: unknown) => string | undefined>> = {
  contains: mustBeString,
  starts_with: mustBeString,
  ends_with: mustBeString,
  matches: mustBeLinearRegex,
  gt: mustBeNumber,
  gte: mustBeNumber,
  lt: mustBeNumber,
  lte: mustBeNumber,
  before: mustBeInstant,
  after: mustBeInstant,
  semver_eq: mustBeSemver,
  semver_gt: mustBeSemver,
  semver_lt: mustBeSemver,
  in_segment: mustBeKey,
  not_in_segment: mustBeKey,
};

function mustBeString(v: unknown): string | undefined {
  return typeof v === 'string' ? undefined : 'must be a string for this operator';
}
function mustBeNumber(v: unknown): string | undefined {
  return typeof v === 'number' ? undefined : 'must be a number for this operator';
}
function mustBeKey(v: unknown): string | undefined {
  return keySchema.safeParse(v).success ? undefined : 'must be a segment key';
}
function mustBeSemver(v: unknown): string | undefined {
  return typeof v === 'string' && semver.valid(v) !== null ? undefined : 'must be a semantic version such as 1.2.3';
}
function mustBeInstant(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return undefined;
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(v) && !Number.isNaN(Date.parse(v))) {
    return undefined;
  }
  return 'must be an ISO 8601 date-time or milliseconds since the epoch';
}
/** Regexes run on RE2's linear-time engine, so a pattern can never backtrack catastrophically. */
function mustBeLinearRegex(v: unknown): string | undefined {
  if (typeof v !== 'string') return 'must be a regular expression string';
  if (v.length > MAX_REGEX) return `must be at most ${MAX_REGEX} characters`;
  try {
    RE2JS.compile(v);
    return undefined;
  } catch (error) {
    return `is not a valid RE2 regular expression (backreferences and lookaround are not supported): ${(error as Error).message}`;
  }
}

export const conditionSchema = z
  .strictObject({
    attribute: attributeSchema.optional(),
    operator: z.enum(OPERATORS, { error: () => `must be one of ${OPERATORS.join(', ')}` }),
    values: z.array(scalarSchema).max(MAX_VALUES).default([]),
  })
  .superRefine((condition, ctx) => {
    const count = OPERATOR_INFO[condition.operator].values;
    const check = VALUE_CHECKS[condition.operator];
    if (!SEGMENT_OPERATORS.has(condition.operator) && condition.attribute === undefined) {
      ctx.addIssue({ code: 'custom', path: ['attribute'], message: `is required for operator ${condition.operator}` });
    }
    const n = condition.values.length;
    if (count === 'none' && n > 0) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `must be empty for operator ${condition.operator}` });
    }
    if (count === 'one' && n !== 1) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `must hold exactly one value for operator ${condition.operator}` });
    }
    if (count === 'many' && n === 0) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `must hold at least one value for operator ${condition.operator}` });
    }
    if (check) {
      condition.values.forEach((value, i) => {
        const problem = check(value);
        if (problem) ctx.addIssue({ code: 'custom', path: ['values', i], message: problem });
      });
    }
  });
export type Condition = z.infer<typeof conditionSchema>;

export const weightedVariantSchema = z.strictObject({
  variant: keySchema,
  weight: z.number().int().min(0).max(TOTAL_WEIGHT),
});
export type WeightedVariant = z.infer<typeof weightedVariantSchema>;

export const splitSchema = z
  .array(weightedVariantSchema)
  .min(1)
  .superRefine((split, ctx) => {
    const total = split.reduce((sum, part) => sum + part.weight, 0);
    if (total !== TOTAL_WEIGHT) {
      ctx.addIssue({ code: 'custom', message: `weights must sum to ${TOTAL_WEIGHT} (100%), not ${total}` });
    }
    const seen = new Set<string>();
    split.forEach((part, i) => {
      if (seen.has(part.variant)) ctx.addIssue({ code: 'custom', path: [i, 'variant'], message: 'appears twice in the split' });
      seen.add(part.variant);
    });
  });

export const serveSchema = z.union([
  z.strictObject({ variant: keySchema }),
  z.strictObject({ split: splitSchema }),
]);
export type Serve = z.infer<typeof serveSchema>;

export const ruleSchema = z.strictObject({
  id: keySchema.optional(),
  description: z.string().max(MAX_STRING).optional(),
  conditions: z.array(conditionSchema).max(100).default([]),
  serve: serveSchema,
});
export type RuleInput = z.infer<typeof ruleSchema>;
export type Rule = RuleInput & { id: string };

export const targetSchema = z.strictObject({
  variant: keySchema,
  units: z.array(z.string().min(1).max(256)).min(1).max(MAX_VALUES),
});

export const prerequisiteSchema = z.strictObject({ flagKey: keySchema, variant: keySchema });

export const targetingSchema = z
  .strictObject({
    enabled: z.boolean(),
    offVariant: keySchema,
    bucketBy: attributeSchema.default('targetingKey'),
    prerequisites: z.array(prerequisiteSchema).max(100).default([]),
    targets: z.array(targetSchema).max(1_000).default([]),
    rules: z.array(ruleSchema).max(1_000).default([]),
    defaultServe: serveSchema,
  })
  .superRefine((targeting, ctx) => {
    const ruleIds = new Set<string>();
    targeting.rules.forEach((rule, i) => {
      if (rule.id === undefined) return;
      if (ruleIds.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: 'is used by another rule' });
      ruleIds.add(rule.id);
    });
    const targeted = new Map<string, number>();
    targeting.targets.forEach((target, i) => {
      target.units.forEach((unit, j) => {
        const other = targeted.get(unit);
        if (other !== undefined && other !== i) {
          ctx.addIssue({ code: 'custom', path: ['targets', i, 'units', j], message: `is already targeted by targets[${other}]` });
        }
        targeted.set(unit, i);
      });
    });
  });
export type TargetingInput = z.infer<typeof targetingSchema>;
/** Stored targeting: every rule has an id. */
export type Targeting = Omit<TargetingInput, 'rules'> & { rules: Rule[] };

/** Gives rules without an id the first free `rule-N`, so every rule can be named in results and traces. */
export function withRuleIds(targeting: TargetingInput): Targeting {
  const used = new Set(targeting.rules.flatMap((rule) => (rule.id === undefined ? [] : [rule.id])));
  let next = 1;
  const rules = targeting.rules.map((rule) => {
    if (rule.id !== undefined) return { ...rule, id: rule.id };
    while (used.has(`rule-${next}`)) next++;
    const id = `rule-${next}`;
    used.add(id);
    return { ...rule, id };
  });
  return { ...targeting, rules };
}

export function variantsServed(serve: Serve): string[] {
  return 'variant' in serve ? [serve.variant] : serve.split.map((part) => part.variant);
}

export function segmentsReferenced(conditions: readonly Condition[]): string[] {
  return conditions.flatMap((c) => (SEGMENT_OPERATORS.has(c.operator) ? c.values.map(String) : []));
}
