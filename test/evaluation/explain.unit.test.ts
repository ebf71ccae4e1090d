import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileEnvironment, evaluateFlag, type CompiledEnvironment } from '../../src/evaluation/compile.ts';
import { explainFlag, type TraceStep } from '../../src/evaluation/explain.ts';
import type { ExperimentSnapshot, FlagSnapshot, SegmentSnapshot } from '../../src/shared/snapshot.ts';
import { withRuleIds, type Condition, type Serve } from '../../src/shared/targeting.ts';
import { mulberry32 } from '../analytics/store/analytics-dataset.ts';
import { flagSnapshot as flag } from '../support/flag-snapshot.ts';
import { pick, randomContext, randomSegment, randomTargeting, USERS, type FlagShape, type Random } from '../support/random-configuration.ts';
import { bucket, referenceEvaluate, type ReferenceConfiguration } from '../support/reference-evaluator.ts';

/** Explain is "why did this user get this": each step of its trace is API (the admin UI and the CLI show it). */

const environment = (flags: FlagSnapshot[], segments: SegmentSnapshot[] = []): CompiledEnvironment =>
  compileEnvironment({
    formatVersion: 1,
    environment: 'production',
    revision: 42,
    flags: Object.fromEntries(flags.map((f) => [f.key, f])),
    segments: Object.fromEntries(segments.map((s) => [s.key, s])),
  });

const FLAG_STEP = { step: 'flag', held: true, detail: 'flag f exists in production at revision 42' } as const;
const ENABLED_STEP = { step: 'enabled', held: true, detail: 'enabled in production' } as const;
const halves = (first: string, second: string, at = 50_000): Serve => ({ split: [{ variant: first, weight: at }, { variant: second, weight: 100_000 - at }] });

/** The first of u0, u1... whose bucket for `prefix` satisfies `test`. */
function unitWhere(prefix: string, test: (bucket: number) => boolean): string {
  for (let i = 0; ; i++) if (test(bucket(`${prefix}u${i}`))) return `u${i}`;
}

/** The trace a prerequisite step nests. */
function nestedTrace(step: TraceStep | undefined): readonly TraceStep[] {
  if (step?.step !== 'prerequisite' || step.trace === undefined) throw new Error(`not a prerequisite step with a trace: ${JSON.stringify(step)}`);
  return step.trace;
}

describe('explain: the start of the trace', () => {
  it('stops at an unknown flag', () => {
    const explanation = explainFlag(environment([]), 'missing', { targetingKey: 'u' }, 'fallback');
    expect(explanation.trace).toStrictEqual([{ step: 'flag', held: false, detail: 'flag missing is not defined in production at revision 42 (unknown or archived)' }]);
    expect(explanation.outcome).toStrictEqual({ reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    expect(explanation.result).toMatchObject({ value: 'fallback', reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
  });

  it('stops at a disabled flag, naming the off variant', () => {
    const explanation = explainFlag(environment([flag('f', { enabled: false })]), 'f', { targetingKey: 'u' });
    expect(explanation.trace).toStrictEqual([FLAG_STEP, { step: 'enabled', held: false, detail: 'disabled in production: serves the off variant off' }]);
    expect(explanation.outcome).toStrictEqual({ variant: 'off', reason: 'DISABLED' });
  });

  it('reports a configuration it cannot walk as one failed step (a split without weight, from a hand-written snapshot)', () => {
    const env = environment([flag('f', { defaultServe: { split: [{ variant: 'on', weight: 0 }] } })]);
    const explanation = explainFlag(env, 'f', { targetingKey: 'u' });
    expect(explanation.trace).toStrictEqual([{ step: 'flag', held: false, detail: expect.stringMatching(/^evaluation failed: \S/) as unknown }]);
    expect(explanation.outcome).toStrictEqual({ reason: 'ERROR', errorCode: 'GENERAL' });
  });
});

describe('explain: prerequisites', () => {
  const parent = flag('parent', { rules: [{ id: 'beta', conditions: [{ attribute: 'beta', operator: 'eq', values: [true] }], serve: { variant: 'on' } }], defaultServe: halves('on', 'off') });
  const child = (flagKey = 'parent') => flag('f', { prerequisites: [{ flagKey, variant: 'on' }] });
  const betaCondition = (actual: unknown, held: boolean) => ({ attribute: 'beta', operator: 'eq', values: [true], actual, held });

  it('fails on a prerequisite flag that is not defined', () => {
    const explanation = explainFlag(environment([child('gone')]), 'f', { targetingKey: 'u' });
    expect(explanation.trace).toStrictEqual([FLAG_STEP, ENABLED_STEP, { step: 'prerequisite', held: false, flagKey: 'gone', requiredVariant: 'on', servedVariant: null, detail: 'gone is not defined here' }]);
    expect(explanation.outcome).toStrictEqual({ variant: 'off', reason: 'PREREQUISITE_FAILED' });
  });

  it("nests the prerequisite's own trace, and goes on when it served the required variant", () => {
    const env = environment([parent, child()]);
    const met = explainFlag(env, 'f', { targetingKey: 'u', beta: true });
    expect(met.trace).toStrictEqual([
      FLAG_STEP,
      ENABLED_STEP,
      {
        step: 'prerequisite',
        held: true,
        flagKey: 'parent',
        requiredVariant: 'on',
        servedVariant: 'on',
        detail: 'parent served on (TARGETING_MATCH); on is required',
        trace: [
          { step: 'flag', held: true, detail: 'flag parent exists in production at revision 42' },
          ENABLED_STEP,
          { step: 'rule', held: true, ruleId: 'beta', conditions: [betaCondition(true, true)] },
          { step: 'serve', from: 'rule', ruleId: 'beta', serve: { variant: 'on' }, unit: 'u', variant: 'on', detail: 'serves on' },
        ],
      },
      { step: 'serve', from: 'default', serve: { variant: 'on' }, unit: 'u', variant: 'on', detail: 'serves on' },
    ]);
    expect(met.outcome).toStrictEqual({ variant: 'on', reason: 'DEFAULT' });
  });

  it('fails when the prerequisite served another variant, or none', () => {
    const env = environment([parent, child()]);
    const unit = unitWhere('parent.', (b) => b >= 50_000);
    const other = explainFlag(env, 'f', { targetingKey: unit, beta: false });
    expect(other.trace[2]).toStrictEqual({
      step: 'prerequisite',
      held: false,
      flagKey: 'parent',
      requiredVariant: 'on',
      servedVariant: 'off',
      detail: 'parent served off (SPLIT); on is required',
      trace: [
        { step: 'flag', held: true, detail: 'flag parent exists in production at revision 42' },
        ENABLED_STEP,
        { step: 'rule', held: false, ruleId: 'beta', conditions: [betaCondition(false, false)] },
        { step: 'serve', from: 'default', serve: halves('on', 'off'), unit, bucket: bucket(`parent.${unit}`), variant: 'off', detail: `bucket ${bucket(`parent.${unit}`)} of ${unit} (0-99999) falls to off` },
      ],
    });
    expect(other.trace).toHaveLength(3);
    expect(other.outcome).toStrictEqual({ variant: 'off', reason: 'PREREQUISITE_FAILED' });

    const none = explainFlag(env, 'f', { beta: null });
    expect(none.trace[2]).toMatchObject({ held: false, servedVariant: null, detail: 'parent served no variant (ERROR); on is required' });
    expect(nestedTrace(none.trace[2])[2]).toStrictEqual({ step: 'rule', held: false, ruleId: 'beta', conditions: [betaCondition(null, false)] });
    expect(nestedTrace(none.trace[2])[3]).toStrictEqual({
      step: 'serve',
      from: 'default',
      serve: halves('on', 'off'),
      unit: null,
      detail: 'a split needs the context attribute targetingKey, which is missing',
    });
  });

  it('follows prerequisites 16 deep and fails the 17th', () => {
    const chain = (n: number) => environment(Array.from({ length: n + 1 }, (_, i) => flag(i === 0 ? 'f' : `p${i}`, { prerequisites: i < n ? [{ flagKey: `p${i + 1}`, variant: 'on' }] : [] })));
    expect(explainFlag(chain(16), 'f', {}).outcome).toStrictEqual({ variant: 'on', reason: 'DEFAULT' });
    let trace = explainFlag(chain(17), 'f', {}).trace;
    for (let depth = 0; depth < 16; depth++) trace = nestedTrace(trace[2]);
    expect(trace[2]).toStrictEqual({ step: 'prerequisite', held: false, flagKey: 'p17', requiredVariant: 'on', servedVariant: null, detail: 'prerequisites nest deeper than 16' });
    expect(explainFlag(chain(17), 'f', {}).outcome).toStrictEqual({ variant: 'off', reason: 'PREREQUISITE_FAILED' });
  });
});

describe('explain: individual targets', () => {
  const env = environment([flag('f', { targets: [{ variant: 'off', units: ['vip'] }] }), flag('g')]);

  it.each([
    [{ targetingKey: 'vip' }, { step: 'targets', held: true, attribute: 'targetingKey', unit: 'vip', variant: 'off', detail: 'vip is individually targeted with off' }],
    [{ targetingKey: 'other' }, { step: 'targets', held: false, attribute: 'targetingKey', unit: 'other', detail: 'other is not individually targeted' }],
    [{}, { step: 'targets', held: false, attribute: 'targetingKey', unit: null, detail: 'the context has no targetingKey' }],
  ])('%j: %j', (context, step) => {
    const { trace, outcome } = explainFlag(env, 'f', context);
    expect(trace.slice(0, 3)).toStrictEqual([FLAG_STEP, ENABLED_STEP, step]);
    if (step.held) {
      expect(trace).toHaveLength(3);
      expect(outcome).toStrictEqual({ variant: 'off', reason: 'TARGETING_MATCH' });
    } else {
      expect(trace.slice(3)).toStrictEqual([{ step: 'serve', from: 'default', serve: { variant: 'on' }, unit: step.unit, variant: 'on', detail: 'serves on' }]);
      expect(outcome).toStrictEqual({ variant: 'on', reason: 'DEFAULT' });
    }
  });

  it('has no targets step for a flag without targets', () => {
    expect(explainFlag(env, 'g', { targetingKey: 'vip' }).trace.map((step) => step.step)).toStrictEqual(['flag', 'enabled', 'serve']);
  });
});

describe('explain: rules, conditions and segments', () => {
  const segments: SegmentSnapshot[] = [
    { key: 'staff', conditions: [{ attribute: 'email', operator: 'ends_with', values: ['@corp.com'] }], included: ['friend'], excluded: ['u-1'] },
    { key: 'listed', conditions: [], included: ['u-9'], excluded: [] },
  ];
  const premium: Condition[] = [
    { attribute: 'country', operator: 'in', values: ['US', 'CA'] },
    { attribute: 'plan', operator: 'eq', values: ['premium'] },
  ];
  const segmented: Condition[] = [{ operator: 'in_segment', values: ['staff', 'gone'] }];
  const env = environment(
    [
      flag('f', {
        rules: [
          { id: 'premium', conditions: premium, serve: { variant: 'off' } },
          { id: 'staff', conditions: segmented, serve: halves('on', 'off') },
          { id: 'rest', conditions: [{ attribute: 'email', operator: 'exists', values: [] }], serve: { variant: 'on' } },
        ],
        defaultServe: { variant: 'off' },
      }),
      flag('g', { rules: [{ id: 'outsiders', conditions: [{ operator: 'not_in_segment', values: ['staff', 'listed'] }], serve: { variant: 'off' } }] }),
    ],
    segments,
  );

  it('traces each condition with the value it saw, each segment with why, and skips the rules after the match', () => {
    const { trace, outcome, result } = explainFlag(env, 'f', { targetingKey: 'friend', country: 'FR', plan: null });
    const at = bucket('f.friend');
    const variant = at < 50_000 ? 'on' : 'off';
    expect(trace).toStrictEqual([
      FLAG_STEP,
      ENABLED_STEP,
      {
        step: 'rule',
        held: false,
        ruleId: 'premium',
        conditions: [
          { attribute: 'country', operator: 'in', values: ['US', 'CA'], actual: 'FR', held: false },
          { attribute: 'plan', operator: 'eq', values: ['premium'], actual: null, held: false },
        ],
      },
      {
        step: 'rule',
        held: true,
        ruleId: 'staff',
        conditions: [
          {
            attribute: null,
            operator: 'in_segment',
            values: ['staff', 'gone'],
            actual: 'friend',
            held: true,
            segments: [
              { key: 'staff', matched: true, why: 'friend is included' },
              { key: 'gone', matched: false, why: 'the segment does not exist (or is archived) at this revision: it matches nobody' },
            ],
          },
        ],
      },
      { step: 'rule', held: null, ruleId: 'rest', detail: 'not evaluated: rule staff matched first' },
      { step: 'serve', from: 'rule', ruleId: 'staff', serve: halves('on', 'off'), unit: 'friend', bucket: at, variant, detail: `bucket ${at} of friend (0-99999) falls to ${variant}` },
    ]);
    expect(outcome).toStrictEqual({ variant, reason: 'SPLIT', ruleId: 'staff' });
    expect(result).toMatchObject({ variant, reason: 'SPLIT', ruleId: 'staff' });
  });

  it.each([
    ['u-1', { email: 'a@corp.com' }, 'u-1 is excluded', false, 'not included, and the segment has no conditions', false],
    ['u-9', { email: 'a@corp.com' }, "decided by the segment's conditions (all must hold)", true, 'u-9 is included', true],
    ['u-2', { email: 'a@gmail.com' }, "decided by the segment's conditions (all must hold)", false, 'not included, and the segment has no conditions', false],
  ])('says why %s is in each segment or not', (unit, context, staffWhy, staffMatched, listedWhy, listedMatched) => {
    const { trace, outcome } = explainFlag(env, 'g', { targetingKey: unit, ...context });
    const held = !staffMatched && !listedMatched;
    expect(trace[2]).toStrictEqual({
      step: 'rule',
      held,
      ruleId: 'outsiders',
      conditions: [
        {
          attribute: null,
          operator: 'not_in_segment',
          values: ['staff', 'listed'],
          actual: unit,
          held,
          segments: [
            { key: 'staff', matched: staffMatched, why: staffWhy },
            { key: 'listed', matched: listedMatched, why: listedWhy },
          ],
        },
      ],
    });
    expect(outcome).toStrictEqual(held ? { variant: 'off', reason: 'TARGETING_MATCH', ruleId: 'outsiders' } : { variant: 'on', reason: 'DEFAULT' });
  });

  it('reads only the attributes a context has', () => {
    const inherited = environment([flag('f', { rules: [{ id: 'r', conditions: [{ attribute: 'toString', operator: 'exists', values: [] }], serve: { variant: 'off' } }] })]);
    expect(explainFlag(inherited, 'f', {}).trace[2]).toStrictEqual({ step: 'rule', held: false, ruleId: 'r', conditions: [{ attribute: 'toString', operator: 'exists', values: [], actual: null, held: false }] });
  });
});

describe('explain: splits', () => {
  it('gives a bucket equal to a bound to the next variant', () => {
    const unit = unitWhere('f.', (b) => b > 0);
    const at = bucket(`f.${unit}`);
    const serve = halves('on', 'off', at);
    const { trace, outcome, result } = explainFlag(environment([flag('f', { defaultServe: serve })]), 'f', { targetingKey: unit });
    expect(trace[2]).toStrictEqual({ step: 'serve', from: 'default', serve, unit, bucket: at, variant: 'off', detail: `bucket ${at} of ${unit} (0-99999) falls to off` });
    expect(outcome).toStrictEqual({ variant: 'off', reason: 'SPLIT' });
    expect(result.variant).toBe('off');
  });

  it('gives buckets past weights that fall short of 100,000 to the last variant of positive weight, as the engine does', () => {
    const unit = unitWhere('f.', (b) => b >= 10);
    const serve = { split: [{ variant: 'off', weight: 10 }, { variant: 'on', weight: 0 }] };
    const { trace, outcome, result } = explainFlag(environment([flag('f', { defaultServe: serve })]), 'f', { targetingKey: unit });
    expect(trace[2]).toMatchObject({ variant: 'off' });
    expect(outcome).toStrictEqual({ variant: 'off', reason: 'SPLIT' });
    expect(result.variant).toBe('off');
  });
});

describe('explain: experiments', () => {
  const audience: Condition[] = [{ attribute: 'country', operator: 'eq', values: ['US'] }];
  const experiment = (trafficPercent: number, variants = [{ variant: 'off', weight: 50_000 }, { variant: 'on', weight: 50_000 }]): ExperimentSnapshot => ({ key: 'exp', salt: 'salt', trafficPercent, audience, variants });
  const explain = (exp: ExperimentSnapshot, context: Record<string, unknown>) => explainFlag(environment([flag('f', { defaultServe: { variant: 'off' }, experiment: exp })]), 'f', context);
  const inAudience = (actual: unknown, held: boolean) => [{ attribute: 'country', operator: 'eq', values: ['US'], actual, held }];
  const DEFAULT_SERVE = (unit: string | null) => ({ step: 'serve', from: 'default', serve: { variant: 'off' }, unit, variant: 'off', detail: 'serves off' });

  it('lets a unit past weights that fall short of 100,000 fall through to the rules, as the engine does', () => {
    const unit = unitWhere('salt.', (b) => b >= 10);
    const { outcome, result } = explain(experiment(100, [{ variant: 'on', weight: 10 }, { variant: 'off', weight: 0 }]), { targetingKey: unit, country: 'US' });
    expect(outcome).toStrictEqual({ variant: 'off', reason: 'DEFAULT' });
    expect(result).toMatchObject({ variant: 'off', reason: 'DEFAULT' });
  });

  it('assigns a unit in the audience and the traffic, with both buckets', () => {
    const unit = unitWhere('salt:traffic.', (b) => b < 50_000);
    const variantBucket = bucket(`salt.${unit}`);
    const variant = variantBucket < 50_000 ? 'off' : 'on';
    const { trace, outcome, result } = explain(experiment(50), { targetingKey: unit, country: 'US' });
    expect(trace).toStrictEqual([
      FLAG_STEP,
      ENABLED_STEP,
      {
        step: 'experiment',
        held: true,
        experimentKey: 'exp',
        audience: inAudience('US', true),
        trafficBucket: bucket(`salt:traffic.${unit}`),
        trafficLimit: 50_000,
        variantBucket,
        variant,
        detail: `in the experiment; variant bucket ${variantBucket} falls to ${variant}`,
      },
    ]);
    expect(outcome).toStrictEqual({ variant, reason: 'SPLIT', ruleId: 'experiment', experimentKey: 'exp' });
    expect(result).toMatchObject({ variant, reason: 'SPLIT', ruleId: 'experiment', experimentKey: 'exp' });
  });

  it('leaves out a unit whose traffic bucket is the limit', () => {
    const unit = unitWhere('salt:traffic.', (b) => b > 0);
    const trafficBucket = bucket(`salt:traffic.${unit}`);
    const { trace, outcome, result } = explain(experiment(trafficBucket / 1_000), { targetingKey: unit, country: 'US' });
    expect(trace.slice(2)).toStrictEqual([
      { step: 'experiment', held: false, experimentKey: 'exp', audience: inAudience('US', true), trafficBucket, trafficLimit: trafficBucket, detail: `traffic bucket ${trafficBucket} is not below ${trafficBucket}: not in the experiment` },
      DEFAULT_SERVE(unit),
    ]);
    expect(outcome).toStrictEqual({ variant: 'off', reason: 'DEFAULT' });
    expect(result.reason).toBe('DEFAULT');
    expect(explain(experiment((trafficBucket + 1) / 1_000), { targetingKey: unit, country: 'US' }).outcome).toMatchObject({ reason: 'SPLIT', experimentKey: 'exp' });
  });

  it('leaves out a unit outside the audience, or a context without a unit', () => {
    expect(explain(experiment(100), { targetingKey: 'u', country: 'FR' }).trace.slice(2)).toStrictEqual([
      { step: 'experiment', held: false, experimentKey: 'exp', audience: inAudience('FR', false), trafficBucket: null, trafficLimit: 100_000, detail: 'the unit is outside the audience' },
      DEFAULT_SERVE('u'),
    ]);
    expect(explain(experiment(100), { country: 'US' }).trace.slice(2)).toStrictEqual([
      { step: 'experiment', held: false, experimentKey: 'exp', audience: inAudience('US', true), trafficBucket: null, trafficLimit: 100_000, detail: 'the context has no targetingKey' },
      DEFAULT_SERVE(null),
    ]);
  });

  it('has no experiment step for an experiment naming a variant the flag no longer has', () => {
    const ghost = experiment(100, [{ variant: 'on', weight: 50_000 }, { variant: 'ghost', weight: 50_000 }]);
    const { trace, outcome } = explain(ghost, { targetingKey: 'u', country: 'US' });
    expect(trace.slice(2)).toStrictEqual([DEFAULT_SERVE('u')]);
    expect(outcome).toStrictEqual({ variant: 'off', reason: 'DEFAULT' });
  });
});

/**
 * The engine and the trace's conclusion against the independent reference evaluator, on random configurations
 * (every operator, segments, prerequisites, targets, splits, experiments) and contexts (units by targetingKey,
 * userId, companyId, numbers, null).
 */
describe('explain and the engine agree with the reference evaluator', () => {
  const FLAGS: FlagShape[] = [
    { key: 'f0', variants: ['on', 'off'] },
    { key: 'f1', variants: ['a', 'b', 'c'] },
    { key: 'f2', variants: ['on', 'off'] },
    { key: 'f3', variants: ['a', 'b', 'c'] },
    { key: 'f4', variants: ['on', 'off'] },
  ];
  const SEGMENTS = ['s0', 's1', 's2'];

  function randomExperiment(random: Random, shape: FlagShape): ExperimentSnapshot {
    const names = random() < 0.1 ? [...shape.variants, 'ghost'] : shape.variants;
    const first = Math.floor(random() * 100_001);
    const variants = [{ variant: pick(random, names), weight: first }];
    const rest = names.filter((name) => name !== variants[0]!.variant);
    variants.push({ variant: pick(random, rest), weight: 100_000 - first });
    const audience = randomTargeting(random, shape, [], SEGMENTS).rules.flatMap((rule) => rule.conditions ?? []).slice(0, 2);
    const key = `exp-${shape.key}`;
    return { key, salt: random() < 0.5 ? key : `${key}-2`, trafficPercent: pick(random, [0, 100, Math.round(random() * 100_000) / 1_000]), audience, variants };
  }

  function randomUnits(random: Random, context: Record<string, unknown>): Record<string, unknown> {
    const roll = random();
    if (roll < 0.1) return { ...context, targetingKey: undefined, userId: pick(random, USERS) };
    if (roll < 0.15) return { ...context, targetingKey: null, userId: pick(random, USERS) };
    if (roll < 0.2) return { ...context, targetingKey: pick(random, [7, -1.5, Number.NaN, Number.POSITIVE_INFINITY, true]) };
    if (roll < 0.25) return { ...context, companyId: undefined, userId: pick(random, USERS) };
    return context;
  }

  it('on every flag of random configurations', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const random = mulberry32(seed);
        const segments: SegmentSnapshot[] = SEGMENTS.map((key) => ({ key, ...randomSegment(random) }));
        const flags: FlagSnapshot[] = FLAGS.map((shape, i) => {
          const targeting = withRuleIds(randomTargeting(random, shape, FLAGS.slice(0, i), SEGMENTS));
          const variants = Object.fromEntries(shape.variants.map((name) => [name, shape.variants.length === 2 ? name === 'on' : `value-${name}`]));
          return flag(shape.key, { type: shape.variants.length === 2 ? 'boolean' : 'string', variants, ...targeting, ...(random() < 0.4 ? { experiment: randomExperiment(random, shape) } : {}) });
        });
        const env = environment(flags, segments);
        const reference: ReferenceConfiguration = {
          flags: Object.fromEntries(flags.map((f) => [f.key, { variants: f.variants, targeting: f, ...(f.experiment ? { experiment: f.experiment } : {}) }])),
          segments: Object.fromEntries(segments.map((s) => [s.key, s])),
        };
        for (let n = 0; n < 10; n++) {
          const context = randomUnits(random, randomContext(random));
          for (const key of [...FLAGS.map((f) => f.key), 'missing']) {
            const expected = referenceEvaluate(reference, key, context);
            const { variant, reason, ruleId, experimentKey, errorCode } = expected;
            const engine = evaluateFlag(env, key, context);
            const where = `${key} on ${JSON.stringify(context)} (seed ${seed})`;
            expect({ value: engine.value, variant: engine.variant, reason: engine.reason, ruleId: engine.ruleId, experimentKey: engine.experimentKey, errorCode: engine.errorCode }, where).toStrictEqual({
              value: expected.value,
              variant,
              reason,
              ruleId,
              experimentKey,
              errorCode,
            });
            const { outcome, result } = explainFlag(env, key, context);
            expect(result, where).toStrictEqual(engine);
            expect(outcome, where).toStrictEqual(Object.fromEntries(Object.entries({ variant, reason, ruleId, experimentKey, errorCode }).filter(([, v]) => v !== undefined)));
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});
