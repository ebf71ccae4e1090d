import { beforeEach, describe, expect, it } from 'vitest';
import { compileCondition, compileConditions, compileSegment, sharedConditions, type Predicate } from '../../src/evaluation/conditions.ts';
import { compileEnvironment, evaluateFlag } from '../../src/evaluation/compile.ts';
import type { FlagSnapshot, SegmentSnapshot } from '../../src/shared/snapshot.ts';
import { flagSnapshot } from '../support/flag-snapshot.ts';
import type { Condition } from '../../src/shared/targeting.ts';

const noSegments = (): Predicate => () => false;

/** One condition of every operator that does not depend on segments, and contexts that exercise each. */
const conditions: Condition[] = [
  { attribute: 'country', operator: 'eq', values: ['US'] },
  { attribute: 'age', operator: 'eq', values: [30] },
  { attribute: 'country', operator: 'neq', values: ['US'] },
  { attribute: 'country', operator: 'in', values: ['US', 'CA', 'MX'] },
  { attribute: 'country', operator: 'not_in', values: ['US', 'CA'] },
  { attribute: 'email', operator: 'contains', values: ['@corp', '@example'] },
  { attribute: 'email', operator: 'starts_with', values: ['admin'] },
  { attribute: 'email', operator: 'ends_with', values: ['.com'] },
  { attribute: 'email', operator: 'matches', values: ['^[a-z]+\\.[a-z]+@corp\\.example$'] },
  { attribute: 'age', operator: 'gt', values: [18] },
  { attribute: 'age', operator: 'gte', values: ['18'] },
  { attribute: 'age', operator: 'lt', values: [65] },
  { attribute: 'age', operator: 'lte', values: [65] },
  { attribute: 'signup', operator: 'before', values: ['2026-01-01T00:00:00Z'] },
  { attribute: 'signup', operator: 'after', values: [1_700_000_000_000] },
  { attribute: 'app', operator: 'semver_eq', values: ['1.2.3'] },
  { attribute: 'app', operator: 'semver_gt', values: ['1.2.3'] },
  { attribute: 'app', operator: 'semver_lt', values: ['2.0.0'] },
  { attribute: 'plan', operator: 'exists', values: [] },
  { attribute: 'plan', operator: 'not_exists', values: [] },
];

const contexts: Record<string, unknown>[] = [
  {},
  { country: 'US', age: 30, email: 'ann.lee@corp.example', signup: '2025-06-01T00:00:00Z', app: '1.2.3', plan: 'free' },
  { country: 'ca', age: '30', email: 'admin@x.com', signup: 1_800_000_000_000, app: '1.10.0', plan: null },
  { country: ['FR', 'MX'], age: 17.5, email: 42, signup: 'soon', app: 'latest' },
  { country: 'DE', age: '70', email: ['a@example.org', 'b@corp.io'], signup: Date.parse('2026-06-01T00:00:00Z'), app: '2.0.0-beta.1' },
];

/** A copy of a condition that shares no object with it, as another environment's snapshot would hold. */
const copy = (condition: Condition): Condition => JSON.parse(JSON.stringify(condition)) as Condition;

describe('compiled conditions shared by content', () => {
  beforeEach(() => sharedConditions.clear());

  it('gives an equal condition the same predicate, which answers exactly as a fresh compilation does', () => {
    const shared = conditions.map((c) => compileCondition(c, noSegments));
    conditions.forEach((c, i) => expect(compileCondition(copy(c), noSegments)).toBe(shared[i]));
    sharedConditions.clear();
    const fresh = conditions.map((c) => compileCondition(copy(c), noSegments));
    fresh.forEach((predicate, i) => {
      expect(predicate).not.toBe(shared[i]);
      for (const context of contexts) expect([conditions[i], context, shared[i]!(context, 'u')]).toEqual([conditions[i], context, predicate(context, 'u')]);
    });
  });

  it('tells values of different types apart where they compile differently', () => {
    const asNumber = compileCondition({ attribute: 'signup', operator: 'before', values: [30] }, noSegments);
    const asString = compileCondition({ attribute: 'signup', operator: 'before', values: ['30'] }, noSegments);
    expect(asString).not.toBe(asNumber);
    expect(asNumber({ signup: 10 }, undefined)).toBe(true); // 10 ms after the epoch is before 30 ms after it
    expect(asString({ signup: 10 }, undefined)).toBe(false); // Date.parse('30') is in the year 2030, or not a date
    const other = compileCondition({ attribute: 'region', operator: 'eq', values: ['US'] }, noSegments);
    expect(other).not.toBe(compileCondition({ attribute: 'country', operator: 'eq', values: ['US'] }, noSegments));
  });

  it('never shares segment conditions: they depend on the segments of their environment', () => {
    const flag = flagSnapshot('f', {
      rules: [{ id: 'beta', conditions: [{ operator: 'in_segment', values: ['beta'] }], serve: { variant: 'on' } }],
      defaultServe: { variant: 'off' },
    });
    const beta = (included: string[]): SegmentSnapshot => ({ key: 'beta', conditions: [], included, excluded: [] });
    const env = (name: string, segment: SegmentSnapshot) =>
      compileEnvironment({ formatVersion: 1, environment: name, revision: 1, flags: { f: JSON.parse(JSON.stringify(flag)) as FlagSnapshot }, segments: { beta: segment } });
    const staging = env('staging', beta(['u-1']));
    const production = env('production', beta(['u-2']));
    expect(evaluateFlag(staging, 'f', { targetingKey: 'u-1' }).variant).toBe('on');
    expect(evaluateFlag(production, 'f', { targetingKey: 'u-1' }).variant).toBe('off');
    expect(evaluateFlag(production, 'f', { targetingKey: 'u-2' }).variant).toBe('on');
  });

  it('shares the conditions inside segments too, and rules made of them still combine per rule', () => {
    const segment: SegmentSnapshot = { key: 's', conditions: [conditions[0]!, conditions[9]!], included: [], excluded: [] };
    const a = compileSegment(segment);
    const b = compileSegment(JSON.parse(JSON.stringify(segment)) as SegmentSnapshot);
    const both = compileConditions([conditions[0]!, conditions[9]!], noSegments);
    for (const context of contexts) expect([a(context, 'u'), b(context, 'u')]).toEqual([both(context, 'u'), both(context, 'u')]);
    expect(sharedConditions.size).toBe(2);
  });

  it('shares long membership lists, told apart by every value, the operator and the attribute', () => {
    const list = Array.from({ length: 500 }, (_, i) => `user-${i}`);
    const inList = compileCondition({ attribute: 'targetingKey', operator: 'in', values: list }, noSegments);
    expect(compileCondition({ attribute: 'targetingKey', operator: 'in', values: [...list] }, noSegments)).toBe(inList);
    const oneDifferent = compileCondition({ attribute: 'targetingKey', operator: 'in', values: [...list.slice(0, -1), 'user-x'] }, noSegments);
    expect(oneDifferent).not.toBe(inList);
    expect([inList({ targetingKey: 'user-499' }, undefined), oneDifferent({ targetingKey: 'user-499' }, undefined)]).toEqual([true, false]);
    const notInList = compileCondition({ attribute: 'targetingKey', operator: 'not_in', values: list }, noSegments);
    expect([notInList({ targetingKey: 'user-1' }, undefined), notInList({ targetingKey: 'user-x' }, undefined)]).toEqual([false, true]);
    const otherAttribute = compileCondition({ attribute: 'userId', operator: 'in', values: list }, noSegments);
    expect(otherAttribute({ targetingKey: 'user-1' }, undefined)).toBe(false);
    // Numbers compare as strings in a membership test, so they may share with the same list of strings.
    const numbers = Array.from({ length: 500 }, (_, i) => 1_000_000 + i);
    const asNumbers = compileCondition({ attribute: 'account', operator: 'in', values: numbers }, noSegments);
    expect(compileCondition({ attribute: 'account', operator: 'in', values: numbers.map(String) }, noSegments)({ account: 1_000_499 }, undefined)).toBe(true);
    expect(asNumbers({ account: '1000000' }, undefined)).toBe(true);
  });
});
