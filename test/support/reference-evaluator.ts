import { RE2JS } from 're2js';
import semver from 'semver';
import type { Condition, Serve, WeightedVariant } from '../../src/shared/targeting.ts';

/**
 * A second, independent flag evaluator for the parity test: written from the README (Managing flags' targeting
 * rules, Evaluating flags, Running experiments' assignment), not from src/evaluation, so a bug there makes the
 * server and the SDK disagree with this one instead of agreeing with each other. Deliberately plain and slow:
 * nothing compiled, cached or shared; every evaluation reads the configuration as the admin API was given it.
 */

export interface ReferenceTargeting {
  readonly enabled: boolean;
  readonly offVariant: string;
  readonly bucketBy?: string;
  readonly prerequisites?: readonly { readonly flagKey: string; readonly variant: string }[];
  readonly targets?: readonly { readonly variant: string; readonly units: readonly string[] }[];
  readonly rules?: readonly { readonly id?: string; readonly conditions?: readonly Condition[]; readonly serve: Serve }[];
  readonly defaultServe: Serve;
}

/** A running experiment on the flag, as created (the salt is the key until a re-randomising restart). */
export interface ReferenceExperiment {
  readonly key: string;
  readonly salt?: string;
  readonly trafficPercent?: number;
  readonly audience?: readonly Condition[];
  readonly variants: readonly WeightedVariant[];
}

export interface ReferenceFlag {
  /** Variant name → value; a boolean flag's are `{ on: true, off: false }`. */
  readonly variants: Readonly<Record<string, unknown>>;
  /** The targeting of the one environment evaluated. */
  readonly targeting: ReferenceTargeting;
  readonly experiment?: ReferenceExperiment;
}

export interface ReferenceSegment {
  readonly conditions: readonly Condition[];
  readonly included: readonly string[];
  readonly excluded: readonly string[];
}

export interface ReferenceConfiguration {
  readonly flags: Readonly<Record<string, ReferenceFlag>>;
  readonly segments: Readonly<Record<string, ReferenceSegment>>;
}

export interface ReferenceResult {
  readonly value: unknown;
  readonly variant?: string;
  readonly reason: 'DISABLED' | 'PREREQUISITE_FAILED' | 'TARGETING_MATCH' | 'SPLIT' | 'DEFAULT' | 'ERROR';
  readonly ruleId?: string;
  readonly experimentKey?: string;
  readonly errorCode?: 'FLAG_NOT_FOUND' | 'TARGETING_KEY_MISSING';
}

type Context = Readonly<Record<string, unknown>>;

/** Prerequisite chains nested deeper than this fail. */
const MAX_PREREQUISITE_DEPTH = 16;

/** Evaluates one flag in the order the README's "Evaluating flags" lists (docs/api.md). */
export function referenceEvaluate(configuration: ReferenceConfiguration, flagKey: string, context: Context): ReferenceResult {
  // 1. An unknown flag: the caller's default (none here).
  const flag = ownValue(configuration.flags, flagKey);
  if (flag === undefined) return { value: null, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' };
  return evaluate(configuration, flagKey, flag, context, 0);
}

function evaluate(configuration: ReferenceConfiguration, flagKey: string, flag: ReferenceFlag, context: Context, depth: number): ReferenceResult {
  const targeting = flag.targeting;

  // 2. The kill switch.
  if (!targeting.enabled) return served(flag, targeting.offVariant, 'DISABLED');

  // 3. Prerequisites: each named flag, evaluated on the same context, must serve the named variant.
  for (const prerequisite of targeting.prerequisites ?? []) {
    const required = ownValue(configuration.flags, prerequisite.flagKey);
    if (required === undefined || depth >= MAX_PREREQUISITE_DEPTH) return served(flag, targeting.offVariant, 'PREREQUISITE_FAILED');
    const result = evaluate(configuration, prerequisite.flagKey, required, context, depth + 1);
    if (result.variant !== prerequisite.variant) return served(flag, targeting.offVariant, 'PREREQUISITE_FAILED');
  }

  const unit = unitOf(context, targeting.bucketBy ?? 'targetingKey');

  // 4. Individual targets.
  if (unit !== undefined) {
    for (const target of targeting.targets ?? []) {
      if (target.units.includes(unit)) return served(flag, target.variant, 'TARGETING_MATCH');
    }
  }

  // 5. A running experiment: audience, then traffic, then the variant, each hashed with its own salt. One that
  // names a variant the flag does not have assigns no one.
  const experiment = flag.experiment;
  if (experiment !== undefined && unit !== undefined && experiment.variants.every((part) => Object.hasOwn(flag.variants, part.variant))) {
    const salt = experiment.salt ?? experiment.key;
    const inAudience = (experiment.audience ?? []).every((condition) => conditionHolds(condition, context, unit, configuration.segments));
    // The traffic percent is in steps of 0.001 and a bucket is 0.001 percent: bucket / 1000 is the unit's percentile.
    if (inAudience && bucket(`${salt}:traffic.${unit}`) / 1000 < (experiment.trafficPercent ?? 100)) {
      const variant = splitVariant(experiment.variants, bucket(`${salt}.${unit}`));
      return served(flag, variant, 'SPLIT', { ruleId: 'experiment', experimentKey: experiment.key });
    }
  }

  // 6. The first rule whose conditions all hold (one without conditions matches everyone).
  const rules = targeting.rules ?? [];
  const ids = ruleIds(rules);
  for (const [i, rule] of rules.entries()) {
    if ((rule.conditions ?? []).every((condition) => conditionHolds(condition, context, unit, configuration.segments))) {
      return serve(flagKey, flag, rule.serve, unit, 'TARGETING_MATCH', { ruleId: ids[i]! });
    }
  }

  // 7. The default serve.
  return serve(flagKey, flag, targeting.defaultServe, unit, 'DEFAULT', {});
}

function served(flag: ReferenceFlag, variant: string, reason: ReferenceResult['reason'], extra: { ruleId?: string; experimentKey?: string } = {}): ReferenceResult {
  return { value: flag.variants[variant], variant, reason, ...extra };
}

/** A fixed variant gives `fixedReason`; a split buckets the unit on `<flagKey>.<unit>` and gives SPLIT. */
function serve(flagKey: string, flag: ReferenceFlag, what: Serve, unit: string | undefined, fixedReason: 'TARGETING_MATCH' | 'DEFAULT', extra: { ruleId?: string }): ReferenceResult {
  if ('variant' in what) return served(flag, what.variant, fixedReason, extra);
  // A split cannot bucket without a unit: the caller's default (none here) and an error.
  if (unit === undefined) return { value: null, reason: 'ERROR', errorCode: 'TARGETING_KEY_MISSING' };
  return served(flag, splitVariant(what.split, bucket(`${flagKey}.${unit}`)), 'SPLIT', extra);
}

/** The weights, in the order given, cover consecutive ranges of the 100,000 buckets. */
function splitVariant(split: readonly WeightedVariant[], unitBucket: number): string {
  let upTo = 0;
  for (const part of split) {
    upTo += part.weight;
    if (unitBucket < upTo) return part.variant;
  }
  throw new Error(`weights ${JSON.stringify(split)} do not cover bucket ${unitBucket}`);
}

/** "Rules without an `id` get `rule-N`": the first N from 1 that no other rule of the flag uses. */
function ruleIds(rules: readonly { readonly id?: string }[]): string[] {
  const taken = new Set(rules.map((rule) => rule.id));
  let n = 1;
  return rules.map((rule) => {
    if (rule.id !== undefined) return rule.id;
    while (taken.has(`rule-${n}`)) n++;
    taken.add(`rule-${n}`);
    return `rule-${n}`;
  });
}

/** The `bucketBy` attribute (`userId` standing in for a missing `targetingKey`), a string or a finite number. */
function unitOf(context: Context, bucketBy: string): string | undefined {
  let value = ownValue(context, bucketBy);
  if (bucketBy === 'targetingKey' && (value === undefined || value === null)) value = ownValue(context, 'userId');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Evaluation reads only the attributes a context has, never inherited ones. */
function ownValue<T>(record: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

function conditionHolds(condition: Condition, context: Context, unit: string | undefined, segments: ReferenceConfiguration['segments']): boolean {
  const values = condition.values;
  if (condition.operator === 'in_segment') return values.some((key) => inSegment(segments, String(key), context, unit));
  if (condition.operator === 'not_in_segment') return !values.some((key) => inSegment(segments, String(key), context, unit));

  const value = ownValue(context, condition.attribute!);
  const missing = value === undefined || value === null;
  // An array attribute matches when any element does.
  const elements: unknown[] = missing ? [] : Array.isArray(value) ? value : [value];
  const equalsSome = (element: unknown): boolean => isScalar(element) && values.some((v) => String(v) === String(element));
  switch (condition.operator) {
    case 'exists':
      return !missing;
    case 'not_exists':
      return missing;
    // A missing attribute satisfies the negative operators and no other.
    case 'neq':
    case 'not_in':
      return !elements.some(equalsSome);
    case 'eq':
    case 'in':
      return elements.some(equalsSome);
    case 'contains':
      return elements.some((e) => typeof e === 'string' && values.some((v) => e.includes(String(v))));
    case 'starts_with':
      return elements.some((e) => typeof e === 'string' && values.some((v) => e.startsWith(String(v))));
    case 'ends_with':
      return elements.some((e) => typeof e === 'string' && values.some((v) => e.endsWith(String(v))));
    case 'matches':
      // A search anywhere in the string, on RE2.
      return elements.some((e) => typeof e === 'string' && values.some((pattern) => RE2JS.compile(String(pattern)).matcher(e).find()));
    case 'gt':
      return elements.some((e) => asNumber(e) > Number(values[0]));
    case 'gte':
      return elements.some((e) => asNumber(e) >= Number(values[0]));
    case 'lt':
      return elements.some((e) => asNumber(e) < Number(values[0]));
    case 'lte':
      return elements.some((e) => asNumber(e) <= Number(values[0]));
    case 'before':
      return elements.some((e) => asInstant(e) < asInstant(values[0]));
    case 'after':
      return elements.some((e) => asInstant(e) > asInstant(values[0]));
    case 'semver_eq':
      return elements.some((e) => typeof e === 'string' && semver.valid(e) !== null && semver.eq(e, String(values[0])));
    case 'semver_gt':
      return elements.some((e) => typeof e === 'string' && semver.valid(e) !== null && semver.gt(e, String(values[0])));
    case 'semver_lt':
      return elements.some((e) => typeof e === 'string' && semver.valid(e) !== null && semver.lt(e, String(values[0])));
  }
}

/**
 * A segment matches its included units, never its excluded ones, otherwise a unit meeting all its conditions; a
 * segment without conditions matches only its included units. The unit is the evaluated flag's; an unknown
 * segment matches nobody. Segments do not nest, so their own conditions see no segments.
 */
function inSegment(segments: ReferenceConfiguration['segments'], key: string, context: Context, unit: string | undefined): boolean {
  const segment = ownValue(segments, key);
  if (segment === undefined) return false;
  if (unit !== undefined && segment.included.includes(unit)) return true;
  if (unit !== undefined && segment.excluded.includes(unit)) return false;
  return segment.conditions.length > 0 && segment.conditions.every((condition) => conditionHolds(condition, context, unit, {}));
}

function isScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** A number, or a string holding one; anything else is NaN, which compares false. */
function asNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return Number.NaN;
}

/** Epoch milliseconds of an ISO 8601 string or a number; anything else is NaN. */
function asInstant(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Date.parse(value);
  return Number.NaN;
}

/** `floor(h * 100000 / 2^32)` of the hash of `text`: a bucket in [0, 99999]. */
export function bucket(text: string): number {
  return Math.floor((murmur3x86x32(text) * 100_000) / 2 ** 32);
}

/** MurmurHash3 x86 32-bit (Austin Appleby's MurmurHash3_x86_32) over the UTF-8 bytes of `text`, unsigned. */
export function murmur3x86x32(text: string, seed = 0): number {
  const data = Buffer.from(text, 'utf8');
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));
  let h1 = seed | 0;
  const whole = data.length - (data.length % 4);
  for (let i = 0; i < whole; i += 4) {
    let k1 = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k1 = Math.imul(k1, c1);
    k1 = rotl(k1, 15);
    k1 = Math.imul(k1, c2);
    h1 ^= k1;
    h1 = rotl(h1, 13);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
  }
  // The last 1 to 3 bytes, little-endian.
  const rest = data.length % 4;
  if (rest > 0) {
    let k1 = 0;
    for (let i = rest - 1; i >= 0; i--) k1 = (k1 << 8) | data[whole + i]!;
    k1 = Math.imul(k1, c1);
    k1 = rotl(k1, 15);
    k1 = Math.imul(k1, c2);
    h1 ^= k1;
  }
  h1 ^= data.length;
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  return h1 >>> 0;
}
