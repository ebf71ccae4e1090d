import { EventEmitter } from 'node:events';
import { GrowthBook, GrowthBookClient, type ConditionInterface, type FeatureDefinition, type FeatureRule } from '@growthbook/growthbook';
import { FlagdCore } from '@openfeature/flagd-core';
import { Unleash, UnleashEvents } from 'unleash-client';
import type { EnhancedFeatureInterface, FeatureInterface } from 'unleash-client/lib/feature.js';
import type { RepositoryInterface } from 'unleash-client/lib/repository/index.js';
import { Operator, type Segment, type StrategyTransportInterface } from 'unleash-client/lib/strategy/strategy.js';
import { compileEnvironment, evaluateFlag } from '../../src/evaluation/compile.ts';
import type { EvaluationContext } from '../../src/evaluation/evaluation-result.ts';
import type { FlagSnapshot } from '../../src/shared/snapshot.ts';
import type { Condition, FlagSpec, Subject } from './scenarios.ts';

/**
 * One flag loaded into one system, evaluated the way its users evaluate in process: a context in the
 * system's own shape, built once per context outside the timing, and a call that answers on or off.
 */
export interface LoadedFlag<C = unknown> {
  readonly context: (subject: Subject) => C;
  readonly isOn: (context: C) => boolean;
  readonly close: () => void;
}

export interface System {
  readonly name: string;
  readonly ours: boolean;
  /** How this system's flag is made equivalent: written into the report. */
  readonly encoding: string;
  readonly load: (flag: FlagSpec) => Promise<LoadedFlag>;
}

const PERCENT = 1_000; // our weights are thousandths of a percent

export const flagstaff: System = {
  name: 'Flagstaff',
  ours: true,
  encoding: 'compileEnvironment(snapshot) once, then evaluateFlag(env, key, context).value; conditions eq/in, default serve a 25,000/75,000 split',
  async load(flag) {
    const split = (percent: number) => ({ split: [{ variant: 'on', weight: percent * PERCENT }, { variant: 'off', weight: (100 - percent) * PERCENT }] });
    // Spread rather than a literal, so the snapshot stays valid whether or not FlagSnapshot carries `version`.
    const common = {
      type: 'boolean' as const,
      variants: { on: true, off: false },
      hashVersion: 1 as const,
      version: 1,
      enabled: true,
      offVariant: 'off',
      bucketBy: 'targetingKey',
      prerequisites: [],
      targets: [],
    };
    const snapshotFlag: FlagSnapshot = {
      ...common,
      key: flag.key,
      rules: flag.rules.map((conditions, i) => ({
        id: `rule-${i + 1}`,
        conditions: conditions.map((c) => ({ attribute: c.attribute, operator: c.values.length === 1 ? ('eq' as const) : ('in' as const), values: [...c.values] })),
        serve: { variant: 'on' },
      })),
      defaultServe: flag.rolloutPercent === undefined ? { variant: 'off' } : split(flag.rolloutPercent),
    };
    const env = compileEnvironment({ formatVersion: 1, environment: 'bench', revision: 1, flags: { [flag.key]: snapshotFlag }, segments: {} });
    const key = flag.key;
    const loaded: LoadedFlag<EvaluationContext> = {
      context: (subject) => ({ targetingKey: subject.unit, ...subject.attributes }),
      isOn: (context) => evaluateFlag(env, key, context).value === true,
      close: () => {},
    };
    return loaded as LoadedFlag;
  },
};

/** flagd's targeting is JsonLogic: a chained `if`, `in` and `==`, and its own `fractional` for the rollout. */
function flagdTargeting(flag: FlagSpec): unknown {
  const condition = (c: Condition): unknown => (c.values.length === 1 ? { '==': [{ var: c.attribute }, c.values[0]] } : { in: [{ var: c.attribute }, [...c.values]] });
  const rule = (conditions: readonly Condition[]): unknown => (conditions.length === 1 ? condition(conditions[0]!) : { and: conditions.map(condition) });
  const otherwise = flag.rolloutPercent === undefined ? 'off' : { fractional: [['on', flag.rolloutPercent], ['off', 100 - flag.rolloutPercent]] };
  return { if: [...flag.rules.flatMap((conditions) => [rule(conditions), 'on']), otherwise] };
}

const silentLogger = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

export const flagdCore: System = {
  name: '@openfeature/flagd-core',
  ours: false,
  encoding:
    'FlagdCore.setConfigurations(JSON) once (targeting compiled to a function, its default mode), then resolveBooleanEvaluation(key, false, context, logger).value; targeting {"if": [rule, "on", ..., otherwise]}, a rule `==` or `in` on {"var": attribute} (`and` for two), otherwise "off" or {"fractional": [["on", 25], ["off", 75]]} (hashes flag key + targetingKey)',
  async load(flag) {
    const core = new FlagdCore(undefined, silentLogger);
    const config = { flags: { [flag.key]: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: flagdTargeting(flag) } } };
    const loaded = core.setConfigurations(JSON.stringify(config));
    if (!loaded.includes(flag.key)) throw new Error(`flagd-core did not load ${flag.key}`);
    const key = flag.key;
    return {
      context: (subject) => ({ targetingKey: subject.unit, ...subject.attributes }),
      isOn: (context) => core.resolveBooleanEvaluation(key, false, context as Record<string, string>, silentLogger).value,
      close: () => {},
    };
  },
};

/** GrowthBook: one force rule per rule, MongoDB-style conditions, and a force rule with `coverage` for the rollout. */
function growthbookFeature(flag: FlagSpec): FeatureDefinition<boolean> {
  const rules: FeatureRule<boolean>[] = flag.rules.map((conditions, i) => ({
    id: `rule-${i + 1}`,
    condition: Object.fromEntries(conditions.map((c) => [c.attribute, c.values.length === 1 ? c.values[0] : { $in: [...c.values] }])) as ConditionInterface,
    force: true,
  }));
  if (flag.rolloutPercent !== undefined) rules.push({ id: 'rollout', force: true, coverage: flag.rolloutPercent / 100, hashAttribute: 'id' });
  return { defaultValue: false, rules };
}

const GROWTHBOOK_ENCODING =
  'features payload {defaultValue: false, rules: [{condition: {attribute: value | {$in: [...]}}, force: true}, ..., {force: true, coverage: 0.25, hashAttribute: "id"}]} (the rollout hashes with its default hashVersion 1, the cheaper one)';

/** GrowthBookClient is GrowthBook's multi-user server-side client: one instance, attributes passed per call. */
export const growthbookClient: System = {
  name: '@growthbook/growthbook GrowthBookClient',
  ours: false,
  encoding: `GrowthBookClient().initSync({payload}) once, then isOn(key, {attributes}); ${GROWTHBOOK_ENCODING}`,
  async load(flag) {
    const client = new GrowthBookClient().initSync({ payload: { features: { [flag.key]: growthbookFeature(flag) } } });
    const key = flag.key;
    return {
      context: (subject) => ({ attributes: { id: subject.unit, ...subject.attributes } }),
      isOn: (context) => client.isOn(key, context as { attributes: Record<string, string> }),
      close: () => client.destroy(),
    };
  },
};

/** The classic GrowthBook instance, re-targeted per context with setAttributes (synchronous without sticky bucketing or remote evaluation). */
export const growthbookInstance: System = {
  name: '@growthbook/growthbook GrowthBook',
  ours: false,
  encoding: `new GrowthBook().initSync({payload}) once, then per context setAttributes(attributes) (its promise not awaited: it settles synchronously without sticky bucketing or remote evaluation) and isOn(key); ${GROWTHBOOK_ENCODING}`,
  async load(flag) {
    const gb = new GrowthBook().initSync({ payload: { features: { [flag.key]: growthbookFeature(flag) } } });
    const key = flag.key;
    return {
      context: (subject) => ({ id: subject.unit, ...subject.attributes }),
      isOn: (attributes) => {
        void gb.setAttributes(attributes as Record<string, string>);
        return gb.isOn(key);
      },
      close: () => gb.destroy(),
    };
  },
};

/**
 * Unleash evaluates against a repository; this one holds the toggles from the start instead of fetching them,
 * through the client's own `repository` option, so nothing touches the network. The stock repository stores
 * the server's toggle objects as they come, so evaluation walks the same structures.
 */
class StaticRepository extends EventEmitter implements RepositoryInterface {
  private readonly data: Record<string, FeatureInterface>;

  constructor(features: FeatureInterface[]) {
    super();
    this.data = Object.fromEntries(features.map((feature) => [feature.name, feature]));
  }

  getToggle(name: string): FeatureInterface | undefined {
    return this.data[name];
  }

  getToggles(): FeatureInterface[] {
    return Object.values(this.data);
  }

  getTogglesWithSegmentData(): EnhancedFeatureInterface[] {
    return this.getToggles() as EnhancedFeatureInterface[];
  }

  getSegment(_id: number): Segment | undefined {
    return undefined;
  }

  stop(): void {}

  async start(): Promise<void> {
    this.emit(UnleashEvents.Ready);
    this.emit(UnleashEvents.Changed, this.getToggles());
  }
}

/** Unleash: one `default` strategy per rule with IN constraints, then a `flexibleRollout` strategy. */
function unleashToggle(flag: FlagSpec): FeatureInterface {
  const strategies: StrategyTransportInterface[] = flag.rules.map((conditions) => ({
    name: 'default',
    parameters: {},
    constraints: conditions.map((c) => ({ contextName: c.attribute, operator: Operator.IN, values: [...c.values], inverted: false, caseInsensitive: false })),
  }));
  if (flag.rolloutPercent !== undefined) {
    strategies.push({ name: 'flexibleRollout', parameters: { rollout: String(flag.rolloutPercent), stickiness: 'default', groupId: flag.key }, constraints: [] });
  }
  return { name: flag.key, enabled: true, strategies };
}

export const unleashClient: System = {
  name: 'unleash-client',
  ours: false,
  encoding:
    'new Unleash({repository: <in-memory repository holding the toggle>, disableMetrics: true, disableAutoStart: true}), start(), then isEnabled(key, {userId, properties}); toggle with one "default" strategy per rule whose constraints are {contextName, operator: "IN", values}, then {name: "flexibleRollout", parameters: {rollout: "25", stickiness: "default", groupId: key}} (murmur3 of groupId:userId mod 100)',
  async load(flag) {
    const unleash = new Unleash({
      appName: 'flagstaff-bench',
      url: 'http://127.0.0.1:1/never-fetched', // required by the constructor; the repository below never fetches
      repository: new StaticRepository([unleashToggle(flag)]),
      disableMetrics: true,
      disableAutoStart: true,
      skipInstanceCountWarning: true,
    });
    unleash.on(UnleashEvents.Error, (error: Error) => {
      throw error;
    });
    await unleash.start();
    if (unleash.getFeatureToggleDefinition(flag.key) === undefined) throw new Error(`unleash-client did not load ${flag.key}`);
    const key = flag.key;
    return {
      context: (subject) => ({ userId: subject.unit, properties: { ...subject.attributes } }),
      isOn: (context) => unleash.isEnabled(key, context as { userId: string; properties: Record<string, string> }),
      close: () => unleash.destroy(),
    };
  },
};

export const systems: readonly System[] = [flagstaff, flagdCore, growthbookClient, growthbookInstance, unleashClient];
