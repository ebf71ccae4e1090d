import type { JsonValue } from '../event-store/event-store.ts';
import type { EnvironmentSnapshot, FlagSnapshot, SegmentSnapshot } from '../shared/snapshot.ts';
import type { Serve } from '../shared/targeting.ts';
import { CompilationCache } from './compilation-cache.ts';
import { compileConditions, compileSegment, type Predicate } from './conditions.ts';
import { errorResult, type EvaluationContext, type EvaluationResult, type Reason } from './evaluation-result.ts';
import { bucketWithPrefix, murmur3Prefix, type Murmur3Prefix } from './murmur3.ts';

/**
 * An environment compiled for evaluation: regexes compiled, sets built, segments inlined, splits turned into
 * cumulative bounds, and each result object a flag gives built once per revision, the first time it is reached,
 * so an evaluation hashes, compares and returns a shared frozen object: it allocates nothing. Compiled conditions and splits equal to
 * ones compiled before, in this environment or another, are shared (conditions.ts, compilation-cache.ts).
 */
export interface CompiledEnvironment {
  readonly environment: string;
  readonly revision: number;
  readonly flags: ReadonlyMap<string, CompiledFlag>;
  readonly snapshot: EnvironmentSnapshot;
}

/** Prerequisites nest at most this deep; deeper chains fail rather than recurse without end. */
export const MAX_PREREQUISITE_DEPTH = 16;

/** A split as cumulative bounds over [0, 100000) and the variant (index) each bound serves; zero weights left out. */
interface CompiledSplit {
  readonly bounds: Int32Array;
  readonly variants: Int32Array;
}
type CompiledServe = { readonly fixed: number } | CompiledSplit;

/** The ruleId results carry when a running experiment assigned the unit. */
export const EXPERIMENT_RULE_ID = 'experiment';

interface CompiledExperiment {
  readonly key: string;
  readonly audience: Predicate;
  /** Units whose traffic bucket is below this are in the experiment. */
  readonly trafficLimit: number;
  readonly trafficPrefix: Murmur3Prefix;
  readonly variantPrefix: Murmur3Prefix;
  readonly serve: CompiledSplit;
}

/**
 * The results a flag can give, in one flat array of slots, each built the first time an evaluation reaches it
 * (a server holds a result for what its traffic gets, not for every rule and variant of 10,000 flags):
 *   [off] [prerequisite failed] [experiment × variants] [targeted × variants] [rule i × variants]… [default × variants]
 */
const OFF_SLOT = 0;
const PREREQUISITE_FAILED_SLOT = 1;
/** Where the experiment's results start (one per variant), then the targeted ones, then each rule's. */
const FIRST_EXPERIMENT_SLOT = 2;
/** What a flag holds until its first evaluation; never written to (slotsRevision -1 matches no revision). */
const NO_SLOTS: (EvaluationResult | undefined)[] = [];

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
  private readonly defaultServe: CompiledServe;
  private readonly hashPrefix: Murmur3Prefix;
  private readonly experiment: CompiledExperiment | undefined;
  /** Built results by slot (see OFF_SLOT), for `slotsRevision`: every result carries the revision. */
  private slots: (EvaluationResult | undefined)[] = NO_SLOTS;
  private slotsRevision = -1;

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
      // Stryker disable next-line ConditionalExpression: an empty map finds no unit either; undefined only spares the lookup
      flag.targets.length === 0 ? undefined : new Map(flag.targets.flatMap((t) => t.units.map((unit) => [unit, index(t.variant)] as const)));
    // Flags without rules (a third of them, typically) share one empty array rather than hold two each.
    // Stryker disable next-line ConditionalExpression: mapping no rules gives empty arrays too, only unshared ones
    if (flag.rules.length === 0) {
      this.ruleTests = NONE;
      this.ruleServes = NONE;
    } else {
      this.ruleTests = flag.rules.map((rule) => compileConditions(rule.conditions, segment));
      this.ruleServes = flag.rules.map((rule) => compileServe(rule.serve, index));
    }
    this.defaultServe = compileServe(flag.defaultServe, index);
    this.hashPrefix = murmur3Prefix(`${flag.key}.`);
    this.experiment = compileExperiment(flag, this.variantNames, segment);
    this.enabled = flag.enabled;
  }

  readonly enabled: boolean;

  /** The evaluation order (docs/api.md): unknown flag, disabled, prerequisites, individual targets, rules, default serve. */
  evaluate(env: CompiledEnvironment, context: EvaluationContext, defaultValue: unknown, depth = 0): EvaluationResult {
    const revision = env.revision;
    if (!this.enabled) return this.result(revision, OFF_SLOT);
    for (let i = 0; i < this.prerequisites.length; i++) {
      const prerequisite = this.prerequisites[i]!;
      const required = env.flags.get(prerequisite.flagKey);
      if (required === undefined || depth >= MAX_PREREQUISITE_DEPTH) return this.result(revision, PREREQUISITE_FAILED_SLOT);
      if (required.evaluate(env, context, undefined, depth + 1).variant !== prerequisite.variant) return this.result(revision, PREREQUISITE_FAILED_SLOT);
    }
    const unit = unitOf(context, this.unitAttribute);
    const variantCount = this.variantNames.length;
    if (this.targets !== undefined && unit !== undefined) {
      const target = this.targets.get(unit);
      if (target !== undefined) return this.result(revision, FIRST_EXPERIMENT_SLOT + variantCount + target);
    }
    const experiment = this.experiment;
    if (experiment !== undefined && unit !== undefined && experiment.audience(context, unit)) {
      if (bucketWithPrefix(experiment.trafficPrefix, unit) < experiment.trafficLimit) {
        const variant = splitIndex(experiment.serve, bucketWithPrefix(experiment.variantPrefix, unit));
        if (variant >= 0) return this.result(revision, FIRST_EXPERIMENT_SLOT + variant);
      }
    }
    const rulesStart = FIRST_EXPERIMENT_SLOT + 2 * variantCount;
    for (let i = 0; i < this.ruleTests.length; i++) {
      if (this.ruleTests[i]!(context, unit)) return this.serve(this.ruleServes[i]!, rulesStart + i * variantCount, unit, env, defaultValue);
    }
    return this.serve(this.defaultServe, rulesStart + this.ruleTests.length * variantCount, unit, env, defaultValue);
  }

  /** The unit this flag buckets by, from a context (what an exposure records). */
  unitOf(context: EvaluationContext): string | undefined {
    return unitOf(context, this.unitAttribute);
  }

  /** The bucket of a unit for this flag, in [0, 99999] (hashVersion 1). */
  bucket(unit: string): number {
    return bucketWithPrefix(this.hashPrefix, unit);
  }

  /** Serves a fixed variant or a split, from the results starting at slot `first` (one per variant). */
  private serve(serve: CompiledServe, first: number, unit: string | undefined, env: CompiledEnvironment, defaultValue: unknown): EvaluationResult {
    if ('fixed' in serve) return this.result(env.revision, first + serve.fixed);
    if (unit === undefined) {
      return errorResult(this.key, defaultValue, 'TARGETING_KEY_MISSING', `a split needs the context attribute ${this.unitAttribute}`, env.revision);
    }
    const variant = splitIndex(serve, this.bucket(unit));
    // Only weights falling short of 100,000 (a hand-written snapshot: the API refuses them) leave buckets past the last bound.
    return this.result(env.revision, first + (variant >= 0 ? variant : serve.variants[serve.variants.length - 1]!));
  }

  /** The shared frozen result of a slot: the hot path is a comparison and a load; building is apart. */
  private result(revision: number, slot: number): EvaluationResult {
    if (this.slotsRevision === revision) {
      const built = this.slots[slot];
      if (built !== undefined) return built;
    }
    return this.buildResult(revision, slot);
  }

  private buildResult(revision: number, slot: number): EvaluationResult {
    if (this.slotsRevision !== revision) {
      // A new revision of the environment: results built for the previous one carry its revision, drop them.
      // Stryker disable next-line ArrayDeclaration: sizing only spares the array's growth; an unsized one holds the same slots
      this.slots = new Array<EvaluationResult | undefined>(FIRST_EXPERIMENT_SLOT + (3 + this.ruleTests.length) * this.variantNames.length);
      this.slotsRevision = revision;
    }
    const variantCount = this.variantNames.length;
    let variant: number;
    let reason: Reason;
    let ruleId: string | undefined;
    let experimentKey: string | undefined;
    if (slot === OFF_SLOT || slot === PREREQUISITE_FAILED_SLOT) {
      variant = this.offIndex;
      reason = slot === OFF_SLOT ? 'DISABLED' : 'PREREQUISITE_FAILED';
    } else if (slot < FIRST_EXPERIMENT_SLOT + variantCount) {
      variant = slot - FIRST_EXPERIMENT_SLOT;
      reason = 'SPLIT';
      ruleId = EXPERIMENT_RULE_ID;
      experimentKey = this.experiment!.key;
    } else if (slot < FIRST_EXPERIMENT_SLOT + 2 * variantCount) {
      variant = slot - FIRST_EXPERIMENT_SLOT - variantCount;
      reason = 'TARGETING_MATCH';
    } else {
      const served = slot - FIRST_EXPERIMENT_SLOT - 2 * variantCount;
      const rule = Math.floor(served / variantCount);
      variant = served % variantCount;
      const isRule = rule < this.ruleTests.length;
      const serve = isRule ? this.ruleServes[rule]! : this.defaultServe;
      reason = !('fixed' in serve) ? 'SPLIT' : isRule ? 'TARGETING_MATCH' : 'DEFAULT';
      ruleId = isRule ? this.source.rules[rule]!.id : undefined;
    }
    const result: EvaluationResult = Object.freeze({
      flagKey: this.key,
      value: this.values[variant],
      variant: this.variantNames[variant]!,
      reason,
      ...(ruleId === undefined ? {} : { ruleId }),
      ...(experimentKey === undefined ? {} : { experimentKey }),
      revision,
    });
    this.slots[slot] = result;
    return result;
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
    // Stryker disable next-line ConditionalExpression: compiling a segment again gives an equal predicate; this only spares the work
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
  if (Number.isFinite(value)) return String(value); // true of finite numbers only, never of strings or booleans
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
  return { key: experiment.key, audience: compileConditions(experiment.audience, segment), ...experimentHashing(experiment), serve };
}

/** Who is in an experiment (traffic bucket below the limit) and which variant they get, each hashed with its own salt. */
export function experimentHashing(experiment: { readonly salt: string; readonly trafficPercent: number }): {
  readonly trafficLimit: number;
  readonly trafficPrefix: Murmur3Prefix;
  readonly variantPrefix: Murmur3Prefix;
} {
  return {
    trafficLimit: Math.round(experiment.trafficPercent * 1_000),
    trafficPrefix: murmur3Prefix(`${experiment.salt}:traffic.`),
    variantPrefix: murmur3Prefix(`${experiment.salt}.`),
  };
}

/** The variant (index) a bucket falls to: the first bound above it; -1 past the last bound. */
function splitIndex({ bounds, variants }: CompiledSplit, bucket: number): number {
  // Stryker disable next-line EqualityOperator: a step past the end compares the bucket with undefined, which is false, and ends the loop as before
  for (let i = 0; i < bounds.length; i++) if (bucket < bounds[i]!) return variants[i]!;
  return -1;
}

/**
 * The variant of a split a bucket falls to, by name, as evaluation walks it (for explanations); undefined past
 * the last bound, which only weights short of 100,000 leave.
 */
export function splitVariant(split: readonly { readonly variant: string; readonly weight: number }[], bucket: number): string | undefined {
  const names = split.map((part) => part.variant);
  const index = splitIndex(compileServe({ split: [...split] }, (name) => names.indexOf(name)) as CompiledSplit, bucket);
  return names[index]; // past the last bound, -1 reads undefined
}

const NONE: readonly never[] = Object.freeze([]);

/** Fixed serves by variant index, and splits by bounds and variants: a few shapes recur across thousands of flags. */
const fixedServes: { readonly fixed: number }[] = [];
// Stryker disable next-line ArithmeticOperator: the bound limits sharing only: a smaller cache compiles equal splits again, to equal bounds
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
  // Stryker disable next-line ConditionalExpression: compiling the split again gives equal bounds and variants; this only shares them
  if (compiled === undefined) {
    compiled = { bounds: Int32Array.from(bounds), variants: Int32Array.from(indices) };
    // Stryker disable next-line ArithmeticOperator: the weight decides only when a shared split is dropped from the cache, never what it serves
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
  // Stryker disable next-line ConditionalExpression: the variants are frozen, so a table built again has the same names and the same value objects
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
