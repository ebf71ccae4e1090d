import type { SegmentDefinition } from '../../src/shared/segment-events.ts';
import { OPERATORS, type Operator } from '../../src/shared/operators.ts';
import { SEGMENT_OPERATORS, type Condition, type Serve, type TargetingInput } from '../../src/shared/targeting.ts';

/**
 * Random but valid flag configurations and contexts for the time-travel and SDK-parity tests, from a seeded
 * generator: every operator, segments, prerequisites (only on earlier flags, so never a cycle), targets, splits.
 */
export type Random = () => number;

export const ENVIRONMENTS = ['development', 'staging', 'production'] as const;
export const USERS = Array.from({ length: 40 }, (_, i) => `user-${i}`);

export interface FlagShape {
  readonly key: string;
  readonly variants: readonly string[];
}

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

export function randomTargeting(random: Random, flag: FlagShape, earlier: readonly FlagShape[], segments: readonly string[]): TargetingInput {
  const variant = (): string => pick(random, flag.variants);
  const prerequisite = earlier.length > 0 && random() < 0.25 ? [(() => {
    const other = pick(random, earlier);
    return { flagKey: other.key, variant: pick(random, other.variants) };
  })()] : [];
  const targetUnits = random() < 0.3 ? [pick(random, USERS), pick(random, USERS)] : [];
  return {
    enabled: random() < 0.8,
    offVariant: variant(),
    bucketBy: random() < 0.85 ? 'targetingKey' : 'companyId',
    prerequisites: prerequisite,
    targets: targetUnits.length > 0 ? [{ variant: variant(), units: [...new Set(targetUnits)] }] : [],
    rules: Array.from({ length: Math.floor(random() * 4) }, () => ({
      conditions: Array.from({ length: 1 + Math.floor(random() * 2) }, () => randomCondition(random, segments)),
      serve: randomServe(random, flag.variants),
    })),
    defaultServe: randomServe(random, flag.variants),
  };
}

export function randomSegment(random: Random): SegmentDefinition {
  const conditions = random() < 0.7 ? [randomCondition(random, [])] : [];
  return {
    description: '',
    conditions,
    // Without conditions a segment matches only its included units: without those it would match nobody.
    included: conditions.length === 0 || random() < 0.5 ? USERS.filter(() => random() < 0.1) : [],
    excluded: random() < 0.3 ? [pick(random, USERS)] : [],
  };
}

/** One variant, or a split of two or more variants in a random order (a weight may be 0). */
function randomServe(random: Random, variants: readonly string[]): Serve {
  if (random() < 0.5 || variants.length < 2) return { variant: pick(random, variants) };
  const parts = shuffled(random, variants).slice(0, 2 + Math.floor(random() * (variants.length - 1)));
  const cuts = [...parts.slice(1).map(() => Math.floor(random() * 100_001)).sort((x, y) => x - y), 100_000];
  return { split: parts.map((variant, i) => ({ variant, weight: cuts[i]! - (i === 0 ? 0 : cuts[i - 1]!) })) };
}

function shuffled<T>(random: Random, items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

const DAYS = ['2024-01-01T00:00:00Z', '2024-06-01T00:00:00Z', '2025-01-01T00:00:00Z'];
const GROUPS = ['admin', 'beta', 'staff'];
const PLANS = ['free', 'pro', 'premium'];

/** Ages and age thresholds share one small range, so a condition often meets its boundary. */
function randomAge(random: Random): number {
  return Math.floor(random() * 40);
}

/** Every operator; a segment operator only when there are segments to name. */
function randomCondition(random: Random, segments: readonly string[]): Condition {
  const operators = segments.length > 0 ? OPERATORS : OPERATORS.filter((operator) => !SEGMENT_OPERATORS.has(operator));
  return randomConditionOf(random, pick(random, operators), segments);
}

/**
 * A condition of the given operator on an attribute random contexts set, with thresholds drawn from the values
 * contexts take, so boundaries (age 30 against `lt 30`, the same instant in another zone) come up often.
 */
function randomConditionOf(random: Random, operator: Operator, segments: readonly string[]): Condition {
  switch (operator) {
    case 'eq':
    case 'neq':
      return random() < 0.5 ? { attribute: 'plan', operator, values: [pick(random, PLANS)] } : { attribute: 'age', operator, values: [randomAge(random)] };
    case 'in':
    case 'not_in':
      if (random() < 0.5) return { attribute: 'country', operator, values: ['US', 'CA', 'FR'].filter(() => random() < 0.6).concat('DE') };
      return { attribute: 'groups', operator, values: [pick(random, GROUPS)] };
    case 'contains':
      return random() < 0.5 ? { attribute: 'email', operator, values: [pick(random, ['bob', 'acme', 'l'])] } : { attribute: 'groups', operator, values: [pick(random, ['ta', 'adm'])] };
    case 'starts_with':
      return { attribute: 'email', operator, values: [pick(random, ['alice', 'bob@', 'c'])] };
    case 'ends_with':
      return { attribute: 'email', operator, values: [pick(random, ['@acme.com', '.org'])] };
    case 'matches':
      return { attribute: 'email', operator, values: [pick(random, ['^[a-c]', 'acme\\.com$', 'o.*@mail'])] };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return { attribute: 'age', operator, values: [randomAge(random)] };
    case 'before':
    case 'after': {
      const day = pick(random, DAYS);
      return { attribute: 'signup', operator, values: [random() < 0.5 ? day : Date.parse(day)] };
    }
    case 'semver_eq':
    case 'semver_gt':
    case 'semver_lt':
      return { attribute: 'version', operator, values: [`1.${Math.floor(random() * 5)}.0`] };
    case 'exists':
    case 'not_exists':
      return { attribute: pick(random, ['beta', 'age']), operator, values: [] };
    case 'in_segment':
    case 'not_in_segment':
      return { operator, values: [pick(random, segments)] };
  }
}

export function randomContext(random: Random): Record<string, unknown> {
  const context: Record<string, unknown> = {};
  if (random() < 0.93) context['targetingKey'] = pick(random, USERS);
  if (random() < 0.7) context['companyId'] = `company-${Math.floor(random() * 5)}`;
  if (random() < 0.8) context['country'] = random() < 0.9 ? pick(random, ['US', 'CA', 'FR', 'DE', 'JP']) : [pick(random, ['US', 'JP']), 'DE'];
  if (random() < 0.8) context['plan'] = pick(random, PLANS);
  if (random() < 0.7) context['age'] = random() < 0.8 ? randomAge(random) : String(randomAge(random)); // query strings send "30"
  if (random() < 0.6) context['version'] = `1.${Math.floor(random() * 6)}.${Math.floor(random() * 3)}${random() < 0.1 ? '-beta.1' : ''}`;
  if (random() < 0.6) context['email'] = `${pick(random, ['alice', 'bob', 'carol', 'dan'])}@${pick(random, ['acme.com', 'mail.org'])}`;
  if (random() < 0.3) context['beta'] = true;
  if (random() < 0.4) context['groups'] = GROUPS.filter(() => random() < 0.4);
  if (random() < 0.5) {
    const day = pick(random, DAYS);
    // The same instants as ISO 8601 in UTC or another zone, or as epoch milliseconds.
    context['signup'] = pick(random, [day, Date.parse(day), new Date(Date.parse(day) + 2 * 3_600_000).toISOString().replace('Z', '+02:00')]);
  }
  return context;
}
