import { describe, expect, it } from 'vitest';
import { compileEnvironment, evaluateFlag, type CompiledEnvironment } from '../../src/evaluation/compile.ts';
import type { FlagSnapshot, SegmentSnapshot } from '../../src/shared/snapshot.ts';
import { flagSnapshot } from '../support/flag-snapshot.ts';

const flag = flagSnapshot;

const environment = (flags: FlagSnapshot[], segments: SegmentSnapshot[] = [], revision = 42): CompiledEnvironment =>
  compileEnvironment({
    formatVersion: 1,
    environment: 'production',
    revision,
    flags: Object.fromEntries(flags.map((f) => [f.key, f])),
    segments: Object.fromEntries(segments.map((s) => [s.key, s])),
  });

const split = (on: number) => ({ split: [{ variant: 'on', weight: on }, { variant: 'off', weight: 100_000 - on }] });

describe('evaluation order', () => {
  it('1. an unknown flag gives the caller default with FLAG_NOT_FOUND', () => {
    expect(evaluateFlag(environment([]), 'missing', { targetingKey: 'u' }, 'fallback')).toMatchObject({
      flagKey: 'missing',
      value: 'fallback',
      reason: 'ERROR',
      errorCode: 'FLAG_NOT_FOUND',
      revision: 42,
    });
  });

  it('2. a disabled flag serves its off variant, whatever else it says', () => {
    const env = environment([flag('f', { enabled: false, targets: [{ variant: 'on', units: ['u'] }], defaultServe: { variant: 'on' } })]);
    expect(evaluateFlag(env, 'f', { targetingKey: 'u' })).toEqual({ flagKey: 'f', value: false, variant: 'off', reason: 'DISABLED', revision: 42 });
  });

  it('3. unmet prerequisites serve the off variant; met ones let evaluation go on', () => {
    const parent = flag('parent', { rules: [{ id: 'beta', conditions: [{ attribute: 'beta', operator: 'eq', values: [true] }], serve: { variant: 'on' } }], defaultServe: { variant: 'off' } });
    const child = flag('child', { prerequisites: [{ flagKey: 'parent', variant: 'on' }] });
    const env = environment([parent, child]);
    expect(evaluateFlag(env, 'child', { targetingKey: 'u', beta: false })).toMatchObject({ variant: 'off', reason: 'PREREQUISITE_FAILED' });
    expect(evaluateFlag(env, 'child', { targetingKey: 'u', beta: true })).toMatchObject({ variant: 'on', reason: 'DEFAULT' });
    const orphan = environment([child]);
    expect(evaluateFlag(orphan, 'child', { targetingKey: 'u' })).toMatchObject({ variant: 'off', reason: 'PREREQUISITE_FAILED' });
  });

  it('4. an individual target wins over rules', () => {
    const env = environment([
      flag('f', {
        targets: [{ variant: 'off', units: ['vip'] }],
        rules: [{ id: 'all', conditions: [], serve: { variant: 'on' } }],
      }),
    ]);
    expect(evaluateFlag(env, 'f', { targetingKey: 'vip' })).toEqual({ flagKey: 'f', value: false, variant: 'off', reason: 'TARGETING_MATCH', revision: 42 });
    expect(evaluateFlag(env, 'f', { userId: 'vip' })).toMatchObject({ variant: 'off', reason: 'TARGETING_MATCH' });
    expect(evaluateFlag(env, 'f', { targetingKey: 'other' })).toMatchObject({ variant: 'on', reason: 'TARGETING_MATCH', ruleId: 'all' });
  });

  it('5. the first matching rule serves, with SPLIT when a split chose', () => {
    const env = environment([
      flag('f', {
        rules: [
          { id: 'us-premium', conditions: [{ attribute: 'country', operator: 'in', values: ['US', 'CA'] }, { attribute: 'plan', operator: 'eq', values: ['premium'] }], serve: { variant: 'off' } },
          { id: 'us', conditions: [{ attribute: 'country', operator: 'eq', values: ['US'] }], serve: split(50_000) },
        ],
        defaultServe: { variant: 'on' },
      }),
    ]);
    expect(evaluateFlag(env, 'f', { targetingKey: 'u', country: 'US', plan: 'premium' })).toMatchObject({ variant: 'off', reason: 'TARGETING_MATCH', ruleId: 'us-premium' });
    expect(evaluateFlag(env, 'f', { targetingKey: 'u', country: 'US', plan: 'free' })).toMatchObject({ reason: 'SPLIT', ruleId: 'us' });
    expect(evaluateFlag(env, 'f', { targetingKey: 'u', country: 'FR' })).toMatchObject({ variant: 'on', reason: 'DEFAULT' });
  });

  it('6. the default serve, or a default split', () => {
    const env = environment([flag('f', { defaultServe: split(25_000) })]);
    const result = evaluateFlag(env, 'f', { targetingKey: 'user-1' });
    expect(result.reason).toBe('SPLIT');
    expect(result).not.toHaveProperty('ruleId');
  });

  it('needs a unit for a split, and says so', () => {
    const env = environment([flag('f', { defaultServe: split(50_000) })]);
    expect(evaluateFlag(env, 'f', { country: 'US' }, true)).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'TARGETING_KEY_MISSING' });
  });

  it('buckets by the configured attribute', () => {
    const env = environment([flag('f', { bucketBy: 'companyId', defaultServe: split(50_000) })]);
    const a = evaluateFlag(env, 'f', { targetingKey: 'u1', companyId: 'acme' });
    const b = evaluateFlag(env, 'f', { targetingKey: 'u2', companyId: 'acme' });
    expect(a.variant).toBe(b.variant);
  });

  it('returns the same frozen object for the same outcome, and a new one after a new revision', () => {
    const env = environment([flag('f')]);
    const first = evaluateFlag(env, 'f', { targetingKey: 'a' });
    expect(evaluateFlag(env, 'f', { targetingKey: 'b' })).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    const next = compileEnvironment({ ...env.snapshot, revision: 43 }, env);
    expect(next.flags.get('f')).toBe(env.flags.get('f'));
    expect(evaluateFlag(next, 'f', { targetingKey: 'a' }).revision).toBe(43);
  });

  it('builds each result as it is first reached, with the reason, rule and variant of the path that reached it', () => {
    const three = { a: 'A', b: 'B', c: 'C' };
    const thirds = { split: [{ variant: 'a', weight: 33_334 }, { variant: 'b', weight: 33_333 }, { variant: 'c', weight: 33_333 }] };
    const env = environment([
      flag('f', {
        type: 'string',
        variants: three,
        offVariant: 'a',
        targets: [{ variant: 'c', units: ['vip'] }],
        rules: [
          { id: 'us', conditions: [{ attribute: 'country', operator: 'eq', values: ['US'] }], serve: { variant: 'b' } },
          { id: 'pro', conditions: [{ attribute: 'plan', operator: 'eq', values: ['pro'] }], serve: thirds },
        ],
        defaultServe: thirds,
        experiment: { key: 'exp', salt: 'exp', trafficPercent: 100, audience: [{ attribute: 'beta', operator: 'eq', values: ['yes'] }], variants: [{ variant: 'a', weight: 50_000 }, { variant: 'c', weight: 50_000 }] },
      }),
    ]);
    const outcome = (context: Record<string, string>) => {
      const { variant, reason, ruleId, experimentKey } = evaluateFlag(env, 'f', context);
      return { variant, reason, ruleId, experimentKey };
    };
    const seen = new Map<string, Set<string | undefined>>();
    for (let i = 0; i < 300; i++) {
      const unit = `u${i}`;
      expect(outcome({ targetingKey: 'vip', country: 'US' })).toEqual({ variant: 'c', reason: 'TARGETING_MATCH', ruleId: undefined, experimentKey: undefined });
      expect(outcome({ targetingKey: unit, country: 'US' })).toEqual({ variant: 'b', reason: 'TARGETING_MATCH', ruleId: 'us', experimentKey: undefined });
      const cases = [
        [{ targetingKey: unit, plan: 'pro' }, 'SPLIT', 'pro', undefined],
        [{ targetingKey: unit }, 'SPLIT', undefined, undefined],
        [{ targetingKey: unit, beta: 'yes', country: 'US' }, 'SPLIT', 'experiment', 'exp'],
      ] as const;
      for (const [context, reason, ruleId, experimentKey] of cases) {
        const result = outcome(context);
        expect(result).toMatchObject({ reason, ruleId, experimentKey });
        expect(evaluateFlag(env, 'f', context)).toBe(evaluateFlag(env, 'f', context));
        let variants = seen.get(`${ruleId}`);
        if (!variants) seen.set(`${ruleId}`, (variants = new Set()));
        variants.add(result.variant);
      }
    }
    expect(Object.fromEntries([...seen].map(([path, variants]) => [path, [...variants].sort()]))).toEqual({ pro: ['a', 'b', 'c'], undefined: ['a', 'b', 'c'], experiment: ['a', 'c'] });
  });

  it('serves typed values and keeps JSON values from being mutated', () => {
    const env = environment([
      flag('price', { type: 'number', variants: { low: 9.99, high: 19.99 }, offVariant: 'low', defaultServe: { variant: 'high' } }),
      flag('layout', { type: 'json', variants: { a: { columns: 2 }, b: { columns: 3 } }, offVariant: 'a', defaultServe: { variant: 'b' } }),
    ]);
    expect(evaluateFlag(env, 'price', {}).value).toBe(19.99);
    const layout = evaluateFlag(env, 'layout', {}).value as { columns: number };
    expect(layout).toEqual({ columns: 3 });
    expect(() => {
      (layout as { columns: number }).columns = 4;
    }).toThrow();
  });
});

describe('bucketing', () => {
  it('puts 200,000 units on a 25/75 split within ±0.5 points', () => {
    const env = environment([flag('rollout', { defaultServe: split(25_000) })]);
    let on = 0;
    for (let i = 0; i < 200_000; i++) if (evaluateFlag(env, 'rollout', { targetingKey: `user-${i}` }).variant === 'on') on++;
    expect(Math.abs((on / 200_000) * 100 - 25)).toBeLessThanOrEqual(0.5);
  });

  it('keeps every unit that was in when a rollout grows from 10% to 20%', () => {
    const ten = environment([flag('rollout', { defaultServe: split(10_000) })]);
    const twenty = environment([flag('rollout', { defaultServe: split(20_000) })]);
    let wasIn = 0;
    let nowIn = 0;
    for (let i = 0; i < 50_000; i++) {
      const context = { targetingKey: `user-${i}` };
      const before = evaluateFlag(ten, 'rollout', context).variant === 'on';
      const after = evaluateFlag(twenty, 'rollout', context).variant === 'on';
      if (before) {
        wasIn++;
        expect(after).toBe(true);
      }
      if (after) nowIn++;
    }
    expect(wasIn).toBeGreaterThan(4_500);
    expect(nowIn).toBeGreaterThan(9_500);
  });

  it('walks variants in declared order on the shared vector', () => {
    // new-checkout.user-1 → bucket 5599 (bucketing-vectors.json): in the first 5.6%, out of the first 5.5%.
    const at = (weight: number) => evaluateFlag(environment([flag('new-checkout', { defaultServe: split(weight) })]), 'new-checkout', { targetingKey: 'user-1' }).variant;
    expect(at(5_600)).toBe('on');
    expect(at(5_599)).toBe('off');
  });
});

describe('operators', () => {
  const matches = (condition: Parameters<typeof ruleWith>[0], context: Record<string, unknown>, segments: SegmentSnapshot[] = []): boolean =>
    evaluateFlag(environment([ruleWith(condition)], segments), 'f', { targetingKey: 'u-1', ...context }).reason === 'TARGETING_MATCH';
  function ruleWith(condition: FlagSnapshot['rules'][number]['conditions'][number]): FlagSnapshot {
    return flag('f', { rules: [{ id: 'r', conditions: [condition], serve: { variant: 'on' } }], defaultServe: { variant: 'off' } });
  }

  it.each([
    [{ attribute: 'country', operator: 'eq', values: ['US'] }, { country: 'US' }, true],
    [{ attribute: 'country', operator: 'eq', values: ['US'] }, { country: 'us' }, false],
    [{ attribute: 'age', operator: 'eq', values: [30] }, { age: '30' }, true],
    [{ attribute: 'beta', operator: 'eq', values: [true] }, { beta: true }, true],
    [{ attribute: 'country', operator: 'neq', values: ['US'] }, { country: 'FR' }, true],
    [{ attribute: 'country', operator: 'neq', values: ['US'] }, {}, true],
    [{ attribute: 'country', operator: 'in', values: ['US', 'CA'] }, { country: 'CA' }, true],
    [{ attribute: 'groups', operator: 'in', values: ['admins'] }, { groups: ['staff', 'admins'] }, true],
    [{ attribute: 'country', operator: 'not_in', values: ['US', 'CA'] }, { country: 'CA' }, false],
    [{ attribute: 'country', operator: 'not_in', values: ['US'] }, {}, true],
    [{ attribute: 'country', operator: 'in', values: ['US'] }, {}, false],
    [{ attribute: 'email', operator: 'contains', values: ['@corp'] }, { email: 'a@corp.com' }, true],
    [{ attribute: 'email', operator: 'starts_with', values: ['admin', 'root'] }, { email: 'root@x' }, true],
    [{ attribute: 'email', operator: 'ends_with', values: ['.com'] }, { email: 'a@x.org' }, false],
    [{ attribute: 'email', operator: 'ends_with', values: ['.com'] }, { email: 42 }, false],
    [{ attribute: 'email', operator: 'matches', values: ['^[a-z]+@example\\.com$'] }, { email: 'bob@example.com' }, true],
    [{ attribute: 'email', operator: 'matches', values: ['example'] }, { email: 'bob@example.com' }, true],
    [{ attribute: 'email', operator: 'matches', values: ['^x'] }, { email: 'bob@example.com' }, false],
    [{ attribute: 'age', operator: 'gt', values: [18] }, { age: 19 }, true],
    [{ attribute: 'age', operator: 'gt', values: [18] }, { age: '18' }, false],
    [{ attribute: 'age', operator: 'gte', values: [18] }, { age: '18' }, true],
    [{ attribute: 'age', operator: 'lt', values: [18] }, { age: 'young' }, false],
    [{ attribute: 'age', operator: 'lte', values: [18] }, { age: 17.5 }, true],
    // Every comparison at its boundary, where < and <= part ways.
    [{ attribute: 'age', operator: 'gt', values: [18] }, { age: 18 }, false],
    [{ attribute: 'age', operator: 'gte', values: [18] }, { age: 17.99 }, false],
    [{ attribute: 'age', operator: 'lt', values: [18] }, { age: 18 }, false],
    [{ attribute: 'age', operator: 'lt', values: [18] }, { age: 17.99 }, true],
    [{ attribute: 'age', operator: 'lte', values: [18] }, { age: 18 }, true],
    [{ attribute: 'age', operator: 'lte', values: [18] }, { age: 18.01 }, false],
    [{ attribute: 'signup', operator: 'before', values: ['2026-01-01T00:00:00Z'] }, { signup: '2026-01-01T00:00:00Z' }, false],
    [{ attribute: 'signup', operator: 'before', values: ['2026-01-01T00:00:00Z'] }, { signup: '2025-12-31T23:59:59.999Z' }, true],
    [{ attribute: 'signup', operator: 'after', values: ['2026-01-01T00:00:00Z'] }, { signup: '2026-01-01T00:00:00Z' }, false],
    [{ attribute: 'signup', operator: 'after', values: ['2026-01-01T00:00:00Z'] }, { signup: '2026-01-01T00:00:00.001Z' }, true],
    [{ attribute: 'signup', operator: 'before', values: ['2026-01-01T00:00:00Z'] }, { signup: '2025-12-31T23:59:59Z' }, true],
    [{ attribute: 'signup', operator: 'before', values: ['2026-01-01T00:00:00Z'] }, { signup: Date.parse('2026-06-01T00:00:00Z') }, false],
    [{ attribute: 'signup', operator: 'after', values: ['2026-01-01'] }, { signup: '2026-01-02' }, true],
    [{ attribute: 'signup', operator: 'after', values: ['2026-01-01'] }, { signup: 'soon' }, false],
    [{ attribute: 'app', operator: 'semver_eq', values: ['1.2.3'] }, { app: '1.2.3' }, true],
    [{ attribute: 'app', operator: 'semver_gt', values: ['1.2.3'] }, { app: '1.10.0' }, true],
    [{ attribute: 'app', operator: 'semver_gt', values: ['1.2.3'] }, { app: '1.2.3-beta.1' }, false],
    [{ attribute: 'app', operator: 'semver_lt', values: ['2.0.0'] }, { app: '1.9.9' }, true],
    [{ attribute: 'app', operator: 'semver_lt', values: ['2.0.0'] }, { app: 'latest' }, false],
    [{ attribute: 'plan', operator: 'exists' }, { plan: 'free' }, true],
    [{ attribute: 'plan', operator: 'exists' }, { plan: null }, false],
    [{ attribute: 'plan', operator: 'not_exists' }, {}, true],
    // A context is read as its own attributes only: every object inherits constructor, toString, __proto__...
    [{ attribute: 'constructor', operator: 'not_exists' }, {}, true],
    [{ attribute: 'constructor', operator: 'exists' }, {}, false],
    [{ attribute: 'constructor', operator: 'exists' }, { constructor: 'x' }, true],
    [{ attribute: 'toString', operator: 'neq', values: ['x'] }, {}, true],
    [{ attribute: '__proto__', operator: 'not_exists' }, {}, true],
    [{ attribute: 'hasOwnProperty', operator: 'in', values: ['x'] }, { hasOwnProperty: 'x' }, true],
  ] as const)('%j on %j → %s', (condition, context, expected) => {
    expect(matches(condition as never, context)).toBe(expected);
  });

  it('inlines segments: included, excluded, then conditions; a segment without conditions matches only its included units', () => {
    const segments: SegmentSnapshot[] = [
      { key: 'staff', conditions: [{ attribute: 'email', operator: 'ends_with', values: ['@corp.com'] }], included: ['friend'], excluded: ['u-1'] },
      { key: 'listed', conditions: [], included: ['u-9'], excluded: [] },
    ];
    const inStaff = { operator: 'in_segment' as const, values: ['staff'] };
    expect(matches(inStaff, { targetingKey: 'u-2', email: 'a@corp.com' }, segments)).toBe(true);
    expect(matches(inStaff, { targetingKey: 'friend', email: 'a@gmail.com' }, segments)).toBe(true);
    expect(matches(inStaff, { targetingKey: 'u-1', email: 'a@corp.com' }, segments)).toBe(false);
    expect(matches({ operator: 'not_in_segment', values: ['staff'] }, { targetingKey: 'u-1', email: 'a@corp.com' }, segments)).toBe(true);
    expect(matches({ operator: 'in_segment', values: ['listed'] }, { targetingKey: 'u-2' }, segments)).toBe(false);
    expect(matches({ operator: 'in_segment', values: ['listed'] }, { targetingKey: 'u-9' }, segments)).toBe(true);
    expect(matches({ operator: 'in_segment', values: ['gone'] }, { targetingKey: 'u-9' }, segments)).toBe(false);
  });
});

describe('experiments (step 5 of the evaluation order)', () => {
  const withExperiment = (trafficPercent: number, overrides: Partial<FlagSnapshot> = {}) =>
    flag('onboarding', {
      defaultServe: { variant: 'off' },
      experiment: {
        key: 'exp-onboarding',
        salt: 'exp-onboarding',
        trafficPercent,
        audience: [{ attribute: 'country', operator: 'eq', values: ['US'] }],
        variants: [{ variant: 'off', weight: 50_000 }, { variant: 'on', weight: 50_000 }],
      },
      ...overrides,
    });

  it('assigns units in the audience and the allocation, naming the experiment', () => {
    const env = environment([withExperiment(100)]);
    const result = evaluateFlag(env, 'onboarding', { targetingKey: 'user-1', country: 'US' });
    expect(result).toMatchObject({ reason: 'SPLIT', ruleId: 'experiment', experimentKey: 'exp-onboarding' });
    expect(evaluateFlag(env, 'onboarding', { targetingKey: 'user-1', country: 'FR' })).toMatchObject({ reason: 'DEFAULT', variant: 'off' });
    expect(evaluateFlag(env, 'onboarding', { targetingKey: 'user-1', country: 'FR' })).not.toHaveProperty('experimentKey');
  });

  it('allocates traffic with the <key>:traffic salt of the shared vectors', () => {
    // exp-onboarding:traffic.user-1 → bucket 62625: in at 62.626%, out at 62.625%.
    const at = (percent: number) => evaluateFlag(environment([withExperiment(percent)]), 'onboarding', { targetingKey: 'user-1', country: 'US' });
    expect(at(62.626).experimentKey).toBe('exp-onboarding');
    expect(at(62.625).experimentKey).toBeUndefined();
  });

  it('picks variants with the experiment key as salt, so changing the traffic reshuffles no one', () => {
    const small = environment([withExperiment(20)]);
    const large = environment([withExperiment(80)]);
    let inBoth = 0;
    for (let i = 0; i < 20_000; i++) {
      const context = { targetingKey: `user-${i}`, country: 'US' };
      const before = evaluateFlag(small, 'onboarding', context);
      const after = evaluateFlag(large, 'onboarding', context);
      if (before.experimentKey) {
        inBoth++;
        expect(after.experimentKey).toBe('exp-onboarding');
        expect(after.variant).toBe(before.variant);
      }
    }
    expect(inBoth).toBeGreaterThan(3_500);
  });

  it('splits by the experiment weights, with individual targets still first', () => {
    const env = environment([withExperiment(100, { targets: [{ variant: 'off', units: ['vip'] }] })]);
    expect(evaluateFlag(env, 'onboarding', { targetingKey: 'vip', country: 'US' })).toMatchObject({ reason: 'TARGETING_MATCH' });
    let on = 0;
    for (let i = 0; i < 20_000; i++) if (evaluateFlag(env, 'onboarding', { targetingKey: `u-${i}`, country: 'US' }).variant === 'on') on++;
    expect(Math.abs(on / 20_000 - 0.5)).toBeLessThan(0.015);
  });

  it('leaves out an experiment that names a variant the flag no longer has', () => {
    const env = environment([
      flag('gone', { defaultServe: { variant: 'on' }, experiment: { key: 'e', salt: 'e', trafficPercent: 100, audience: [], variants: [{ variant: 'on', weight: 50_000 }, { variant: 'ghost', weight: 50_000 }] } }),
    ]);
    expect(evaluateFlag(env, 'gone', { targetingKey: 'u' })).toMatchObject({ reason: 'DEFAULT', variant: 'on' });
  });
});
