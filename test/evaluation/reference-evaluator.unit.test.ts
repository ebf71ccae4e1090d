import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Condition } from '../../src/shared/targeting.ts';
import { bucket, murmur3x86x32, referenceEvaluate, type ReferenceConfiguration, type ReferenceFlag } from '../support/reference-evaluator.ts';

/** The parity test trusts the reference evaluator: its hash against the shared vectors, its rules against the README's. */
interface Vector {
  input: string;
  murmur3_x86_32: number;
  bucket: number;
}
const vectors = (JSON.parse(readFileSync(path.resolve(import.meta.dirname, 'bucketing-vectors.json'), 'utf8')) as { vectors: Vector[] }).vectors;

describe("the reference evaluator's murmur3_x86_32 and buckets", () => {
  it('reproduces every shared vector', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(12);
    for (const vector of vectors) {
      expect(murmur3x86x32(vector.input), vector.input).toBe(vector.murmur3_x86_32);
      expect(bucket(vector.input), vector.input).toBe(vector.bucket);
    }
  });
});

const BOOLEAN = { on: true, off: false };

function evaluate(flag: ReferenceFlag, context: Record<string, unknown>, segments: ReferenceConfiguration['segments'] = {}) {
  return referenceEvaluate({ flags: { f: flag }, segments }, 'f', context);
}

/** Whether a one-condition rule matches the context. */
function matches(condition: Condition, context: Record<string, unknown>, segments: ReferenceConfiguration['segments'] = {}): boolean {
  const flag = { variants: BOOLEAN, targeting: { enabled: true, offVariant: 'off', rules: [{ conditions: [condition], serve: { variant: 'on' } }], defaultServe: { variant: 'off' } } };
  return evaluate(flag, context, segments).variant === 'on';
}

describe("the reference evaluator follows the README's rules", () => {
  it("evaluates the README's new-checkout example", () => {
    const targeting = {
      enabled: true,
      offVariant: 'off',
      targets: [{ variant: 'on', units: ['user-1'] }],
      rules: [
        {
          id: 'us-premium',
          conditions: [{ attribute: 'country', operator: 'in', values: ['US', 'CA'] }, { attribute: 'plan', operator: 'eq', values: ['premium'] }] satisfies Condition[],
          serve: { variant: 'on' },
        },
      ],
      defaultServe: { split: [{ variant: 'on', weight: 25_000 }, { variant: 'off', weight: 75_000 }] },
    };
    const flag = { variants: BOOLEAN, targeting };
    expect(evaluate(flag, { targetingKey: 'user-1', country: 'JP' })).toEqual({ value: true, variant: 'on', reason: 'TARGETING_MATCH' });
    expect(evaluate(flag, { targetingKey: 'user-7', country: 'US', plan: 'premium' })).toEqual({ value: true, variant: 'on', reason: 'TARGETING_MATCH', ruleId: 'us-premium' });
    expect(evaluate({ ...flag, targeting: { ...targeting, enabled: false } }, { targetingKey: 'user-1' })).toEqual({ value: false, variant: 'off', reason: 'DISABLED' });
    // The default split: buckets [0, 25000) get on.
    for (const unit of ['user-2', 'user-3', 'user-4', 'user-5']) {
      const expected = bucket(`f.${unit}`) < 25_000 ? 'on' : 'off';
      expect(evaluate(flag, { targetingKey: unit })).toMatchObject({ variant: expected, reason: 'SPLIT' });
    }
    expect(evaluate(flag, { country: 'US' })).toEqual({ value: null, reason: 'ERROR', errorCode: 'TARGETING_KEY_MISSING' });
  });

  it('compares eq and in as strings, and fails a missing attribute on all but neq, not_in and not_exists', () => {
    expect(matches({ attribute: 'age', operator: 'eq', values: [30] }, { age: '30' })).toBe(true);
    expect(matches({ attribute: 'age', operator: 'in', values: ['30'] }, { age: 30 })).toBe(true);
    expect(matches({ attribute: 'groups', operator: 'in', values: ['beta'] }, { groups: ['admin', 'beta'] })).toBe(true);
    const negative = new Set(['neq', 'not_in', 'not_exists']);
    const operators: Condition[] = [
      { attribute: 'a', operator: 'eq', values: ['x'] },
      { attribute: 'a', operator: 'neq', values: ['x'] },
      { attribute: 'a', operator: 'in', values: ['x'] },
      { attribute: 'a', operator: 'not_in', values: ['x'] },
      { attribute: 'a', operator: 'contains', values: ['x'] },
      { attribute: 'a', operator: 'lt', values: [1] },
      { attribute: 'a', operator: 'before', values: ['2024-01-01T00:00:00Z'] },
      { attribute: 'a', operator: 'semver_lt', values: ['1.0.0'] },
      { attribute: 'a', operator: 'exists', values: [] },
      { attribute: 'a', operator: 'not_exists', values: [] },
    ];
    for (const condition of operators) {
      expect(matches(condition, {}), condition.operator).toBe(negative.has(condition.operator));
      expect(matches(condition, { a: null }), condition.operator).toBe(negative.has(condition.operator));
    }
    expect(matches({ attribute: 'constructor', operator: 'exists', values: [] }, {})).toBe(false); // never an inherited attribute
  });

  it('decides segments by included, then excluded, then conditions', () => {
    const segments = {
      pros: { conditions: [{ attribute: 'plan', operator: 'eq', values: ['pro'] }] satisfies Condition[], included: ['u-in'], excluded: ['u-out'] },
      listed: { conditions: [], included: ['u-in'], excluded: [] },
    };
    const inPros: Condition = { operator: 'in_segment', values: ['pros'] };
    expect(matches(inPros, { targetingKey: 'u-in', plan: 'free' }, segments)).toBe(true);
    expect(matches(inPros, { targetingKey: 'u-out', plan: 'pro' }, segments)).toBe(false);
    expect(matches(inPros, { targetingKey: 'u-other', plan: 'pro' }, segments)).toBe(true);
    expect(matches({ operator: 'in_segment', values: ['listed'] }, { targetingKey: 'u-other' }, segments)).toBe(false);
    expect(matches({ operator: 'not_in_segment', values: ['listed', 'pros'] }, { targetingKey: 'u-other', plan: 'free' }, segments)).toBe(true);
  });

  it('names rules without an id with the first free rule-N', () => {
    const rule = (id?: string) => ({ ...(id === undefined ? {} : { id }), conditions: [{ attribute: 'n', operator: 'eq', values: [id ?? 'x'] }] satisfies Condition[], serve: { variant: 'on' } });
    const flag = { variants: BOOLEAN, targeting: { enabled: true, offVariant: 'off', rules: [rule(), rule('rule-1'), rule()], defaultServe: { variant: 'off' } } };
    expect(evaluate(flag, { n: 'x' }).ruleId).toBe('rule-2');
    expect(evaluate(flag, { n: 'rule-1' }).ruleId).toBe('rule-1');
  });
});
