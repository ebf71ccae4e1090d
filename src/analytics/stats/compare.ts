import { ValidationError, issue, throwIfAny, type FieldIssue } from '../../shared/errors.ts';
import type { MetricKindModule } from '../../shared/metric-kinds/metric-kind.ts';
import { METRIC_KINDS, findMetricKind, metricKind, type MetricKind } from '../../shared/metric-kinds/metric-kinds.ts';
import type { SufficientStatistics } from '../../shared/metric-kinds/sums.ts';
import { bayesianSummary, posterior, type Direction, type GaussianPrior } from './bayesian.ts';
import { cupedAbsoluteEffect, cupedRelativeEffect, pooledTheta } from './cuped.ts';
import { normalQuantile } from './distributions.ts';
import { absoluteEffect, relativeEffect, type Effect } from './effect.ts';
import { criticalT, welchTest, type Alternative, type Interval } from './frequentist.ts';
import { confidenceSequence, sequentialPValue } from './sequential.ts';
import { armIssues, cupedMoments, hasCovariates } from './sufficient-statistics.ts';

export const METHODS = ['frequentist', 'bayesian', 'sequential'] as const;
export type Method = (typeof METHODS)[number];
/** "one-sided" tests for an improvement: "greater" for a higher-is-better metric, "less" for a lower-is-better one. */
export const ALTERNATIVES = ['two-sided', 'one-sided', 'greater', 'less'] as const;
export type AlternativeInput = (typeof ALTERNATIVES)[number];
export const DIRECTIONS = ['higher-is-better', 'lower-is-better'] as const;

export const DEFAULT_ALPHA = 0.05;
/** α below this has no use in experimentation, and in the far tail the distributions lose their last digits. */
export const MIN_ALPHA = 1e-12;
export const MAX_ALPHA = 0.5;
export const ALPHA_RULE = `must be a number between ${MIN_ALPHA} and ${MAX_ALPHA}`;
export const DEFAULT_SEQUENTIAL_TUNING = 5_000;

/** How to analyse; every field has a default (docs/statistics.md): frequentist, relative, α = 0.05, N* = 5000, two-sided. */
export interface AnalysisOptions {
  readonly method?: Method;
  /** Report the relative effect (default) or the absolute one. */
  readonly relative?: boolean;
  /** 1e-12 ≤ α ≤ 0.5: intervals are 1 − α. */
  readonly alpha?: number;
  /** N* of the sequential method. */
  readonly sequentialTuning?: number;
  /** Bayesian only: a Gaussian prior on the reported effect; the default is flat. */
  readonly prior?: GaussianPrior;
  /** Frequentist only; Bayesian and sequential analyses are two-sided. */
  readonly alternative?: AlternativeInput;
  readonly direction?: Direction;
}

export type Verdict = 'improvement' | 'regression' | 'inconclusive' | 'insufficient-data';

/**
 * One treatment against the baseline (docs/statistics.md). `ci` is the interval of the reported effect
 * (relative by default; `effect` says which, and `note` why when it is not the one asked for), `absoluteCi` that of
 * the absolute effect; a Bayesian comparison puts its credible interval there and fills chanceToWin and the risks.
 * A field that does not apply is null; no field is ever NaN or infinite. With `status: "insufficient-data"` every estimate is null and `reason` says why.
 */
export interface Comparison {
  variant: string;
  baseline: string;
  status: 'ok' | 'insufficient-data';
  reason: string | null;
  /** Set when the comparison is not the one asked for, or rests on an estimate beyond the data: what and why. */
  note: string | null;
  method: Method;
  effect: 'relative' | 'absolute';
  alternative: Alternative;
  direction: Direction;
  alpha: number;
  /** (m_T − m_C)/|m_C|; Bayesian: the posterior mean when relative is reported. Null when m_C = 0. */
  relativeLift: number | null;
  ci: Interval | null;
  /** m_T − m_C (CUPED-adjusted with CUPED); Bayesian: the posterior mean when absolute is reported. */
  absoluteLift: number | null;
  absoluteCi: Interval | null;
  /** Of the reported effect; frequentist and sequential (always-valid) only. */
  pValue: number | null;
  /** Set when a multiple-testing correction was applied to this comparison (see corrections.ts). */
  adjustedPValue: number | null;
  chanceToWin: number | null;
  risk: number | null;
  riskControl: number | null;
  /** p < α (adjusted p when corrected), or for Bayesian: the credible interval excludes 0. */
  significant: boolean;
  /** What a significant result means for this metric, given its direction. */
  verdict: Verdict;
  cuped: boolean;
  cupedTheta: number | null;
  /** √V of the reported effect. */
  standardError: number | null;
  /** Welch–Satterthwaite ν (frequentist only). */
  degreesOfFreedom: number | null;
}

/** The inputs of POST /admin/stats/compare. */
export interface CompareInput extends AnalysisOptions {
  readonly metricType: MetricKind;
  readonly control: SufficientStatistics;
  readonly treatment: SufficientStatistics;
}

export interface VariantStatistics extends SufficientStatistics {
  readonly variant: string;
}

/** Every variant of one metric; `control` names the baseline variant. */
export interface MetricInput extends AnalysisOptions {
  readonly metricType: MetricKind;
  readonly control: string;
  readonly variants: readonly VariantStatistics[];
}

export interface VariantSummary {
  variant: string;
  units: number;
  /** The metric's mean (a ratio for ratio metrics); null without units or with a zero denominator. */
  mean: number | null;
}

export interface MetricAnalysis {
  variants: VariantSummary[];
  comparisons: Comparison[];
  cuped: boolean;
  cupedTheta: number | null;
}

interface Settings {
  method: Method;
  relative: boolean;
  alpha: number;
  tuning: number;
  prior: GaussianPrior | undefined;
  alternative: Alternative;
  direction: Direction;
}

/** Compares one treatment with control; CUPED's θ is pooled over the two. Throws ValidationError on bad input. */
export function compareVariants(input: CompareInput): Comparison {
  const settings = resolve(input);
  const arms = [input.control, input.treatment];
  throwIfAny(ValidationError, INVALID_INPUT, [...optionIssues(input, settings), ...metricIssues(input.metricType, arms, [['control'], ['treatment']])]);
  // Stryker disable next-line MethodExpression: armIssues refuses covariate sums in some arms but not all, so some and every agree
  const theta = arms.some(hasCovariates) ? pooledTheta(arms) : null;
  return compareArms(metricKind(input.metricType), { name: 'control', arm: input.control }, { name: 'treatment', arm: input.treatment }, settings, theta);
}

/**
 * Every treatment of one metric against its control, with CUPED's θ pooled over all the metric's variants.
 * This is what the results API calls per metric; SRM and multiple-testing corrections are separate
 * (srm.ts, corrections.ts) because they span the experiment, not one metric.
 */
export function analyseMetric(input: MetricInput): MetricAnalysis {
  const settings = resolve(input);
  const issues = [...optionIssues(input, settings)];
  const seen = new Set<string>();
  input.variants.forEach(({ variant }, i) => {
    if (typeof variant !== 'string' || variant === '') issues.push(issue(['variants', i, 'variant'], 'must be a non-empty string'));
    else if (seen.has(variant)) issues.push(issue(['variants', i, 'variant'], `"${variant}" appears more than once`));
    seen.add(variant);
  });
  if (input.variants.length < 2) issues.push(issue(['variants'], 'needs the control and at least one treatment'));
  const controlIndex = input.variants.findIndex((v) => v.variant === input.control);
  if (controlIndex < 0) issues.push(issue(['control'], `names no variant (${input.variants.map((v) => v.variant).join(', ')})`));
  issues.push(...metricIssues(input.metricType, input.variants, input.variants.map((_, i) => ['variants', i])));
  throwIfAny(ValidationError, INVALID_INPUT, issues);

  // Stryker disable next-line MethodExpression: armIssues refuses covariate sums in some variants but not all, so some and every agree
  const theta = input.variants.some(hasCovariates) ? pooledTheta(input.variants) : null;
  const control = input.variants[controlIndex]!;
  const kind = metricKind(input.metricType);
  return {
    variants: input.variants.map((v) => ({ variant: v.variant, units: v.n, mean: finiteOrNull(kind.observedMean(v)) })),
    comparisons: input.variants
      .filter((v) => v !== control)
      .map((v) => compareArms(kind, { name: control.variant, arm: control }, { name: v.variant, arm: v }, settings, theta)),
    cuped: theta !== null,
    cupedTheta: theta,
  };
}

function resolve(options: AnalysisOptions): Settings {
  const direction = options.direction ?? 'higher-is-better';
  const alternative = options.alternative ?? 'two-sided';
  return {
    method: options.method ?? 'frequentist',
    relative: options.relative ?? true,
    alpha: options.alpha ?? DEFAULT_ALPHA,
    tuning: options.sequentialTuning ?? DEFAULT_SEQUENTIAL_TUNING,
    prior: options.prior,
    alternative: alternative === 'one-sided' ? (direction === 'higher-is-better' ? 'greater' : 'less') : alternative,
    direction,
  };
}

/** The options' own checks, for callers that bypass the HTTP schema (the results API). */
function optionIssues(options: AnalysisOptions, s: Settings): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!(METHODS as readonly string[]).includes(s.method)) issues.push(issue(['method'], `must be one of ${METHODS.join(', ')}`));
  if (typeof s.relative !== 'boolean') issues.push(issue(['relative'], 'must be true or false'));
  if (!(typeof s.alpha === 'number' && s.alpha >= MIN_ALPHA && s.alpha <= MAX_ALPHA)) issues.push(issue(['alpha'], ALPHA_RULE));
  if (!(Number.isFinite(s.tuning) && s.tuning > 0)) issues.push(issue(['sequentialTuning'], 'must be a positive number (N*)'));
  if (!(DIRECTIONS as readonly string[]).includes(s.direction)) issues.push(issue(['direction'], `must be one of ${DIRECTIONS.join(', ')}`));
  if (!(ALTERNATIVES as readonly string[]).includes(options.alternative ?? 'two-sided')) issues.push(issue(['alternative'], `must be one of ${ALTERNATIVES.join(', ')}`));
  else if (s.method !== 'frequentist' && s.alternative !== 'two-sided') issues.push(issue(['alternative'], `must be two-sided for the ${s.method} method; one-sided tests are frequentist`));
  if (s.prior !== undefined) {
    if (s.method !== 'bayesian') issues.push(issue(['prior'], 'applies to the bayesian method only'));
    if (!Number.isFinite(s.prior.mean)) issues.push(issue(['prior', 'mean'], 'must be a finite number'));
    if (!(Number.isFinite(s.prior.variance) && s.prior.variance > 0)) issues.push(issue(['prior', 'variance'], 'must be a positive finite number'));
  }
  return issues;
}

function metricIssues(metricType: MetricKind, arms: readonly SufficientStatistics[], paths: readonly (readonly PropertyKey[])[]): FieldIssue[] {
  const kind = findMetricKind(metricType);
  if (!kind) return [issue(['metricType'], `must be one of ${METRIC_KINDS.join(', ')}`)];
  return armIssues(kind, arms, paths);
}

const INVALID_INPUT = 'The statistics input is invalid';
const TOO_EXTREME = 'the sums are too extreme to analyse in double precision';

interface NamedArm {
  name: string;
  arm: SufficientStatistics;
}

function compareArms(kind: MetricKindModule, control: NamedArm, treatment: NamedArm, s: Settings, theta: number | null): Comparison {
  const base: Comparison = {
    variant: treatment.name,
    baseline: control.name,
    status: 'ok',
    reason: null,
    note: null,
    method: s.method,
    effect: s.relative ? 'relative' : 'absolute',
    alternative: s.alternative,
    direction: s.direction,
    alpha: s.alpha,
    relativeLift: null,
    ci: null,
    absoluteLift: null,
    absoluteCi: null,
    pValue: null,
    adjustedPValue: null,
    chanceToWin: null,
    risk: null,
    riskControl: null,
    significant: false,
    verdict: 'insufficient-data',
    cuped: theta !== null,
    cupedTheta: theta,
    standardError: null,
    degreesOfFreedom: null,
  };
  const insufficient = (reason: string): Comparison => ({ ...base, status: 'insufficient-data', reason });

  for (const { name, arm } of [control, treatment]) {
    if (arm.n < 2) return insufficient(`each variant needs at least 2 units; ${name} has ${arm.n}`);
    // Only a kind with a denominator may carry its sums (armIssues), so this is a ratio's empty denominator.
    if (arm.denominatorSum === 0) return insufficient(`the denominator sum of ${name} is 0, so its ratio is undefined`);
  }
  const effects = estimate(kind, control.arm, treatment.arm, theta);
  const { absolute } = effects;
  // Sums near the ends of double precision can overflow on the way (a mean of 1e300 squared); say so.
  const wanted = s.relative ? effects.relative : absolute;
  if (![absolute, wanted].every((e) => e === null || (Number.isFinite(e.estimate) && Number.isFinite(e.variance)))) return insufficient(TOO_EXTREME);
  const relative = effects.relative && Number.isFinite(effects.relative.estimate) ? effects.relative : null;
  const chosen = reportedEffect(kind, control, treatment, effects, s.relative);
  if ('insufficient' in chosen) return insufficient(chosen.insufficient);
  const { effect: reported, scale, note } = chosen;
  const reportsRelative = scale === 'relative';
  const reportedBase: Comparison = { ...base, effect: scale, note };

  let result: Comparison;
  switch (s.method) {
    case 'frequentist': {
      const critical = criticalT(s.alpha, s.alternative, reported.df);
      const test = welchTest(reported, s.alpha, s.alternative, critical);
      const significant = test.pValue < s.alpha;
      result = {
        ...reportedBase,
        relativeLift: relative?.estimate ?? null,
        ci: test.interval,
        absoluteLift: absolute.estimate,
        absoluteCi: reportsRelative ? welchTest(absolute, s.alpha, s.alternative, critical).interval : test.interval,
        pValue: test.pValue,
        significant,
        verdict: verdictFromSign(significant, reported.estimate, s.direction),
        standardError: Math.sqrt(reported.variance),
        degreesOfFreedom: reported.df,
      };
      break;
    }
    case 'sequential': {
      const n = control.arm.n + treatment.arm.n;
      const pValue = sequentialPValue(reported, n, s.tuning);
      const interval = confidenceSequence(reported, n, s.alpha, s.tuning);
      const significant = pValue < s.alpha;
      result = {
        ...reportedBase,
        relativeLift: relative?.estimate ?? null,
        ci: interval,
        absoluteLift: absolute.estimate,
        absoluteCi: reportsRelative ? confidenceSequence(absolute, n, s.alpha, s.tuning) : interval,
        pValue,
        significant,
        verdict: verdictFromSign(significant, reported.estimate, s.direction),
        standardError: Math.sqrt(reported.variance),
      };
      break;
    }
    case 'bayesian': {
      // The prior is stated on the scale asked for; the other effect, or one reported instead, gets the flat prior.
      const post = posterior(reported, reportsRelative === s.relative ? s.prior : undefined);
      // A prior meeting a variance whose reciprocal overflows leaves σ = 0 (and μ/σ = 0/0, which the distributions
      // refuse). A μ that overflows summarises to infinities, which the final check catches.
      if (!(post.sd > 0)) return insufficient(TOO_EXTREME);
      const z = -normalQuantile(s.alpha / 2); // z_{1−α/2}, without rounding 1 − α/2
      const summary = bayesianSummary(post, s.alpha, s.direction, z);
      const absoluteInterval = reportsRelative ? bayesianSummary(posterior(absolute), s.alpha, s.direction, z).interval : summary.interval;
      const wins = summary.chanceToWin >= 1 - s.alpha / 2;
      const loses = summary.chanceToWin <= s.alpha / 2;
      result = {
        ...reportedBase,
        relativeLift: reportsRelative ? summary.mean : (relative?.estimate ?? null),
        ci: summary.interval,
        absoluteLift: reportsRelative ? absolute.estimate : summary.mean,
        absoluteCi: absoluteInterval,
        chanceToWin: summary.chanceToWin,
        risk: summary.risk,
        riskControl: summary.riskControl,
        significant: wins || loses,
        verdict: wins ? 'improvement' : loses ? 'regression' : 'inconclusive',
        standardError: Math.sqrt(reported.variance),
      };
      break;
    }
    default: {
      const never: never = s.method;
      // Stryker disable next-line StringLiteral: unreachable, optionIssues refuses any other method first
      throw new Error(`unknown method ${String(never)}`);
    }
  }
  return allFinite(result) ? result : insufficient(TOO_EXTREME);
}

interface Effects {
  absolute: Effect;
  /** Null when the control mean is 0. */
  relative: Effect | null;
}

function estimate(kind: MetricKindModule, control: SufficientStatistics, treatment: SufficientStatistics, theta: number | null): Effects {
  if (theta !== null) {
    const c = cupedMoments(kind, control);
    const t = cupedMoments(kind, treatment);
    return { absolute: cupedAbsoluteEffect(c, t, theta), relative: c.meanY !== 0 ? cupedRelativeEffect(c, t, theta) : null };
  }
  const c = kind.moments(control);
  const t = kind.moments(treatment);
  return { absolute: absoluteEffect(c, t), relative: c.mean !== 0 ? relativeEffect(c, t) : null };
}

type Reported = { effect: Effect; scale: Comparison['effect']; note: string | null } | { insufficient: string };

const ON_ABSOLUTE = 'the comparison is on the absolute difference instead';

/**
 * The effect to test (docs/statistics.md, "Degenerate comparisons"). A relative effect that cannot be judged (no
 * control mean, or no variance) must not hide a difference the absolute effect can test, so that one is reported
 * instead, with a note. Two arms without variance but with different means are a certain difference in the sample:
 * a kind bounded to 0 and 1 estimates the variance that hides (Agresti–Caffo); any other kind cannot.
 */
function reportedEffect(kind: MetricKindModule, control: NamedArm, treatment: NamedArm, effects: Effects, relativeWanted: boolean): Reported {
  const { absolute, relative } = effects;
  if (relativeWanted && relative !== null && relative.variance > 0) return { effect: relative, scale: 'relative', note: null };
  if (absolute.variance > 0) {
    if (!relativeWanted) return { effect: absolute, scale: 'absolute', note: null };
    const why =
      relative === null
        ? `the control mean is 0, so there is no relative effect; ${ON_ABSOLUTE}`
        : `the relative effect has zero variance (${treatment.name} has no variation and a mean of 0); ${ON_ABSOLUTE}`;
    return { effect: absolute, scale: 'absolute', note: why };
  }
  if (absolute.estimate === 0) return { insufficient: 'both variants have zero variance and the same mean, so there is nothing to test' };
  const means = `${control.name} ${String(kind.observedMean(control.arm))}, ${treatment.name} ${String(kind.observedMean(treatment.arm))}`;
  if (!kind.smoothedMoments) {
    return { insufficient: `both variants have zero variance but different means (${means}): the sample differs for certain, but there is no noise to test the difference against` };
  }
  const smoothed = absoluteEffect(kind.smoothedMoments(control.arm), kind.smoothedMoments(treatment.arm));
  const note = `both variants have zero variance but different means (${means}); the variance is estimated with one success and one failure added to each variant (Agresti–Caffo)${relativeWanted ? `; ${ON_ABSOLUTE}` : ''}`;
  return { effect: { ...smoothed, estimate: absolute.estimate }, scale: 'absolute', note };
}

/** Significant results are an improvement when the effect points the metric's good way, else a regression. */
function verdictFromSign(significant: boolean, effect: number, direction: Direction): Verdict {
  if (!significant) return 'inconclusive';
  // Stryker disable next-line EqualityOperator: an effect of exactly 0 is never significant (p ≥ 0.5 ≥ α)
  return effect > 0 === (direction === 'higher-is-better') ? 'improvement' : 'regression';
}

function finiteOrNull(value: number | null): number | null {
  return Number.isFinite(value) ? value : null;
}

/** No number of the comparison, its intervals' ends included, is NaN or infinite. */
function allFinite(comparison: Comparison): boolean {
  // A plain loop: Object.values(…).flat() allocated two arrays per comparison and was a quarter of an analysis.
  for (const value of Object.values(comparison)) {
    // Stryker disable next-line ConditionalExpression,MethodExpression: the intervals' ends are finite whenever the estimates and variances are (|estimate| and critical·√V stay far below the largest double), so their check guards and no input reaches it
    if (Array.isArray(value) ? !value.every(finiteUnlessNotNumber) : !finiteUnlessNotNumber(value)) return false;
  }
  return true;
}

function finiteUnlessNotNumber(value: unknown): boolean {
  return typeof value !== 'number' || Number.isFinite(value);
}
