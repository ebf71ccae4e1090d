import { beforeEach, describe, expect, it } from 'vitest';
import { compileCondition, compileConditions, sharedConditions, type Predicate } from '../../src/evaluation/conditions.ts';
import type { Condition } from '../../src/shared/targeting.ts';
import { murmur3x86x32 } from '../support/reference-evaluator.ts';

// Every test compiles what it checks after clearing the shared cache: a predicate compiled by an earlier test
// would answer for code this one never runs (and mutation testing, which runs only the tests that covered a
// mutant, would then miss it).
beforeEach(() => sharedConditions.clear());

const noSegments = (): Predicate => () => false;
const matches = (condition: Condition, context: Record<string, unknown>): boolean => compileCondition(condition, noSegments)(context, 'u-1');

/** Needles of a `contains` whose condition is longer than the cache's 200-character keys. */
const manyNeedles = ['@corp', ...Array.from({ length: 30 }, (_, i) => `@subsidiary-${i}.example`)];
const longValue = `id-${'x'.repeat(300)}`;

describe('each operator, compiled afresh', () => {
  it.each([
    // ends_with is no regex: '.' is a dot, and the end is the end.
    [{ attribute: 'email', operator: 'ends_with', values: ['.com'] }, { email: 'a@x.company' }, false],
    [{ attribute: 'email', operator: 'ends_with', values: ['.com'] }, { email: 'a@x.com' }, true],
    // matches: any of the patterns.
    [{ attribute: 'name', operator: 'matches', values: ['^a', '^b'] }, { name: 'bob' }, true],
    [{ attribute: 'name', operator: 'matches', values: ['^a', '^b'] }, { name: 'carl' }, false],
    // Comparisons at their boundary.
    [{ attribute: 'age', operator: 'gt', values: [18] }, { age: 18 }, false],
    [{ attribute: 'age', operator: 'lt', values: [18] }, { age: 18 }, false],
    [{ attribute: 'age', operator: 'lte', values: [18] }, { age: 18 }, true],
    [{ attribute: 'age', operator: 'lte', values: [18] }, { age: '18' }, true],
    [{ attribute: 'age', operator: 'gte', values: [0] }, { age: ' 5 ' }, true],
    // Only a number or a numeric string is a number: not a boolean, null, an empty or a blank string.
    [{ attribute: 'age', operator: 'gte', values: [0] }, { age: true }, false],
    [{ attribute: 'age', operator: 'gte', values: [0] }, { age: null }, false],
    [{ attribute: 'age', operator: 'gte', values: [0] }, { age: '' }, false],
    [{ attribute: 'age', operator: 'lte', values: [0] }, { age: '  ' }, false],
    [{ attribute: 'age', operator: 'gt', values: [-1] }, {}, false],
    // An array attribute matches when any element does.
    [{ attribute: 'age', operator: 'gt', values: [15] }, { age: [10, 20] }, true],
    [{ attribute: 'age', operator: 'gt', values: [15] }, { age: [10] }, false],
    [{ attribute: 'signup', operator: 'before', values: ['2026-01-01T00:00:00Z'] }, { signup: null }, false],
    // Semantic versions.
    [{ attribute: 'app', operator: 'semver_eq', values: ['1.2.3'] }, { app: '1.2.4' }, false],
    [{ attribute: 'app', operator: 'semver_eq', values: ['1.2.3'] }, { app: ['1.0.0', '1.2.3'] }, true],
    [{ attribute: 'app', operator: 'semver_eq', values: ['1.2.3'] }, { app: 1 }, false],
    [{ attribute: 'app', operator: 'semver_eq', values: ['1.2.3'] }, {}, false],
    [{ attribute: 'app', operator: 'semver_gt', values: ['1.2.3'] }, { app: '1.2.3' }, false],
    [{ attribute: 'app', operator: 'semver_lt', values: ['1.2.3'] }, { app: '1.2.3' }, false],
    [{ attribute: 'app', operator: 'semver_lt', values: ['1.2.3'] }, { app: '1.2.4' }, false],
    [{ attribute: 'app', operator: 'semver_lt', values: ['1.2.3'] }, { app: '1.2.2' }, true],
    // not_exists: undefined and null only.
    [{ attribute: 'plan', operator: 'not_exists', values: [] }, { plan: null }, true],
    [{ attribute: 'plan', operator: 'not_exists', values: [] }, { plan: 'free' }, false],
    [{ attribute: 'plan', operator: 'not_exists', values: [] }, { plan: '' }, false],
    // Membership compares scalars as strings, in arrays too; objects and nulls are no value.
    [{ attribute: 'country', operator: 'eq', values: ['US'] }, { country: { code: 'US' } }, false],
    [{ attribute: 'country', operator: 'eq', values: ['[object Object]'] }, { country: {} }, false],
    [{ attribute: 'country', operator: 'in', values: ['US', 'CA'] }, { country: ['FR'] }, false],
    [{ attribute: 'country', operator: 'in', values: ['US', 'CA'] }, { country: ['FR', 'CA'] }, true],
    [{ attribute: 'country', operator: 'in', values: ['null', 'x'] }, { country: [null] }, false],
    [{ attribute: 'country', operator: 'in', values: ['[object Object]', 'x'] }, { country: [{}] }, false],
    [{ attribute: 'age', operator: 'in', values: ['30', '31'] }, { age: [30] }, true],
    [{ attribute: 'beta', operator: 'in', values: ['true', 'yes'] }, { beta: [true] }, true],
    [{ attribute: 'age', operator: 'eq', values: ['30'] }, { age: [29, 30] }, true],
    [{ attribute: 'age', operator: 'neq', values: ['30'] }, { age: 30 }, false],
    [{ attribute: 'beta', operator: 'not_in', values: ['true', 'yes'] }, { beta: [true] }, false],
    [{ attribute: 'beta', operator: 'not_in', values: ['true', 'yes'] }, { beta: true }, false],
    [{ attribute: 'beta', operator: 'eq', values: [true] }, { beta: true }, true],
    [{ attribute: 'country', operator: 'not_in', values: ['US', 'CA'] }, { country: 'CA' }, false],
    [{ attribute: 'beta', operator: 'not_in', values: ['null', 'yes'] }, { beta: [null] }, true],
    [{ attribute: 'beta', operator: 'not_in', values: ['null', 'yes'] }, { beta: null }, true],
    // String operators read strings only, in arrays too.
    [{ attribute: 'email', operator: 'contains', values: ['@corp'] }, { email: ['x@gmail.com', 'a@corp.com'] }, true],
    [{ attribute: 'email', operator: 'contains', values: ['@corp'] }, { email: ['x@gmail.com'] }, false],
    [{ attribute: 'email', operator: 'contains', values: ['@corp'] }, { email: [42, 'a@corp.com'] }, true],
    [{ attribute: 'email', operator: 'starts_with', values: ['4'] }, { email: [42] }, false],
    [{ attribute: 'email', operator: 'matches', values: ['4'] }, { email: [42] }, false],
    [{ attribute: 'email', operator: 'starts_with', values: ['admin', 'root'] }, { email: ['guest', 'root@x'] }, true],
    // Conditions too long for a plain key: a long list of needles, a long value.
    [{ attribute: 'email', operator: 'contains', values: manyNeedles }, { email: 'a@corp.com' }, true],
    [{ attribute: 'email', operator: 'contains', values: manyNeedles }, { email: 'a@gmail.com' }, false],
    [{ attribute: 'id', operator: 'eq', values: [longValue] }, { id: longValue }, true],
    [{ attribute: 'id', operator: 'eq', values: [longValue] }, { id: 'id-x' }, false],
    [{ attribute: 'id', operator: 'neq', values: [longValue] }, { id: longValue }, false],
  ] as [Condition, Record<string, unknown>, boolean][])('%j on %j → %s', (condition, context, expected) => {
    expect(matches(condition, context)).toBe(expected);
  });

  it('fails loudly on an operator it does not know', () => {
    expect(() => compileCondition({ attribute: 'a', operator: 'nope' } as unknown as Condition, noSegments)).toThrow('unknown operator nope');
  });
});

describe('conditions together', () => {
  const holds: Condition = { attribute: 'a', operator: 'exists', values: [] };
  const fails = (attribute: string): Condition => ({ attribute, operator: 'not_exists', values: [] });
  const context = { a: 1, b: 1, c: 1, d: 1 };

  it('need all to hold, and none is a rule that matches everyone', () => {
    expect(compileConditions([], noSegments)({}, undefined)).toBe(true);
    expect(compileConditions([holds], noSegments)(context, undefined)).toBe(true);
    expect(compileConditions([fails('a')], noSegments)(context, undefined)).toBe(false);
    expect(compileConditions([holds, fails('b')], noSegments)(context, undefined)).toBe(false);
    expect(compileConditions([holds, holds, holds], noSegments)(context, undefined)).toBe(true);
    for (const failing of [0, 1, 2, 3]) {
      const four = [0, 1, 2, 3].map((i) => (i === failing ? fails('abcd'[i]!) : holds));
      expect([failing, compileConditions(four, noSegments)(context, undefined)]).toEqual([failing, false]);
    }
  });
});

describe('segment conditions', () => {
  const segments: Record<string, Predicate> = {
    us: (context) => context.country === 'US',
    beta: (_context, unit) => unit === 'u-beta',
    staff: (_context, unit) => unit === 'u-staff',
  };
  const resolve = (key: string): Predicate => segments[key] ?? (() => false);

  it('match a unit in any of the segments named, and not_in_segment one in none', () => {
    const inAny = compileCondition({ operator: 'in_segment', values: ['beta', 'staff'] }, resolve);
    const inNone = compileCondition({ operator: 'not_in_segment', values: ['beta', 'staff'] }, resolve);
    expect(['u-beta', 'u-staff', 'u-other'].map((unit) => [inAny({}, unit), inNone({}, unit)])).toEqual([
      [true, false],
      [true, false],
      [false, true],
    ]);
  });

  it('pass the whole context to the segment, whatever attribute the condition names (it names none that counts)', () => {
    for (const attribute of ['toString', 'constructor']) {
      expect(compileCondition({ attribute, operator: 'in_segment', values: ['us'] }, resolve)({ country: 'US' }, 'u-1')).toBe(true);
      expect(compileCondition({ attribute, operator: 'not_in_segment', values: ['us'] }, resolve)({ country: 'US' }, 'u-1')).toBe(false);
    }
  });

  it('are never shared between environments, whose segments differ', () => {
    for (const operator of ['in_segment', 'not_in_segment'] as const) {
      const condition: Condition = { operator, values: ['s'] };
      const everyone = compileCondition(condition, () => () => true)({}, 'u-1');
      const nobody = compileCondition(condition, () => () => false)({}, 'u-1');
      expect([operator, everyone, nobody]).toEqual([operator, operator === 'in_segment', operator === 'not_in_segment']);
    }
  });
});

describe('long membership lists, shared by a hash of their values', () => {
  const list = Array.from({ length: 40 }, (_, i) => `user-${i}`);

  it('tell the operator and the attribute apart', () => {
    const inList = compileCondition({ attribute: 'targetingKey', operator: 'in', values: list }, noSegments);
    const notInList = compileCondition({ attribute: 'targetingKey', operator: 'not_in', values: list }, noSegments);
    const otherAttribute = compileCondition({ attribute: 'userId', operator: 'in', values: list }, noSegments);
    expect([inList({ targetingKey: 'user-1' }, undefined), notInList({ targetingKey: 'user-1' }, undefined), otherAttribute({ targetingKey: 'user-1' }, undefined)]).toEqual([true, false, false]);
    expect(otherAttribute({ userId: 'user-1' }, undefined)).toBe(true);
  });

  it('tell values apart that join to the same text', () => {
    const a = compileCondition({ attribute: 'k', operator: 'in', values: ['ab', 'c', ...list] }, noSegments);
    const b = compileCondition({ attribute: 'k', operator: 'in', values: ['a', 'bc', ...list] }, noSegments);
    expect([a({ k: 'ab' }, undefined), b({ k: 'ab' }, undefined), b({ k: 'bc' }, undefined)]).toEqual([true, false, true]);
    // Each keeps its own entry: the first is still shared after the second was compiled.
    expect(compileCondition({ attribute: 'k', operator: 'in', values: ['ab', 'c', ...list] }, noSegments)).toBe(a);
  });

  it('tell apart lists whose hashes collide, by checking every value', () => {
    // Blocks that murmur3 maps to the same state whatever the seed and the bytes before them (a difference of
    // bit 18 after the block mix of the first block, bit 31 of the second: the multiply by 5 keeps bit 31 alone).
    const x = "*'\u0579  o!";
    const y = '\u0485RM   ]';
    const joined = (first: string) => [first, ...list].join('\u0000');
    expect(joined(x).length).toBe(joined(y).length);
    for (const seed of [0, 0x9747b28c]) expect(murmur3x86x32(joined(x), seed)).toBe(murmur3x86x32(joined(y), seed));

    const withX = compileCondition({ attribute: 'k', operator: 'in', values: [x, ...list] }, noSegments);
    const withY = compileCondition({ attribute: 'k', operator: 'in', values: [y, ...list] }, noSegments);
    expect([withX({ k: x }, undefined), withX({ k: y }, undefined), withY({ k: x }, undefined), withY({ k: y }, undefined)]).toEqual([true, false, false, true]);
  });
});

describe('the weight a compiled condition is charged in the shared cache', () => {
  const weightOf = (condition: Condition): number => {
    sharedConditions.clear();
    compileCondition(condition, noSegments);
    return sharedConditions.weight;
  };
  const keyLength = (c: Condition): number => JSON.stringify([c.operator, c.attribute, c.values]).length;

  it('is 200 bytes and its key, plus 16 KB a regex and 32 bytes a membership value', () => {
    const cases: [Condition, number][] = [
      [{ attribute: 'email', operator: 'matches', values: ['^a', '^b'] }, 32_000],
      [{ attribute: 'email', operator: 'matches', values: ['^a'] }, 16_000],
      [{ attribute: 'country', operator: 'in', values: ['US', 'CA', 'MX'] }, 96],
      [{ attribute: 'country', operator: 'not_in', values: ['US', 'CA'] }, 64],
      [{ attribute: 'country', operator: 'eq', values: ['US'] }, 32],
      [{ attribute: 'country', operator: 'neq', values: ['US'] }, 32],
      [{ attribute: 'email', operator: 'contains', values: ['@a', '@b'] }, 0],
      [{ attribute: 'age', operator: 'gt', values: [18] }, 0],
    ];
    for (const [condition, extra] of cases) expect([condition, weightOf(condition)]).toEqual([condition, 200 + keyLength(condition) + extra]);
  });

  it('is charged for its text up to 200 characters, then for a short hash key instead', () => {
    /** An `in` condition of three values whose text is exactly `length` characters. */
    const ofLength = (length: number): Condition => {
      const condition: Condition = { attribute: 'k', operator: 'in', values: ['a', 'b', ''] };
      return { ...condition, values: ['a', 'b', 'c'.repeat(length - keyLength(condition))] };
    };
    expect(keyLength(ofLength(200))).toBe(200);
    expect(weightOf(ofLength(200))).toBe(200 + 200 + 96);
    expect(weightOf(ofLength(201))).toBeLessThan(200 + 100 + 96);
    for (const operator of ['eq', 'neq', 'in', 'not_in'] as const) {
      const values = operator === 'eq' || operator === 'neq' ? [longValue] : Array.from({ length: 100 }, (_, i) => `user-${i}`);
      expect([operator, weightOf({ attribute: 'id', operator, values }) < 200 + 100 + 32 * values.length]).toEqual([operator, true]);
    }
  });
});
