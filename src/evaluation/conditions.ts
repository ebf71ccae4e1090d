import { RE2JS } from 're2js';
import semver from 'semver';
import type { SegmentSnapshot } from '../shared/snapshot.ts';
import type { Condition } from '../shared/targeting.ts';
import { CompilationCache } from './compilation-cache.ts';
import type { EvaluationContext } from './evaluation-result.ts';
import { murmur3 } from './murmur3.ts';

/** A compiled condition: everything parsed and compiled up front, so a test only compares. */
export type Predicate = (context: EvaluationContext, unit: string | undefined) => boolean;

const NEVER: Predicate = () => false;

/**
 * Compiled conditions shared by content, across flags, environments and revisions: a predicate depends on its
 * operator, attribute and values only (segment operators excepted: they depend on the environment's segments),
 * so equal conditions can share one. Bounded by an estimate of the bytes held (see `weightOf`).
 */
export const sharedConditions = new CompilationCache<{ readonly predicate: Predicate; readonly set?: ReadonlySet<string> }>(32 * 1024 * 1024);

/** Keys longer than this (long in/not_in lists) are replaced by a hash, so the cache does not hold the list twice. */
const MAX_KEY_LENGTH = 200;

/**
 * Semantics (the server and the SDK share this module, so they agree bit for bit):
 * - A context attribute that is an array matches when any element matches (groups, roles, ...).
 * - eq/in compare as strings, so `30` and `"30"` are equal: query strings carry only strings.
 * - A missing attribute (undefined or null) fails every operator except neq, not_in and not_exists.
 * - gt/gte/lt/lte need a number or a numeric string; before/after an ISO 8601 time or epoch milliseconds;
 *   semver_* a valid semantic version; anything else does not match.
 * - matches searches anywhere in the string (anchor with ^ and $), on RE2: linear time, no backtracking.
 *
 * An equal condition compiled before is shared rather than compiled again. Equal means equal JSON, which tells
 * `30` from `"30"` (alike for `eq`, not for `before`), so a shared predicate is the one compiling would give.
 * A long membership list is keyed by its hash instead, and a hit counts only if the cached set holds exactly its
 * values (membership compares strings, so the set is all such a predicate depends on).
 */
export function compileCondition(condition: Condition, segment: (key: string) => Predicate): Predicate {
  const { operator } = condition;
  if (operator === 'in_segment' || operator === 'not_in_segment') return compileOne(condition, segment);
  // Stryker disable next-line StringLiteral: only segment conditions (returned above) may lack an attribute: conditionSchema requires one for every other operator
  const attribute = condition.attribute ?? '';
  const text = JSON.stringify([operator, attribute, condition.values]);
  const membershipTest = operator === 'eq' || operator === 'in' || operator === 'neq' || operator === 'not_in';
  if (text.length <= MAX_KEY_LENGTH || !membershipTest) {
    const cached = sharedConditions.get(text);
    if (cached !== undefined) return cached.predicate;
    const predicate = compileOne(condition, segment);
    sharedConditions.set(text, { predicate }, weightOf(condition, text.length));
    return predicate;
  }
  const strings = condition.values.map(String);
  const set = new Set(strings);
  const joined = strings.join('\u0000');
  const key = `${operator}\u0000${attribute}\u0000${set.size}:${joined.length}:${murmur3(joined)}:${murmur3(joined, 0x9747b28c)}`;
  const cached = sharedConditions.get(key);
  // The key holds the set's size, so a cached set of that key holding every value holds exactly these.
  if (cached?.set !== undefined && strings.every((value) => cached.set!.has(value))) return cached.predicate;
  const predicate = ownAttributesOnly(condition, operator === 'in' || operator === 'eq' ? membership(attribute, set) : nonMembership(attribute, set));
  sharedConditions.set(key, { predicate, set }, weightOf(condition, key.length));
  return predicate;
}

/** Roughly the bytes a compiled condition holds, measured on V8: a closure and its context, a set's table, RE2 programs. */
function weightOf(condition: Condition, keyLength: number): number {
  const base = 200 + keyLength;
  switch (condition.operator) {
    case 'matches':
      return base + 16_000 * condition.values.length;
    case 'eq':
    case 'in':
    case 'neq':
    case 'not_in':
      return base + 32 * condition.values.length;
    default:
      return base;
  }
}

/** What a condition on an attribute the context does not own reads instead: nothing, not even inherited members. */
const NO_ATTRIBUTES: EvaluationContext = Object.freeze(Object.create(null) as EvaluationContext);

/** Compiles one condition; `compileCondition` shares the result between equal conditions. */
function compileOne(condition: Condition, segment: (key: string) => Predicate): Predicate {
  return ownAttributesOnly(condition, compileTest(condition, segment));
}

/**
 * A context is read as its own attributes only: every object inherits `constructor`, `toString`, `__proto__` and
 * the like, so a rule on `constructor` would otherwise see a function where the application sent nothing. Only
 * such names pay for the own-property check (decided once, when compiling); every other attribute stays a plain
 * property read, with no allocation and no extra call per evaluation.
 */
function ownAttributesOnly(condition: Condition, predicate: Predicate): Predicate {
  const attribute = condition.attribute;
  if (attribute === undefined || !(attribute in Object.prototype) || condition.operator === 'in_segment' || condition.operator === 'not_in_segment') return predicate;
  return (context, unit) => predicate(Object.hasOwn(context, attribute) ? context : NO_ATTRIBUTES, unit);
}

function compileTest(condition: Condition, segment: (key: string) => Predicate): Predicate {
  // Stryker disable next-line StringLiteral: only segment conditions may lack an attribute (conditionSchema requires one for every other operator), and they never read it
  const attribute = condition.attribute ?? '';
  const values = condition.values;
  switch (condition.operator) {
    case 'eq':
    case 'in':
      return membership(attribute, new Set(values.map(String)));
    case 'neq':
    case 'not_in':
      return nonMembership(attribute, new Set(values.map(String)));
    case 'contains':
      return stringTest(attribute, values.map(String), (s, v) => s.includes(v));
    case 'starts_with':
      return stringTest(attribute, values.map(String), (s, v) => s.startsWith(v));
    case 'ends_with':
      return stringTest(attribute, values.map(String), (s, v) => s.endsWith(v));
    case 'matches': {
      const patterns = values.map((v) => RE2JS.compile(String(v)));
      const test = (s: string): boolean => patterns.some((p) => p.test(s));
      return (context) => anyString(context[attribute], test);
    }
    case 'gt':
      return numberTest(attribute, Number(values[0]), (n, t) => n > t);
    case 'gte':
      return numberTest(attribute, Number(values[0]), (n, t) => n >= t);
    case 'lt':
      return numberTest(attribute, Number(values[0]), (n, t) => n < t);
    case 'lte':
      return numberTest(attribute, Number(values[0]), (n, t) => n <= t);
    case 'before': {
      const at = instant(values[0]);
      const test = (v: unknown): boolean => instant(v) < at;
      return (context) => anyValue(context[attribute], test);
    }
    case 'after': {
      const at = instant(values[0]);
      const test = (v: unknown): boolean => instant(v) > at;
      return (context) => anyValue(context[attribute], test);
    }
    case 'semver_eq':
      return semverTest(attribute, String(values[0]), (c) => c === 0);
    case 'semver_gt':
      return semverTest(attribute, String(values[0]), (c) => c > 0);
    case 'semver_lt':
      return semverTest(attribute, String(values[0]), (c) => c < 0);
    case 'exists':
      return (context) => context[attribute] !== undefined && context[attribute] !== null;
    case 'not_exists':
      return (context) => context[attribute] === undefined || context[attribute] === null;
    case 'in_segment': {
      const inAny = anySegment(values.map((key) => segment(String(key))));
      return inAny;
    }
    case 'not_in_segment': {
      const inAny = anySegment(values.map((key) => segment(String(key))));
      return (context, unit) => !inAny(context, unit);
    }
    default: {
      const exhaustive: never = condition.operator;
      throw new Error(`unknown operator ${String(exhaustive)}`);
    }
  }
}

function membership(attribute: string, set: ReadonlySet<string>): Predicate {
  // Stryker disable next-line ConditionalExpression: as `false` a one-value set is tested as a set, which answers as `equality` does, only slower (its `true` twin, which would test only the first of several values, is caught by conditions.unit.test.ts)
  if (set.size === 1) return equality(attribute, set.values().next().value!);
  const member = (v: string): boolean => set.has(v);
  return (context) => {
    const value = context[attribute];
    return typeof value === 'string' ? set.has(value) : anyScalar(value, member);
  };
}

function nonMembership(attribute: string, set: ReadonlySet<string>): Predicate {
  const member = (v: string): boolean => set.has(v);
  return (context) => !anyScalar(context[attribute], member); // a missing attribute (undefined, null) is in no list
}

/** The commonest condition: one string compared directly, no set, no closure call (measured: ~40% faster). */
function equality(attribute: string, only: string): Predicate {
  const equal = (v: string): boolean => v === only;
  return (context) => {
    const value = context[attribute];
    // Stryker disable next-line ConditionalExpression: as `false` a string goes through anyScalar, which compares it alike, only slower (its `true` twin, which would compare arrays and numbers as they are, is caught by conditions.unit.test.ts)
    return typeof value === 'string' ? value === only : anyScalar(value, equal);
  };
}

/** All conditions must hold; none is a rule that matches everyone. */
export function compileConditions(conditions: readonly Condition[], segment: (key: string) => Predicate): Predicate {
  const compiled = conditions.map((c) => compileCondition(c, segment));
  switch (compiled.length) {
    case 0:
      return () => true;
    case 1:
      return compiled[0]!;
    // Stryker disable next-line ConditionalExpression,BlockStatement: without this shortcut two conditions fall through to the loop, which answers the same
    case 2: {
      const [a, b] = compiled as [Predicate, Predicate];
      return (context, unit) => a(context, unit) && b(context, unit);
    }
    default:
      return (context, unit) => {
        for (let i = 0; i < compiled.length; i++) if (!compiled[i]!(context, unit)) return false;
        return true;
      };
  }
}

/**
 * A segment matches an included unit, never an excluded one, and otherwise a unit meeting all its conditions;
 * a segment without conditions matches only its included units (an empty rule set is not "everyone").
 */
export function compileSegment(segment: SegmentSnapshot | undefined): Predicate {
  if (!segment) return NEVER; // deleted under a flag that still names it: match nobody rather than everybody
  const included = new Set(segment.included);
  const excluded = new Set(segment.excluded);
  const conditions = segment.conditions.length === 0 ? NEVER : compileConditions(segment.conditions, () => NEVER);
  return (context, unit) => {
    if (unit !== undefined) {
      if (included.has(unit)) return true;
      if (excluded.has(unit)) return false;
    }
    return conditions(context, unit);
  };
}

function anySegment(segments: Predicate[]): Predicate {
  // Stryker disable next-line ConditionalExpression: as `false` one segment goes through the loop, which answers the same (its `true` twin, which would ignore all segments but the first, is caught by conditions.unit.test.ts)
  if (segments.length === 1) return segments[0]!;
  return (context, unit) => {
    for (let i = 0; i < segments.length; i++) if (segments[i]!(context, unit)) return true;
    return false;
  };
}

function anyScalar(value: unknown, test: (v: string) => boolean): boolean {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return test(String(value));
    case 'object':
      return Array.isArray(value) && value.some((v) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && test(String(v)));
    default:
      return false;
  }
}

function anyString(value: unknown, test: (s: string) => boolean): boolean {
  if (typeof value === 'string') return test(value);
  return Array.isArray(value) && value.some((v) => typeof v === 'string' && test(v));
}

/** Every test given here (a number, an instant, a version) rejects a missing value, undefined or null. */
function anyValue(value: unknown, test: (v: unknown) => boolean): boolean {
  return Array.isArray(value) ? value.some(test) : test(value);
}

function stringTest(attribute: string, needles: string[], test: (s: string, needle: string) => boolean): Predicate {
  const needle = needles[0]!;
  // Stryker disable next-line ConditionalExpression: as `false` one needle goes through `some`, which answers the same (its `true` twin, which would test only the first of several needles, is caught by conditions.unit.test.ts)
  const matches = needles.length === 1 ? (s: string): boolean => test(s, needle) : (s: string): boolean => needles.some((n) => test(s, n));
  return (context) => anyString(context[attribute], matches);
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return Number.NaN;
}

function numberTest(attribute: string, threshold: number, test: (n: number, t: number) => boolean): Predicate {
  const matches = (v: unknown): boolean => {
    const n = toNumber(v);
    return !Number.isNaN(n) && test(n, threshold);
  };
  return (context) => anyValue(context[attribute], matches);
}

/** Epoch milliseconds of an ISO 8601 string or a number; NaN otherwise (which compares false). */
function instant(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Date.parse(value);
  return Number.NaN;
}

function semverTest(attribute: string, target: string, test: (comparison: number) => boolean): Predicate {
  const version = new semver.SemVer(target);
  const matches = (v: unknown): boolean => {
    if (typeof v !== 'string') return false;
    const parsed = semver.parse(v);
    return parsed !== null && test(parsed.compare(version));
  };
  return (context) => anyValue(context[attribute], matches);
}
