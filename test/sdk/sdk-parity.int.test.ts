import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationResult } from '../../src/evaluation/evaluation-result.ts';
import { createFlagstaffClient, type FlagstaffClient } from '../../src/sdk/flagstaff-client.ts';
import { OPERATORS } from '../../src/shared/operators.ts';
import type { Condition } from '../../src/shared/targeting.ts';
import { mulberry32 } from '../analytics/store/analytics-dataset.ts';
import { request, startTestServer, type TestServer } from '../support/flagstaff.ts';
import { pick, randomContext, randomSegment, randomTargeting, USERS, type FlagShape } from '../support/random-configuration.ts';
import { referenceEvaluate, type ReferenceExperiment, type ReferenceFlag, type ReferenceResult, type ReferenceSegment, type ReferenceTargeting } from '../support/reference-evaluator.ts';
import { createFlag, createServerKey, setTargeting } from './sdk-fixtures.ts';

/**
 * Three evaluators must agree on every flag for every context: the server (HTTP batch), the SDK evaluating
 * locally, and test/support/reference-evaluator.ts, written from the README. The first two share
 * src/evaluation, so only the third can tell a bug in evaluation from a correct result.
 */
const CONTEXTS = 10_000;
const SEGMENTS = ['beta-testers', 'big-accounts', 'europe'];
const BOOLEAN = { on: true, off: false };
const STRINGS = { a: 'A', b: 'B', c: 'C' };
const NUMBERS = { low: 1, mid: 2.5, high: 1e6 };
const JSONS = { x: { layout: 'grid', n: 3 }, y: [1, 2, 3] };
/** Every flag type, two- and three-variant flags; random targeting gives every operator, segments, prerequisites, targets and splits. */
const FLAGS: (FlagShape & { body: Record<string, unknown>; values: Record<string, unknown> })[] = [
  { key: 'f-bool-0', variants: ['on', 'off'], body: {}, values: BOOLEAN },
  { key: 'f-str-1', variants: ['a', 'b', 'c'], body: { type: 'string', variants: STRINGS }, values: STRINGS },
  { key: 'f-num-2', variants: ['low', 'mid', 'high'], body: { type: 'number', variants: NUMBERS }, values: NUMBERS },
  { key: 'f-json-3', variants: ['x', 'y'], body: { type: 'json', variants: JSONS }, values: JSONS },
  ...Array.from({ length: 8 }, (_, i) =>
    i % 2 === 0
      ? { key: `f-bool-${i + 4}`, variants: ['on', 'off'], body: {}, values: BOOLEAN }
      : { key: `f-str-${i + 4}`, variants: ['a', 'b', 'c'], body: { type: 'string', variants: STRINGS }, values: STRINGS },
  ),
];

/**
 * Every operator in a rule of its own, three rules a flag, each rule on an attribute of its own. The comparisons
 * come first, so no earlier rule hides their boundary (age 20 against `lt 20`, the same instant in another zone or
 * as epoch milliseconds against `before`); the operators that match most contexts come last.
 */
const OPERATOR_FLAGS: readonly (readonly Condition[])[] = [
  [
    { attribute: 'age', operator: 'lt', values: [20] },
    { attribute: 'version', operator: 'semver_gt', values: ['1.2.0'] },
    { attribute: 'email', operator: 'matches', values: ['acme\\.com$'] },
  ],
  [
    { attribute: 'age', operator: 'lte', values: [20] },
    { attribute: 'version', operator: 'semver_lt', values: ['1.3.0'] }, // 1.3.0-beta.1 is lower
    { attribute: 'beta', operator: 'exists', values: [] },
  ],
  [
    { attribute: 'age', operator: 'gt', values: [25] },
    { attribute: 'plan', operator: 'eq', values: ['pro'] },
    { attribute: 'email', operator: 'not_exists', values: [] },
  ],
  [
    { attribute: 'age', operator: 'gte', values: [25] },
    { attribute: 'age', operator: 'in', values: [10, 11, 12, 13] }, // numbers, and contexts sometimes send "12"
    { attribute: 'plan', operator: 'neq', values: ['free'] },
  ],
  [
    { attribute: 'signup', operator: 'before', values: ['2024-06-01T00:00:00Z'] },
    { attribute: 'email', operator: 'contains', values: ['bob'] },
    { attribute: 'country', operator: 'not_in', values: ['US', 'CA'] },
  ],
  [
    { attribute: 'signup', operator: 'after', values: [Date.parse('2024-06-01T00:00:00Z')] },
    { attribute: 'email', operator: 'starts_with', values: ['carol'] },
    { operator: 'in_segment', values: SEGMENTS },
  ],
  [
    { attribute: 'version', operator: 'semver_eq', values: ['1.2.0'] },
    { attribute: 'email', operator: 'ends_with', values: ['.org'] },
    { operator: 'not_in_segment', values: ['big-accounts'] },
  ],
];

let server: TestServer;
let sdkKey: string;
let sdk: FlagstaffClient;
/** What the admin API was given, for the reference evaluator. */
const flags: Record<string, ReferenceFlag> = {};
const segments: Record<string, ReferenceSegment> = {};

async function defineFlag(key: string, body: Record<string, unknown>, values: Record<string, unknown>, targeting: ReferenceTargeting & Record<string, unknown>): Promise<void> {
  await createFlag(server, { key, ...body });
  await setTargeting(server, key, 'production', targeting);
  flags[key] = { variants: values, targeting };
}

async function startExperiment(flagKey: string, experiment: ReferenceExperiment & { controlVariant: string }): Promise<void> {
  const created = await server.api('POST', '/admin/experiments', { body: { ...experiment, flagKey, environment: 'production', primaryMetric: 'purchase' } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect((await server.api('POST', `/admin/experiments/${experiment.key}/start`)).status).toBe(200);
  flags[flagKey] = { ...flags[flagKey]!, experiment };
}

beforeAll(async () => {
  server = await startTestServer();
  sdkKey = await createServerKey(server);
  const random = mulberry32(2024);
  for (const key of SEGMENTS) {
    const segment = randomSegment(random);
    expect((await server.api('POST', '/admin/segments', { body: { key, ...segment } })).status).toBe(201);
    segments[key] = segment;
  }
  for (const [index, flag] of FLAGS.entries()) {
    // Prerequisites only on earlier flags, so never a cycle.
    const targeting = randomTargeting(random, flag, FLAGS.slice(0, index), SEGMENTS);
    await defineFlag(flag.key, flag.body, flag.values, { ...targeting, enabled: index < 3 || targeting.enabled });
  }
  for (const [index, conditions] of OPERATOR_FLAGS.entries()) {
    const rules = conditions.map((condition) => ({ id: condition.operator, conditions: [condition], serve: { variant: 'on' } }));
    await defineFlag(`op-${index}`, {}, BOOLEAN, { enabled: true, offVariant: 'off', rules, defaultServe: { variant: 'off' } });
  }

  // A running experiment on a flag with targets and a rule of its own: an audience (a condition and a segment),
  // a traffic percent to the 0.001, uneven weights.
  await server.api('POST', '/admin/metrics', { body: { key: 'purchase', kind: 'binomial', event: 'purchase' } });
  const checkout = { control: 'old', v1: 'new-1', v2: 'new-2' };
  await defineFlag('checkout', { type: 'string', variants: checkout }, checkout, {
    enabled: true,
    offVariant: 'control',
    targets: [{ variant: 'v1', units: ['user-3', 'user-4'] }],
    rules: [{ id: 'pros', conditions: [{ attribute: 'plan', operator: 'eq', values: ['pro'] }], serve: { variant: 'v2' } }],
    defaultServe: { split: [{ variant: 'control', weight: 40_000 }, { variant: 'v2', weight: 60_000 }] },
  });
  await startExperiment('checkout', {
    key: 'checkout-test',
    controlVariant: 'control',
    variants: [{ variant: 'control', weight: 20_000 }, { variant: 'v1', weight: 50_000 }, { variant: 'v2', weight: 30_000 }],
    trafficPercent: 62.345,
    audience: [{ attribute: 'country', operator: 'in', values: ['US', 'CA', 'FR'] }, { operator: 'not_in_segment', values: ['beta-testers'] }],
  });
  // A prerequisite on what an experiment assigned.
  await defineFlag('after-checkout', {}, BOOLEAN, { enabled: true, offVariant: 'off', prerequisites: [{ flagKey: 'checkout', variant: 'v1' }], defaultServe: { variant: 'on' } });
  await server.projection.caughtUp();

  sdk = createFlagstaffClient({ url: server.url, sdkKey, events: { flushIntervalMs: 60_000 } });
  await sdk.ready();
}, 180_000);
afterAll(async () => {
  await sdk?.close();
  await server?.close();
});

function contextFor(random: () => number): Record<string, unknown> {
  const context = randomContext(random);
  // Half from the small pool the targets and segment lists name, half fresh units, so splits see many buckets.
  if (context['targetingKey'] !== undefined && random() < 0.5) context['targetingKey'] = `unit-${Math.floor(random() * 1e9)}`;
  if (random() < 0.05) context['userId'] = pick(random, USERS); // the alias, sometimes alone
  return context;
}

/** Whether two results agree on all the README promises: value, variant, reason, rule, experiment, error. */
function agree(a: ReferenceResult | EvaluationResult, b: ReferenceResult | EvaluationResult): boolean {
  const sameValue = a.value === b.value || JSON.stringify(a.value) === JSON.stringify(b.value); // JSON flags' values are objects
  return sameValue && a.variant === b.variant && a.reason === b.reason && a.ruleId === b.ruleId && a.experimentKey === b.experimentKey && a.errorCode === b.errorCode;
}

describe('the server, the SDK and the reference evaluator agree', () => {
  it(`on every flag for ${CONTEXTS.toLocaleString('en-US')} random contexts`, async () => {
    const revision = server.projection.model.revisionOf('production');
    expect(sdk.revision).toBe(revision);
    const configuration = { flags, segments };
    const flagKeys = Object.keys(flags);
    const random = mulberry32(99);
    const contexts = Array.from({ length: CONTEXTS }, () => contextFor(random));
    /** How often each flag gave each outcome: `<flag> <reason> <rule id|error code|-> <variant|->`. */
    const outcomes = new Map<string, number>();
    const serverVsReference: unknown[] = [];
    const sdkVsServer: unknown[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < contexts.length) {
          const context = contexts[next++]!;
          const response = await request(server.url, 'POST', '/api/v1/flags/batch', { token: null, headers: { authorization: `Bearer ${sdkKey}` }, body: { context, flagKeys } });
          expect(response.status).toBe(200);
          expect(response.body.revision).toBe(revision);
          (response.body.flags as EvaluationResult[]).forEach((remote, i) => {
            const flagKey = flagKeys[i]!;
            const reference = referenceEvaluate(configuration, flagKey, context);
            const local = sdk.evaluate(flagKey, context);
            const outcome = `${flagKey} ${reference.reason} ${reference.ruleId ?? reference.errorCode ?? '-'} ${reference.variant ?? '-'}`;
            outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
            if (remote.flagKey !== flagKey || !agree(remote, reference)) serverVsReference.push({ flagKey, context, reference, server: remote });
            if (remote.revision !== revision || local.revision !== revision || !agree(local, remote)) sdkVsServer.push({ flagKey, context, server: remote, sdk: local });
          });
        }
      }),
    );
    expect(serverVsReference.length, JSON.stringify(serverVsReference.slice(0, 5), null, 1)).toBe(0);
    expect(sdkVsServer.length, JSON.stringify(sdkVsServer.slice(0, 5), null, 1)).toBe(0);

    const total = (test: (flagKey: string, reason: string, detail: string, variant: string) => boolean): number =>
      [...outcomes].reduce((sum, [outcome, n]) => (test(...(outcome.split(' ') as [string, string, string, string])) ? sum + n : sum), 0);
    const seen = JSON.stringify([...outcomes]);
    // The comparison covered every step of the evaluation, not just the easy ones,
    for (const reason of ['DISABLED', 'PREREQUISITE_FAILED', 'TARGETING_MATCH', 'SPLIT', 'DEFAULT']) {
      expect(total((_, r, detail) => r === reason && detail !== 'experiment'), `${reason} in ${seen}`).toBeGreaterThan(100);
    }
    expect(total((_, r, detail) => r === 'ERROR' && detail === 'TARGETING_KEY_MISSING'), seen).toBeGreaterThan(100);
    // every variant of the experiment,
    for (const variant of ['control', 'v1', 'v2']) expect(total((f, _, detail, v) => f === 'checkout' && detail === 'experiment' && v === variant), variant).toBeGreaterThan(100);
    // and every operator deciding both ways (a rule's misses are the later rules' matches and the default).
    const operators = OPERATOR_FLAGS.map((conditions) => conditions.map((condition) => condition.operator));
    expect(operators.flat().sort()).toEqual([...OPERATORS].sort());
    for (const [index, flagOperators] of operators.entries()) {
      for (const operator of flagOperators) expect(total((f, _, detail) => f === `op-${index}` && detail === operator), `op-${index} ${operator}`).toBeGreaterThan(100);
      expect(total((f, reason) => f === `op-${index}` && reason === 'DEFAULT'), `op-${index} DEFAULT`).toBeGreaterThan(100);
    }
  }, 180_000);
});
