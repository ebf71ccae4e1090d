import type { JsonValue } from '../event-store/event-store.ts';
import type { EnvironmentSnapshot, FlagSnapshot, SegmentSnapshot } from '../shared/snapshot.ts';
import type { Serve } from '../shared/targeting.ts';
import { CompilationCache } from './compilation-cache.ts';
import { compileConditions, compileSegment, type Predicate } from './conditions.ts';
import { errorResult, type EvaluationContext, type EvaluationResult, type Reason } from './evaluation-result.ts';
import { bucketOf, murmur3Prefix, murmur3WithPrefix, type Murmur3Prefix } from './murmur3.ts';

/**
 * An environment compiled for evaluation: regexes compiled, sets built, segments inlined, splits turned into
 * cumulative bounds, and every result object a flag can give built once per revision, so an evaluation hashes,
 * compares and returns a shared frozen object: it allocates nothing. Compiled conditions and splits equal to
 * ones compiled before, in this environment or another, are shared (conditions.ts, compilation-cache.ts).
 */
export interface CompiledEnvironment {
  readonly environment: string;
  readonly revision: number;
  readonly flags: ReadonlyMap<string, CompiledFlag>;
  readonly snapshot: EnvironmentSnapshot;
}

/** Prerequisites nest at most this deep; deeper chains fail rather than recurse without end. */
const MAX_PREREQUISITE_DEPTH = 16;

type CompiledServe = { readonly fixed: number } | { readonly bounds: Int32Array; readonly variants: Int32Array };

/** The ruleId results carry when a running experiment assigned the unit. */
export const EXPERIMENT_RULE_ID = 'experiment';

interface CompiledExperiment {
  readonly key: string;
  readonly audience: Predicate;
  /** Units whose traffic bucket is below this are in the experiment. */
  readonly trafficLimit: number;
  readonly trafficPrefix: Murmur3Prefix;
  readonly variantPrefix: Murmur3Prefix;
  readonly serve: { readonly bounds: Int32Array; readonly variants: Int32Array };
}

/**
 * The results a flag can give, by variant index. Only the reachable ones are built (an enabled flag never gives
 * DISABLED, a rule serving one variant never another): a batch of every flag builds them for every flag.
 */
interface ResultTable {
  readonly off: EvaluationResult | undefined;
  readonly experiment: readonly EvaluationResult[];
  readonly prerequisiteFailed: EvaluationResult | undefined;
  readonly targeted: readonly EvaluationResult[];
  readonly rules: readonly (readonly EvaluationResult[])[];
  readonly defaults: readonly EvaluationResult[];
}

export class CompiledFlag {
  readonly key: string;
  readonly source: FlagSnapshot;
  private readonly variantNames: readonly string[];
  private readonly values: readonly unknown[];
  private readonly offIndex: number;
  private readonly unitAttribute: string;
  private readonly prerequisites: readonly { readonly flagKey: string; readonly variant: string }[];
  private readonly targets: ReadonlyMap<string, number> | undefined;
  private readonly ruleTests: readonly Predicate[];
  private readonly ruleServes: readonly CompiledServe[];
  private readonly ruleIds: readonly string[];
  private readonly defaultServe: CompiledServe;
  private readonly hashPrefix: Murmur3Prefix;
  private readonly experiment: CompiledExperiment | undefined;
  private table: ResultTable | undefined;
  private tableRevision = -1;

  constructor(flag: FlagSnapshot, segment: (key: string) => Predicate) {
    this.key = flag.key;
    this.source = flag;
    ({ names: this.variantNames, values: this.values } = variantsOf(flag.variants));
    const index = (name: string): number => {
      const i = this.variantNames.indexOf(name);
      if (i < 0) throw new Error(`flag ${flag.key} serves unknown variant ${name}`);
      return i;
    };
    this.offIndex = index(flag.offVariant);
    this.unitAttribute = flag.bucketBy;
    this.prerequisites = flag.enabled ? flag.prerequisites : NONE;
    this.targets =
      flag.targets.length === 0 ? undefined : new Map(flag.targets.flatMap((t) => t.units.map((unit) => [unit, index(t.variant)] as const)));
    // Flags without rules (a third of them, typically) share one empty array rather than hold three each.
    const rules = flag.rules.length === 0 ? NONE : flag.rules;
    this.ruleTests = rules === NONE ? NONE : rules.map((rule) => compileConditions(rule.conditions, segment));
    this.ruleServes = rules === NONE ? NONE : rules.map((rule) => compileServe(rule.serve, index));
    this.ruleIds = rules === NONE ? NONE : rules.map((rule) => rule.id);
    this.defaultServe = compileServe(flag.defaultServe, index);
    this.hashPrefix = murmur3Prefix(`${flag.key}.`);
    this.experiment = compileExperiment(flag, this.variantNames, segment);
    this.enabled = flag.enabled;
  }

  readonly enabled: boolean;

  /** SPEC section 4, in its order. */
  evaluate(env: CompiledEnvironment, context: EvaluationContext, defaultValue: unknown, depth = 0): EvaluationResult {
    const results = this.results(env.revision);
    if (!this.enabled) return results.off!;
    for (let i = 0; i < this.prerequisites.length; i++) {
      const prerequisite = this.prerequisites[i]!;
      const required = env.flags.get(prerequisite.flagKey);
      if (required === undefined || depth >= MAX_PREREQUISITE_DEPTH) return results.prerequisiteFailed!;
      if (required.evaluate(env, context, undefined, depth + 1).variant !== prerequisite.variant) return results.prerequisiteFailed!;
    }
    const unit = unitOf(context, this.unitAttribute);
    if (this.targets !== undefined && unit !== undefined) {
      const target = this.targets.get(unit);
      if (target !== undefined) return results.targeted[target]!;
    }
    const experiment = this.experiment;
    if (experiment !== undefined && unit !== undefined && experiment.audience(context, unit)) {
      if (bucketOf(murmur3WithPrefix(experiment.trafficPrefix, unit)) < experiment.trafficLimit) {
        const bucket = bucketOf(murmur3WithPrefix(experiment.variantPrefix, unit));
        const { bounds, variants } = experiment.serve;
        for (let i = 0; i < bounds.length; i++) if (bucket < bounds[i]!) return results.experiment[variants[i]!]!;
      }
    }
    for (let i = 0; i < this.ruleTests.length; i++) {
      if (this.ruleTests[i]!(context, unit)) return this.serve(this.ruleServes[i]!, results.rules[i]!, unit, env, defaultValue);
    }
    return this.serve(this.defaultServe, results.defaults, unit, env, defaultValue);
  }

  /** The unit this flag buckets by, from a context (what an exposure records). */
  unitOf(context: EvaluationContext): string | undefined {
    return unitOf(context, this.unitAttribute);
  }

  /** The bucket of a unit for this flag, in [0, 99999] (hashVersion 1). */
  bucket(unit: string): number {
    return bucketOf(murmur3WithPrefix(this.hashPrefix, unit));
  }

  private serve(serve: CompiledServe, results: readonly EvaluationResult[], unit: string | undefined, env: CompiledEnvironment, defaultValue: unknown): EvaluationResult {
    if ('fixed' in serve) return results[serve.fixed]!;
    if (unit === undefined) {
      return errorResult(this.key, defaultValue, 'TARGETING_KEY_MISSING', `a split needs the context attribute ${this.unitAttribute}`, env.revision);
    }
    const bucket = this.bucket(unit);
    const { bounds, variants } = serve;
    for (let i = 0; i < bounds.length; i++) if (bucket < bounds[i]!) return results[variants[i]!]!;
    return results[variants[variants.length - 1]!]!; // unreachable: the last bound is 100000
  }

  /** Result objects are built once per revision (the revision is part of every result) and shared. */
  private results(revision: number): ResultTable {
    // The hot path is this one comparison; building lives in its own method so that calling this one
    // allocates nothing (closures here would make V8 allocate a context on every call).
    if (this.tableRevision === revision && this.table) return this.table;
    return this.buildResults(revision);
  }

  private buildResults(revision: number): ResultTable {
    const make = (index: number, reason: Reason, ruleId?: string, experimentKey?: string): EvaluationResult =>
      Object.freeze({
        flagKey: this.key,
        value: this.values[index],
        variant: this.variantNames[index]!,
        reason,
        ...(ruleId === undefined ? {} : { ruleId }),
        ...(experimentKey === undefined ? {} : { experimentKey }),
        revision,
      });
    /** Results for the given variants at their indices; the other slots stay empty, as nothing reads them. */
    const forVariants = (indices: Iterable<number>, reason: Reason, ruleId?: string, experimentKey?: string): EvaluationResult[] => {
      const results = new Array<EvaluationResult>(this.variantNames.length);
      for (const i of indices) results[i] = make(i, reason, ruleId, experimentKey);
      return results;
    };
    const served = (serve: CompiledServe, fixedReason: Reason, ruleId?: string): EvaluationResult[] =>
      'fixed' in serve ? forVariants([serve.fixed], fixedReason, ruleId) : forVariants(serve.variants, 'SPLIT', ruleId);
    this.table = {
      off: this.enabled ? undefined : make(this.offIndex, 'DISABLED'),
      experiment: this.experiment ? forVariants(this.experiment.serve.variants, 'SPLIT', EXPERIMENT_RULE_ID, this.experiment.key) : NONE,
      prerequisiteFailed: this.prerequisites.length > 0 ? make(this.offIndex, 'PREREQUISITE_FAILED') : undefined,
      targeted: this.targets ? forVariants(new Set(this.targets.values()), 'TARGETING_MATCH') : NONE,
      rules: this.ruleServes.map((serve, i) => served(serve, 'TARGETING_MATCH', this.ruleIds[i])),
      defaults: served(this.defaultServe, 'DEFAULT'),
    };
    this.tableRevision = revision;
    return this.table;
  }
}

/**
 * Compiles an environment. Given the previous compilation, a flag whose snapshot object and segments are
 * unchanged is reused as is, so a change to one flag recompiles one flag.
 */
export function compileEnvironment(snapshot: EnvironmentSnapshot, previous?: CompiledEnvironment): CompiledEnvironment {
  const segmentPredicates = new Map<string, Predicate>();
  const segment = (key: string): Predicate => {
    let predicate = segmentPredicates.get(key);
    if (!predicate) {
      predicate = compileSegment(snapshot.segments[key]);
      segmentPredicates.set(key, predicate);
    }
    return predicate;
  };
  const segmentsUnchanged = (flag: FlagSnapshot): boolean =>
    previous !== undefined &&
    [...flag.rules.flatMap((rule) => rule.conditions), ...(flag.experiment?.audience ?? [])].every(
      (c) => (c.operator !== 'in_segment' && c.operator !== 'not_in_segment') || c.values.every((key) => sameSegment(snapshot, previous.snapshot, String(key))),
    );
  const flags = new Map<string, CompiledFlag>();
  for (const [key, flag] of Object.entries(snapshot.flags)) {
    const reusable = previous?.flags.get(key);
    flags.set(key, reusable && reusable.source === flag && segmentsUnchanged(flag) ? reusable : new CompiledFlag(flag, segment));
  }
  return { environment: snapshot.environment, revision: snapshot.revision, flags, snapshot };
}

function sameSegment(a: EnvironmentSnapshot, b: EnvironmentSnapshot, key: string): boolean {
  const left: SegmentSnapshot | undefined = a.segments[key];
  return left === b.segments[key];
}

/** Evaluates one flag; an unknown flag gives the caller's default with FLAG_NOT_FOUND. Never throws. */
export function evaluateFlag(env: CompiledEnvironment, flagKey: string, context: EvaluationContext, defaultValue?: unknown): EvaluationResult {
  const flag = env.flags.get(flagKey);
  if (flag === undefined) return errorResult(flagKey, defaultValue, 'FLAG_NOT_FOUND', `flag ${flagKey} is not defined in ${env.environment}`, env.revision);
  try {
    return flag.evaluate(env, context, defaultValue);
  } catch (error) {
    return errorResult(flagKey, defaultValue, 'GENERAL', (error as Error).message, env.revision);
  }
}

/** The unit a flag buckets by: the attribute named by `bucketBy`; `userId` stands in for a missing `targetingKey`. */
function unitOf(context: EvaluationContext, attribute: string): string | undefined {
  let value = context[attribute];
  if ((value === undefined || value === null) && attribute === 'targetingKey') value = context['userId'];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * A running experiment compiles into an audience test, a traffic allocation and a weighted split, each hashed
 * with its own salt. One naming a variant the flag no longer has is left out rather than served wrongly.
 */
function compileExperiment(flag: FlagSnapshot, variantNames: readonly string[], segment: (key: string) => Predicate): CompiledExperiment | undefined {
  const experiment = flag.experiment;
  if (!experiment || !experiment.variants.every((part) => variantNames.includes(part.variant))) return undefined;
  const serve = compileServe({ split: [...experiment.variants] }, (name) => variantNames.indexOf(name));
  if ('fixed' in serve) return undefined;
  return {
    key: experiment.key,
    audience: compileConditions(experiment.audience, segment),
    trafficLimit: Math.round(experiment.trafficPercent * 1_000),
    trafficPrefix: murmur3Prefix(`${experiment.salt}:traffic.`),
    variantPrefix: murmur3Prefix(`${experiment.salt}.`),
    serve,
  };
}

const NONE: readonly never[] = Object.freeze([]);

/** Fixed serves by variant index, and splits by bounds and variants: a few shapes recur across thousands of flags. */
const fixedServes: { readonly fixed: number }[] = [];
const sharedSplits = new CompilationCache<CompiledServe>(1024 * 1024);

function compileServe(serve: Serve, index: (name: string) => number): CompiledServe {
  if ('variant' in serve) {
    const fixed = index(serve.variant);
    return (fixedServes[fixed] ??= Object.freeze({ fixed }));
  }
  const parts = serve.split.filter((part) => part.weight > 0);
  const indices = parts.map((part) => index(part.variant));
  let cumulative = 0;
  const bounds = parts.map((part) => (cumulative += part.weight));
  const key = `${bounds.join(',')}:${indices.join(',')}`;
  let compiled = sharedSplits.get(key);
  if (compiled === undefined) {
    compiled = { bounds: Int32Array.from(bounds), variants: Int32Array.from(indices) };
    sharedSplits.set(key, compiled, 500 + 2 * key.length);
  }
  return compiled;
}

/**
 * Variant names and frozen values by variants object: the read model gives a flag's environments one and the
 * same object, so they share these too.
 */
const variantTables = new WeakMap<object, { readonly names: readonly string[]; readonly values: readonly unknown[] }>();

function variantsOf(variants: FlagSnapshot['variants']): { readonly names: readonly string[]; readonly values: readonly unknown[] } {
  let table = variantTables.get(variants);
  if (table === undefined) {
    const names = Object.keys(deepFreeze(variants)); // frozen, so the table cannot go stale
    table = { names, values: names.map((name) => deepFreeze(variants[name] as JsonValue)) };
    variantTables.set(variants, table);
  }
  return table;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
