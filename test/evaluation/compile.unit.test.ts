import { describe, expect, it } from 'vitest';
import { compileEnvironment, evaluateFlag, type CompiledEnvironment } from '../../src/evaluation/compile.ts';
import type { FlagSnapshot, SegmentSnapshot } from '../../src/shared/snapshot.ts';
import { flagSnapshot as flag } from '../support/flag-snapshot.ts';
import { bucket } from '../support/reference-evaluator.ts';

/** The compiled engine's own contract beyond the evaluation order (evaluate.unit.test.ts): errors, limits, reuse, sharing. */

const snapshotOf = (flags: FlagSnapshot[], segments: SegmentSnapshot[] = [], revision = 42) => ({
  formatVersion: 1 as const,
  environment: 'production',
  revision,
  flags: Object.fromEntries(flags.map((f) => [f.key, f])),
  segments: Object.fromEntries(segments.map((s) => [s.key, s])),
});

const environment = (flags: FlagSnapshot[], segments: SegmentSnapshot[] = [], revision = 42): CompiledEnvironment => compileEnvironment(snapshotOf(flags, segments, revision));

const outcome = (env: CompiledEnvironment, key: string, context: Record<string, unknown>) => {
  const { variant, reason, ruleId, errorCode } = evaluateFlag(env, key, context);
  return { variant, reason, ruleId, errorCode };
};

/** The first of u0, u1... whose bucket for `prefix` satisfies `test`. */
function unitWhere(prefix: string, test: (bucket: number) => boolean): { unit: string; bucket: number } {
  for (let i = 0; ; i++) {
    const b = bucket(`${prefix}u${i}`);
    if (test(b)) return { unit: `u${i}`, bucket: b };
  }
}

describe('errors', () => {
  it.each([
    ['its off variant', { offVariant: 'nope' }],
    ['a target', { targets: [{ variant: 'nope', units: ['u'] }] }],
    ['a rule', { rules: [{ id: 'r', conditions: [], serve: { variant: 'nope' } }] }],
    ['its default split', { defaultServe: { split: [{ variant: 'on', weight: 50_000 }, { variant: 'nope', weight: 50_000 }] } }],
  ] as const)('refuses to compile a flag whose %s serves a variant it does not have', (_, overrides) => {
    expect(() => environment([flag('f', overrides as Partial<FlagSnapshot>)])).toThrow(new Error('flag f serves unknown variant nope'));
  });

  it('says which flag is missing where, and which attribute a split needs', () => {
    const env = environment([flag('f', { bucketBy: 'companyId', defaultServe: { split: [{ variant: 'on', weight: 50_000 }, { variant: 'off', weight: 50_000 }] } })]);
    expect(evaluateFlag(env, 'missing', {}, 'fallback')).toStrictEqual({
      flagKey: 'missing',
      value: 'fallback',
      reason: 'ERROR',
      errorCode: 'FLAG_NOT_FOUND',
      errorMessage: 'flag missing is not defined in production',
      revision: 42,
    });
    expect(evaluateFlag(env, 'f', { targetingKey: 'u' }, true)).toStrictEqual({
      flagKey: 'f',
      value: true,
      reason: 'ERROR',
      errorCode: 'TARGETING_KEY_MISSING',
      errorMessage: 'a split needs the context attribute companyId',
      revision: 42,
    });
  });
});

describe('prerequisite depth', () => {
  /** p0 requires p1 on, ..., p(n-1) requires pn on; pn serves on. */
  const chain = (n: number) => Array.from({ length: n + 1 }, (_, i) => flag(`p${i}`, { prerequisites: i < n ? [{ flagKey: `p${i + 1}`, variant: 'on' }] : [] }));

  it('follows a chain 16 prerequisites deep and fails one 17 deep', () => {
    expect(outcome(environment(chain(16)), 'p0', {})).toEqual({ variant: 'on', reason: 'DEFAULT' });
    expect(outcome(environment(chain(17)), 'p0', {})).toEqual({ variant: 'off', reason: 'PREREQUISITE_FAILED' });
    expect(outcome(environment(chain(17)), 'p1', {})).toEqual({ variant: 'on', reason: 'DEFAULT' });
  });

  it('fails a cycle instead of recursing without end', () => {
    const env = environment([flag('a', { prerequisites: [{ flagKey: 'b', variant: 'on' }] }), flag('b', { prerequisites: [{ flagKey: 'a', variant: 'on' }] })]);
    expect(outcome(env, 'a', {})).toEqual({ variant: 'off', reason: 'PREREQUISITE_FAILED' });
  });
});

describe('the unit', () => {
  const targeted = (bucketBy: string) => flag('f', { bucketBy, targets: [{ variant: 'off', units: ['u', '7', 'NaN', 'Infinity', 'true'] }] });

  it.each([
    [{ targetingKey: 'u' }, 'off'],
    [{ targetingKey: 7 }, 'off'],
    [{ targetingKey: Number.NaN }, 'on'],
    [{ targetingKey: Number.POSITIVE_INFINITY }, 'on'],
    [{ targetingKey: true }, 'on'],
    [{ userId: 'u' }, 'off'],
    [{ targetingKey: null, userId: 'u' }, 'off'],
    [{ targetingKey: 'other', userId: 'u' }, 'on'],
  ])('by targetingKey, %j is targeted: %s', (context, variant) => {
    expect(outcome(environment([targeted('targetingKey')]), 'f', context).variant).toBe(variant);
  });

  it.each([
    [{ companyId: 'u' }, 'off'],
    [{ companyId: 7 }, 'off'],
    [{ userId: 'u' }, 'on'],
    [{ targetingKey: 'u' }, 'on'],
    [{ companyId: null, userId: 'u' }, 'on'],
  ])('by companyId, %j is targeted: %s (userId stands in for targetingKey only)', (context, variant) => {
    expect(outcome(environment([targeted('companyId')]), 'f', context).variant).toBe(variant);
  });
});

describe('results', () => {
  it('are built per flag, even for the first revision', () => {
    const env = environment([flag('a', { enabled: false }), flag('b', { enabled: false, offVariant: 'on' })], [], 1);
    expect(evaluateFlag(env, 'a', {})).toStrictEqual({ flagKey: 'a', value: false, variant: 'off', reason: 'DISABLED', revision: 1 });
    expect(evaluateFlag(env, 'b', {})).toStrictEqual({ flagKey: 'b', value: true, variant: 'on', reason: 'DISABLED', revision: 1 });
  });

  it('stay shared while other outcomes of the flag are built', () => {
    const env = environment([flag('f', { targets: [{ variant: 'off', units: ['vip'] }] })]);
    const first = evaluateFlag(env, 'f', { targetingKey: 'a' });
    expect(evaluateFlag(env, 'f', { targetingKey: 'vip' })).toMatchObject({ variant: 'off', reason: 'TARGETING_MATCH' });
    expect(evaluateFlag(env, 'f', { targetingKey: 'b' })).toBe(first);
  });

  it('have a place for every rule of a flag with many rules', () => {
    const rules = Array.from({ length: 6 }, (_, i) => ({ id: `r${i}`, conditions: [{ attribute: 'n', operator: 'eq' as const, values: [i] }], serve: { variant: 'c' } }));
    const env = environment([flag('f', { type: 'string', variants: { a: 'A', b: 'B', c: 'C' }, offVariant: 'a', rules, defaultServe: { variant: 'b' } })]);
    expect(evaluateFlag(env, 'f', { n: 5 })).toStrictEqual({ flagKey: 'f', value: 'C', variant: 'c', reason: 'TARGETING_MATCH', ruleId: 'r5', revision: 42 });
    expect(evaluateFlag(env, 'f', { n: 9 })).toStrictEqual({ flagKey: 'f', value: 'B', variant: 'b', reason: 'DEFAULT', revision: 42 });
  });
});

describe('splits', () => {
  it('give a bucket equal to a bound to the next variant, in experiments too', () => {
    const { unit, bucket: at } = unitWhere('exp.', (b) => b > 0);
    const experiment = (weight: number) =>
      environment([flag('f', { defaultServe: { variant: 'off' }, experiment: { key: 'e', salt: 'exp', trafficPercent: 100, audience: [], variants: [{ variant: 'on', weight }, { variant: 'off', weight: 100_000 - weight }] } })]);
    expect(evaluateFlag(experiment(at), 'f', { targetingKey: unit })).toMatchObject({ variant: 'off', reason: 'SPLIT', ruleId: 'experiment', experimentKey: 'e' });
    expect(evaluateFlag(experiment(at + 1), 'f', { targetingKey: unit })).toMatchObject({ variant: 'on', reason: 'SPLIT', ruleId: 'experiment', experimentKey: 'e' });
  });

  it('give the buckets past weights that fall short of 100,000 (a hand-written snapshot) to the last variant of positive weight', () => {
    const { unit } = unitWhere('f.', (b) => b >= 10);
    const env = environment([flag('f', { defaultServe: { split: [{ variant: 'off', weight: 10 }, { variant: 'on', weight: 0 }] } })]);
    expect(outcome(env, 'f', { targetingKey: unit })).toEqual({ variant: 'off', reason: 'SPLIT' });
  });

  it("let an experiment's buckets past weights that fall short of 100,000 fall through to the rules", () => {
    const { unit } = unitWhere('exp.', (b) => b >= 10);
    const short = { key: 'e', salt: 'exp', trafficPercent: 100, audience: [], variants: [{ variant: 'on', weight: 10 }, { variant: 'off', weight: 0 }] };
    const env = environment([flag('f', { defaultServe: { variant: 'off' }, experiment: short })]);
    expect(evaluateFlag(env, 'f', { targetingKey: unit })).toStrictEqual({ flagKey: 'f', value: false, variant: 'off', reason: 'DEFAULT', revision: 42 });
  });

  it('never serve a variant of weight 0', () => {
    const split = { split: [{ variant: 'off', weight: 0 }, { variant: 'on', weight: 100_000 }, { variant: 'off', weight: 0 }] };
    const env = environment([flag('f', { defaultServe: split })]);
    for (let i = 0; i < 200; i++) expect(outcome(env, 'f', { targetingKey: `u${i}` }).variant).toBe('on');
  });

  it('are shared between flags only when their bounds and variants are the same', () => {
    // Bounds 1,99999 and 19,9999 read alike without separators; so do variants 1,10 and 11,0.
    const abc = { type: 'string' as const, variants: { a: 'A', b: 'B', c: 'C' }, offVariant: 'a' };
    const many = { type: 'string' as const, variants: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`v${i}`, i])), offVariant: 'v0' };
    const halves = (x: string, y: string) => ({ split: [{ variant: x, weight: 50_000 }, { variant: y, weight: 50_000 }] });
    const env = environment([
      flag('f', { ...abc, defaultServe: { split: [{ variant: 'a', weight: 1 }, { variant: 'b', weight: 99_998 }, { variant: 'c', weight: 1 }] } }),
      flag('g', { ...abc, defaultServe: { split: [{ variant: 'a', weight: 19 }, { variant: 'b', weight: 9_980 }, { variant: 'c', weight: 90_001 }] } }),
      flag('h', { ...many, defaultServe: halves('v1', 'v10') }),
      flag('k', { ...many, defaultServe: halves('v11', 'v0') }),
    ]);
    expect(outcome(env, 'g', { targetingKey: unitWhere('g.', (b) => b >= 10_000).unit }).variant).toBe('c');
    expect(outcome(env, 'k', { targetingKey: unitWhere('k.', (b) => b < 50_000).unit }).variant).toBe('v11');
    expect(outcome(env, 'k', { targetingKey: unitWhere('k.', (b) => b >= 50_000).unit }).variant).toBe('v0');
  });
});

describe('recompiling with the previous compilation', () => {
  const staff: SegmentSnapshot = { key: 'staff', conditions: [], included: ['alice'], excluded: [] };
  const beta: SegmentSnapshot = { key: 'beta', conditions: [], included: ['bob'], excluded: [] };
  const inSegments = (...keys: string[]) => flag('s', { rules: [{ id: 'r', conditions: [{ operator: 'in_segment', values: keys }], serve: { variant: 'off' } }] });
  // A plain condition whose value happens to be a segment's key does not name that segment.
  const plain = flag('p', { rules: [{ id: 'r', conditions: [{ attribute: 'plan', operator: 'eq', values: ['beta'] }], serve: { variant: 'off' } }] });

  it('reuses flags whose snapshot and segments are unchanged', () => {
    const flags = [plain, inSegments('staff', 'beta')];
    const before = environment(flags, [staff, beta]);
    const after = compileEnvironment(snapshotOf(flags, [staff, beta], 43), before);
    expect(after.flags.get('p')).toBe(before.flags.get('p'));
    expect(after.flags.get('s')).toBe(before.flags.get('s'));
  });

  it('recompiles a flag when one of the segments it names changed, even if others did not', () => {
    const flags = [plain, inSegments('staff', 'beta')];
    const before = environment(flags, [staff, beta]);
    expect(outcome(before, 's', { targetingKey: 'carol' }).variant).toBe('on');
    const after = compileEnvironment(snapshotOf(flags, [staff, { ...beta, included: ['carol'] }], 43), before);
    expect(after.flags.get('p')).toBe(before.flags.get('p'));
    expect(outcome(after, 's', { targetingKey: 'carol' })).toEqual({ variant: 'off', reason: 'TARGETING_MATCH', ruleId: 'r' });
  });
});
