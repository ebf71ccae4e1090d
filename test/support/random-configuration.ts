import type { SegmentDefinition } from '../../src/shared/segment-events.ts';
import type { Condition, Serve, TargetingInput } from '../../src/shared/targeting.ts';

/**
 * Random but valid flag configurations and contexts for the time-travel tests, from a seeded generator: every
 * operator family, segments, prerequisites (only on earlier flags, so never a cycle), targets, splits.
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
  return {
    description: '',
    conditions: random() < 0.7 ? [randomCondition(random, [])] : [],
    included: random() < 0.5 ? [pick(random, USERS)] : [],
    excluded: random() < 0.3 ? [pick(random, USERS)] : [],
  };
}

function randomServe(random: Random, variants: readonly string[]): Serve {
  if (random() < 0.5 || variants.length < 2) return { variant: pick(random, variants) };
  const first = Math.floor(random() * 100_001);
  const [a, b] = [pick(random, variants), pick(random, variants)];
  if (a === b) return { variant: a };
  return { split: [{ variant: a, weight: first }, { variant: b, weight: 100_000 - first }] };
}

function randomCondition(random: Random, segments: readonly string[]): Condition {
  const kinds: (() => Condition)[] = [
    () => ({ attribute: 'country', operator: 'in', values: ['US', 'CA', 'FR'].filter(() => random() < 0.6).concat('DE') }),
    () => ({ attribute: 'plan', operator: pick(random, ['eq', 'neq'] as const), values: [pick(random, ['free', 'pro', 'premium'])] }),
    () => ({ attribute: 'age', operator: pick(random, ['gt', 'lte'] as const), values: [Math.floor(random() * 60)] }),
    () => ({ attribute: 'version', operator: pick(random, ['semver_gt', 'semver_lt'] as const), values: [`1.${Math.floor(random() * 5)}.0`] }),
    () => ({ attribute: 'email', operator: pick(random, ['ends_with', 'contains'] as const), values: [pick(random, ['@acme.com', 'bob'])] }),
    () => ({ attribute: 'email', operator: 'matches', values: ['^[a-c]'] }),
    () => ({ attribute: 'beta', operator: pick(random, ['exists', 'not_exists'] as const), values: [] }),
  ];
  if (segments.length > 0) kinds.push(() => ({ operator: pick(random, ['in_segment', 'not_in_segment'] as const), values: [pick(random, segments)] }));
  return pick(random, kinds)();
}

export function randomContext(random: Random): Record<string, unknown> {
  const context: Record<string, unknown> = {};
  if (random() < 0.93) context['targetingKey'] = pick(random, USERS);
  if (random() < 0.7) context['companyId'] = `company-${Math.floor(random() * 5)}`;
  if (random() < 0.8) context['country'] = pick(random, ['US', 'CA', 'FR', 'DE', 'JP']);
  if (random() < 0.8) context['plan'] = pick(random, ['free', 'pro', 'premium']);
  if (random() < 0.7) context['age'] = Math.floor(random() * 80);
  if (random() < 0.6) context['version'] = `1.${Math.floor(random() * 6)}.${Math.floor(random() * 3)}`;
  if (random() < 0.6) context['email'] = `${pick(random, ['alice', 'bob', 'carol', 'dan'])}@${pick(random, ['acme.com', 'mail.org'])}`;
  if (random() < 0.3) context['beta'] = true;
  return context;
}
