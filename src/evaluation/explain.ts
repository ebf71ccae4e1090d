import type { FlagSnapshot, SegmentSnapshot } from '../shared/snapshot.ts';
import type { Condition, Serve } from '../shared/targeting.ts';
import { EXPERIMENT_RULE_ID, MAX_PREREQUISITE_DEPTH, evaluateFlag, experimentHashing, splitVariant, type CompiledEnvironment, type CompiledFlag } from './compile.ts';
import { compileCondition, compileSegment, type Predicate } from './conditions.ts';
import type { ErrorCode, EvaluationContext, EvaluationResult, Reason } from './evaluation-result.ts';
import { bucketWithPrefix } from './murmur3.ts';

export interface ConditionTrace {
  readonly attribute: string | null;
  readonly operator: Condition['operator'];
  readonly values: Condition['values'];
  /** The context's value for the attribute; null when it is missing. */
  readonly actual: unknown;
  readonly held: boolean;
  /** For in_segment / not_in_segment: each segment and why the unit is in it or not. */
  readonly segments?: readonly { readonly key: string; readonly matched: boolean; readonly why: string }[];
}

export type TraceStep =
  | { readonly step: 'flag'; readonly held: boolean; readonly detail: string }
  | { readonly step: 'enabled'; readonly held: boolean; readonly detail: string }
  | { readonly step: 'prerequisite'; readonly held: boolean; readonly flagKey: string; readonly requiredVariant: string; readonly servedVariant: string | null; readonly detail: string; readonly trace?: readonly TraceStep[] }
  | { readonly step: 'targets'; readonly held: boolean; readonly attribute: string; readonly unit: string | null; readonly variant?: string; readonly detail: string }
  | {
      readonly step: 'experiment';
      readonly held: boolean;
      readonly experimentKey: string;
      readonly audience: readonly ConditionTrace[];
      readonly trafficBucket: number | null;
      readonly trafficLimit: number;
      readonly variantBucket?: number;
      readonly variant?: string;
      readonly detail: string;
    }
  | { readonly step: 'rule'; readonly held: boolean; readonly ruleId: string; readonly conditions: readonly ConditionTrace[] }
  | { readonly step: 'rule'; readonly held: null; readonly ruleId: string; readonly detail: string }
  | { readonly step: 'serve'; readonly from: 'rule' | 'default'; readonly ruleId?: string; readonly serve: Serve; readonly unit: string | null; readonly bucket?: number; readonly variant?: string; readonly detail: string };

/** What the trace concludes: compared field by field with the engine's result in the tests. */
export interface TraceOutcome {
  readonly variant?: string;
  readonly reason: Reason;
  readonly ruleId?: string;
  readonly experimentKey?: string;
  readonly errorCode?: ErrorCode;
}

export interface Explanation {
  /** Computed by the compiled engine itself, so it is exactly what an application got. */
  readonly result: EvaluationResult;
  readonly trace: readonly TraceStep[];
  readonly outcome: TraceOutcome;
}

/**
 * Explains one evaluation: the result comes from the compiled engine (`evaluateFlag`), the trace from walking
 * the flag's configuration in the evaluation order (docs/api.md) with the engine's own primitives: the same compiled
 * condition and segment predicates, the same unit and bucket functions, the same murmur3 prefixes. So the trace
 * cannot disagree with the engine on what a condition or a bucket gave; the tests assert that its outcome
 * equals the result over thousands of random configurations and contexts.
 */
export function explainFlag(env: CompiledEnvironment, flagKey: string, context: EvaluationContext, defaultValue?: unknown): Explanation {
  const result = evaluateFlag(env, flagKey, context, defaultValue);
  const { steps, outcome } = traceFlag(env, flagKey, context, 0);
  return { result, trace: steps, outcome };
}

interface Traced {
  readonly steps: TraceStep[];
  readonly outcome: TraceOutcome;
}

function traceFlag(env: CompiledEnvironment, flagKey: string, context: EvaluationContext, depth: number): Traced {
  const compiled = env.flags.get(flagKey);
  if (compiled === undefined) {
    return {
      steps: [{ step: 'flag', held: false, detail: `flag ${flagKey} is not defined in ${env.environment} at revision ${env.revision} (unknown or archived)` }],
      outcome: { reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' },
    };
  }
  try {
    return new FlagTracer(env, compiled, context, depth).trace();
  } catch (error) {
    return { steps: [{ step: 'flag', held: false, detail: `evaluation failed: ${(error as Error).message}` }], outcome: { reason: 'ERROR', errorCode: 'GENERAL' } };
  }
}

class FlagTracer {
  private readonly steps: TraceStep[] = [];
  private readonly flag: FlagSnapshot;
  private readonly segmentPredicates = new Map<string, Predicate>();

  constructor(
    private readonly env: CompiledEnvironment,
    private readonly compiled: CompiledFlag,
    private readonly context: EvaluationContext,
    private readonly depth: number,
  ) {
    this.flag = compiled.source;
  }

  trace(): Traced {
    const { flag } = this;
    this.steps.push({ step: 'flag', held: true, detail: `flag ${flag.key} exists in ${this.env.environment} at revision ${this.env.revision}` });
    if (!flag.enabled) {
      this.steps.push({ step: 'enabled', held: false, detail: `disabled in ${this.env.environment}: serves the off variant ${flag.offVariant}` });
      return this.done({ variant: flag.offVariant, reason: 'DISABLED' });
    }
    this.steps.push({ step: 'enabled', held: true, detail: `enabled in ${this.env.environment}` });

    for (const prerequisite of flag.prerequisites) {
      const required = this.env.flags.get(prerequisite.flagKey);
      if (required === undefined || this.depth >= MAX_PREREQUISITE_DEPTH) {
        const why = required === undefined ? `${prerequisite.flagKey} is not defined here` : `prerequisites nest deeper than ${MAX_PREREQUISITE_DEPTH}`;
        this.steps.push({ step: 'prerequisite', held: false, flagKey: prerequisite.flagKey, requiredVariant: prerequisite.variant, servedVariant: null, detail: why });
        return this.done({ variant: flag.offVariant, reason: 'PREREQUISITE_FAILED' });
      }
      const nested = traceFlag(this.env, prerequisite.flagKey, this.context, this.depth + 1);
      const served = nested.outcome.variant ?? null;
      const held = served === prerequisite.variant;
      this.steps.push({
        step: 'prerequisite',
        held,
        flagKey: prerequisite.flagKey,
        requiredVariant: prerequisite.variant,
        servedVariant: served,
        detail: `${prerequisite.flagKey} served ${served ?? 'no variant'} (${nested.outcome.reason}); ${prerequisite.variant} is required`,
        trace: nested.steps,
      });
      if (!held) return this.done({ variant: flag.offVariant, reason: 'PREREQUISITE_FAILED' });
    }

    const unit = this.compiled.unitOf(this.context);
    if (flag.targets.length > 0) {
      const target = unit === undefined ? undefined : flag.targets.find((t) => t.units.includes(unit));
      this.steps.push({
        step: 'targets',
        held: target !== undefined,
        attribute: flag.bucketBy,
        unit: unit ?? null,
        ...(target ? { variant: target.variant } : {}),
        detail: target ? `${unit} is individually targeted with ${target.variant}` : unit === undefined ? `the context has no ${flag.bucketBy}` : `${unit} is not individually targeted`,
      });
      if (target) return this.done({ variant: target.variant, reason: 'TARGETING_MATCH' });
    }

    const experimentOutcome = this.experiment(unit);
    if (experimentOutcome) return this.done(experimentOutcome);

    for (const [i, rule] of flag.rules.entries()) {
      const conditions = rule.conditions.map((condition) => this.condition(condition, unit));
      const held = conditions.every((c) => c.held);
      this.steps.push({ step: 'rule', held, ruleId: rule.id, conditions });
      if (held) {
        for (const skipped of flag.rules.slice(i + 1)) this.steps.push({ step: 'rule', held: null, ruleId: skipped.id, detail: `not evaluated: rule ${rule.id} matched first` });
        return this.serve(rule.serve, unit, 'rule', rule.id);
      }
    }
    return this.serve(flag.defaultServe, unit, 'default');
  }

  private experiment(unit: string | undefined): TraceOutcome | undefined {
    const experiment = this.flag.experiment;
    // The engine leaves out an experiment naming a variant the flag no longer has.
    if (!experiment || !experiment.variants.every((part) => Object.hasOwn(this.flag.variants, part.variant))) return undefined;
    const audience = experiment.audience.map((condition) => this.condition(condition, unit));
    const { trafficLimit, trafficPrefix, variantPrefix } = experimentHashing(experiment);
    const base = { step: 'experiment', experimentKey: experiment.key, audience, trafficLimit } as const;
    if (unit === undefined || !audience.every((c) => c.held)) {
      const detail = unit === undefined ? `the context has no ${this.flag.bucketBy}` : 'the unit is outside the audience';
      this.steps.push({ ...base, held: false, trafficBucket: null, detail });
      return undefined;
    }
    const trafficBucket = bucketWithPrefix(trafficPrefix, unit);
    if (trafficBucket >= trafficLimit) {
      this.steps.push({ ...base, held: false, trafficBucket, detail: `traffic bucket ${trafficBucket} is not below ${trafficLimit}: not in the experiment` });
      return undefined;
    }
    const variantBucket = bucketWithPrefix(variantPrefix, unit);
    const variant = splitVariant(experiment.variants, variantBucket);
    // As in evaluation: weights short of 100,000 (a hand-written snapshot) leave buckets that fall through to the rules.
    if (variant === undefined) return undefined;
    this.steps.push({ ...base, held: true, trafficBucket, variantBucket, variant, detail: `in the experiment; variant bucket ${variantBucket} falls to ${variant}` });
    return { variant, reason: 'SPLIT', ruleId: EXPERIMENT_RULE_ID, experimentKey: experiment.key };
  }

  private serve(serve: Serve, unit: string | undefined, from: 'rule' | 'default', ruleId?: string): Traced {
    const origin = { step: 'serve', from, ...(ruleId === undefined ? {} : { ruleId }), serve, unit: unit ?? null } as const;
    const fixedReason: Reason = from === 'rule' ? 'TARGETING_MATCH' : 'DEFAULT';
    const withRule = ruleId === undefined ? {} : { ruleId };
    if ('variant' in serve) {
      this.steps.push({ ...origin, variant: serve.variant, detail: `serves ${serve.variant}` });
      return this.done({ variant: serve.variant, reason: fixedReason, ...withRule });
    }
    if (unit === undefined) {
      this.steps.push({ ...origin, detail: `a split needs the context attribute ${this.flag.bucketBy}, which is missing` });
      return this.done({ reason: 'ERROR', errorCode: 'TARGETING_KEY_MISSING' });
    }
    const bucket = this.compiled.bucket(unit);
    const variant = splitVariant(serve.split, bucket) ?? serve.split.filter((part) => part.weight > 0).at(-1)!.variant;
    this.steps.push({ ...origin, bucket, variant, detail: `bucket ${bucket} of ${unit} (0-99999) falls to ${variant}` });
    return this.done({ variant, reason: 'SPLIT', ...withRule });
  }

  private condition(condition: Condition, unit: string | undefined): ConditionTrace {
    const segment = (key: string): Predicate => this.segmentPredicate(key);
    const held = compileCondition(condition, segment)(this.context, unit);
    const attribute = condition.attribute ?? null;
    const actual = attribute === null || !Object.hasOwn(this.context, attribute) ? null : (this.context[attribute] ?? null);
    const trace: ConditionTrace = { attribute, operator: condition.operator, values: condition.values, actual, held };
    if (condition.operator !== 'in_segment' && condition.operator !== 'not_in_segment') return trace;
    const segments = condition.values.map((value) => {
      const key = String(value);
      return { key, matched: this.segmentPredicate(key)(this.context, unit), why: segmentWhy(this.env.snapshot.segments[key], unit) };
    });
    return { ...trace, actual: unit ?? null, segments };
  }

  private segmentPredicate(key: string): Predicate {
    let predicate = this.segmentPredicates.get(key);
    // Stryker disable next-line ConditionalExpression: compiling a segment again gives an equal predicate; this only spares the work
    if (!predicate) {
      predicate = compileSegment(this.env.snapshot.segments[key]);
      this.segmentPredicates.set(key, predicate);
    }
    return predicate;
  }

  private done(outcome: TraceOutcome): Traced {
    return { steps: this.steps, outcome };
  }
}

function segmentWhy(segment: SegmentSnapshot | undefined, unit: string | undefined): string {
  if (!segment) return 'the segment does not exist (or is archived) at this revision: it matches nobody';
  if (unit !== undefined && segment.included.includes(unit)) return `${unit} is included`;
  if (unit !== undefined && segment.excluded.includes(unit)) return `${unit} is excluded`;
  if (segment.conditions.length === 0) return 'not included, and the segment has no conditions';
  return 'decided by the segment\'s conditions (all must hold)';
}
