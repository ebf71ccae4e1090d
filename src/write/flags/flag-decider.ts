import {
  ConflictError,
  DomainRuleViolation,
  NotFoundError,
  ValidationError,
  issue,
  throwIfAny,
  type FieldIssue,
} from '../../shared/errors.ts';
import type { FlagEvent, FlagType, Variants } from '../../shared/flag-events.ts';
import {
  segmentsReferenced,
  variantsServed,
  withRuleIds,
  type Targeting,
  type TargetingInput,
} from '../../shared/targeting.ts';
import { targetingIn, type Flag } from '../../shared/flag-evolution.ts';
import { BOOLEAN_VARIANTS, variantIssues } from './flag-variants.ts';

export type FlagCommand =
  | {
      type: 'CreateFlag';
      data: { key: string; type: FlagType; description: string; tags: string[]; variants?: Variants | undefined };
    }
  | { type: 'ChangeFlagDetails'; data: { description?: string | undefined; tags?: string[] | undefined; variants?: Variants | undefined } }
  | { type: 'ChangeTargeting'; data: { environment: string; targeting: TargetingInput } }
  | { type: 'ToggleFlag'; data: { environment: string; enabled: boolean } }
  | { type: 'ArchiveFlag' }
  | { type: 'RestoreFlag' }
  /** `target` is the flag as it was at `toVersion`, folded from its own history by the caller. */
  | { type: 'RollbackFlag'; data: { toVersion: number; target: Flag } }
  /** `targeting` is the environment's targeting as it was at `toTime` (or the current one switched off). */
  | { type: 'RollbackTargeting'; data: { environment: string; toTime: string; targeting: Targeting } }
  /** An experiment about to start here; see FlagExperimentAttached. */
  | { type: 'AttachExperiment'; data: { environment: string; experimentKey: string; experimentVersion: number } }
  /** Another flag about to name this one as a prerequisite; see FlagPrerequisiteClaimed. */
  | { type: 'ClaimPrerequisite'; data: { dependentKey: string; dependentVersion: number } };

/** What the write side knows of an experiment: enough to tell whether its reservation of a flag still holds. */
export interface ExperimentFacts {
  readonly flagKey: string;
  readonly environment: string;
  readonly running: boolean;
  readonly version: number;
}

/** What a flag decision may look at beyond the flag itself: a read-only view of the other aggregates. */
export interface FlagDecisionContext {
  environmentExists(key: string): boolean;
  /** True for a segment that exists and is not archived. */
  segmentExists(key: string): boolean;
  flag(key: string): Flag | undefined;
  flags(): Iterable<Flag>;
  /** The version of a flag's stream (0 when it has none). */
  flagVersion(key: string): number;
  experiment(key: string): ExperimentFacts | undefined;
}

/** Pure: the flag's state and the command in, the events out, or a domain error. */
export function decideFlag(command: FlagCommand, state: Flag | undefined, context: FlagDecisionContext): FlagEvent[] {
  if (command.type === 'CreateFlag') {
    if (state) throw new ConflictError(`Flag ${command.data.key} already exists${state.archived ? ' (archived: restore it instead)' : ''}`);
    const { key, type, description, tags } = command.data;
    const variants = command.data.variants ?? (type === 'boolean' ? BOOLEAN_VARIANTS : undefined);
    if (variants === undefined) {
      throw new ValidationError('Invalid flag', [issue(['variants'], `is required for a ${type} flag`)]);
    }
    throwIfAny(ValidationError, 'Invalid variants', variantIssues(type, variants));
    return [{ type: 'FlagCreated', data: { key, type, description, tags, variants, hashVersion: 1 } }];
  }
  if (!state) throw new NotFoundError('Flag not found');

  switch (command.type) {
    case 'ChangeFlagDetails': {
      const variants = command.data.variants ?? state.variants;
      throwIfAny(ValidationError, 'Invalid variants', variantIssues(state.type, variants));
      throwIfAny(DomainRuleViolation, 'A variant still in use cannot be removed', removedVariantIssues(state, variants, context));
      const next = {
        description: command.data.description ?? state.description,
        tags: command.data.tags ?? [...state.tags],
        variants,
      };
      const unchanged =
        next.description === state.description &&
        JSON.stringify(next.tags) === JSON.stringify(state.tags) &&
        JSON.stringify(next.variants) === JSON.stringify(state.variants);
      return unchanged ? [] : [{ type: 'FlagDetailsChanged', data: next }];
    }
    case 'ChangeTargeting': {
      requireLive(state);
      const { environment } = command.data;
      if (!context.environmentExists(environment)) throw new NotFoundError(`Environment ${environment} not found`);
      const targeting = withRuleIds(command.data.targeting);
      throwIfAny(DomainRuleViolation, 'Invalid targeting', targetingIssues(state, environment, targeting, context));
      if (JSON.stringify(targeting) === JSON.stringify(targetingIn(state, environment))) return [];
      return [{ type: 'FlagTargetingChanged', data: { environment, targeting } }];
    }
    case 'ToggleFlag': {
      requireLive(state);
      const { environment, enabled } = command.data;
      if (!context.environmentExists(environment)) throw new NotFoundError(`Environment ${environment} not found`);
      if (targetingIn(state, environment).enabled === enabled) return [];
      return [{ type: 'FlagToggled', data: { environment, enabled } }];
    }
    case 'ArchiveFlag': {
      if (state.archived) return [];
      const requiredBy = dependents(state, context);
      if (requiredBy.length > 0) {
        throw new ConflictError(`Flag ${state.key} is a prerequisite of ${requiredBy.join(', ')}: remove those prerequisites first`);
      }
      const experiments = experimentsHolding(state, context);
      if (experiments.length > 0) {
        throw new ConflictError(`Flag ${state.key} cannot be archived while experiment ${experiments.join(', ')}: stop it first`);
      }
      return [{ type: 'FlagArchived', data: {} }];
    }
    case 'RestoreFlag':
      return state.archived ? [{ type: 'FlagRestored', data: {} }] : [];
    case 'RollbackFlag':
      return decideRollback(command.data.toVersion, command.data.target, state, context);
    case 'RollbackTargeting': {
      requireLive(state);
      const { environment, toTime, targeting } = command.data;
      if (!context.environmentExists(environment)) throw new NotFoundError(`Environment ${environment} not found`);
      throwIfAny(DomainRuleViolation, `The targeting of ${state.key} in ${environment} as of ${toTime} cannot be restored`, targetingIssues(state, environment, targeting, context));
      if (JSON.stringify(targeting) === JSON.stringify(targetingIn(state, environment))) return [];
      return [{ type: 'FlagTargetingRolledBack', data: { environment, toTime, targeting } }];
    }
    case 'AttachExperiment': {
      // The same refusal as the experiment's own design check gives when it already sees the flag archived.
      if (state.archived) throw new DomainRuleViolation('Invalid experiment', [issue(['flagKey'], `names no live flag (${state.key})`)]);
      const { environment, experimentKey, experimentVersion } = command.data;
      const holder = experimentHolding(state, environment, context);
      if (holder !== undefined && holder.experimentKey !== experimentKey) {
        const doing = holder.running ? 'running' : 'starting';
        throw new DomainRuleViolation('Invalid experiment', [
          issue(['flagKey'], `${holder.experimentKey} is already ${doing} on ${state.key} in ${environment}: one running experiment per flag and environment`),
        ]);
      }
      const reserved = state.experiments[environment];
      if (reserved?.experimentKey === experimentKey && reserved.experimentVersion === experimentVersion) return [];
      return [{ type: 'FlagExperimentAttached', data: { environment, experimentKey, experimentVersion } }];
    }
    case 'ClaimPrerequisite': {
      const { dependentKey, dependentVersion } = command.data;
      if (state.archived) {
        throw new DomainRuleViolation('Invalid targeting', [issue(['prerequisites'], `names no flag (${state.key} does not exist or is archived)`)]);
      }
      if (state.prerequisiteClaims[dependentKey] === dependentVersion) return [];
      return [{ type: 'FlagPrerequisiteClaimed', data: { dependentKey, dependentVersion } }];
    }
    default: {
      const exhaustive: never = command;
      throw new Error(`unknown command ${(exhaustive as FlagCommand).type}`);
    }
  }
}

/**
 * Restoring an old version appends its whole state, but only if that state still makes sense today: every
 * segment and prerequisite it names must still resolve, no prerequisite cycle may form, no other flag may lose
 * a variant it requires, and archiving through a rollback obeys the rule archiving does. All blockers are listed.
 */
function decideRollback(toVersion: number, target: Flag, state: Flag, context: FlagDecisionContext): FlagEvent[] {
  const data = {
    toVersion,
    description: target.description,
    tags: [...target.tags],
    variants: target.variants,
    archived: target.archived,
    environments: { ...target.environments },
  };
  const same =
    JSON.stringify([state.description, state.tags, state.variants, state.archived, state.environments]) ===
    JSON.stringify([data.description, data.tags, data.variants, data.archived, data.environments]);
  if (same) return [];
  const issues: FieldIssue[] = [];
  if (!target.archived) {
    for (const [environment, targeting] of Object.entries(target.environments)) {
      for (const found of targetingIssues(target, environment, targeting, context)) {
        // Stryker disable next-line Regex: every pointer starts with '#' (pointerOf), so the first '#' that /#/ finds is that one
        issues.push({ pointer: found.pointer.replace(/^#/, `#/environments/${environment}`), detail: found.detail });
      }
    }
  }
  for (const name of Object.keys(state.variants).filter((v) => !Object.hasOwn(target.variants, v))) {
    const requiredBy = dependents(state, context, name);
    if (requiredBy.length > 0) issues.push(issue(['variants'], `variant ${name} would be removed but is a prerequisite of ${requiredBy.join(', ')}`));
  }
  if (target.archived && !state.archived) {
    const requiredBy = dependents(state, context);
    if (requiredBy.length > 0) issues.push(issue(['archived'], `version ${toVersion} is archived, but ${state.key} is now a prerequisite of ${requiredBy.join(', ')}`));
    const experiments = experimentsHolding(state, context);
    if (experiments.length > 0) issues.push(issue(['archived'], `version ${toVersion} is archived, but experiment ${experiments.join(', ')}`));
  }
  throwIfAny(DomainRuleViolation, `Version ${toVersion} of ${state.key} cannot be restored: what it refers to has changed since`, issues);
  return [{ type: 'FlagRolledBack', data }];
}

/**
 * Live flags that have `flag` as a prerequisite (requiring `variant`, when given), in any environment, and the
 * flags whose change naming it may still land (a claim at the version their stream is still at: which variant
 * that change requires is not known yet, so it counts for every variant). A claim whose flag moved on is spent:
 * the change it announced either landed (and is among the first) or never will.
 */
function dependents(flag: Flag, context: FlagDecisionContext, variant?: string): string[] {
  const requiring = [...context.flags()]
    .filter((other) => !other.archived && other.key !== flag.key)
    .filter((other) => Object.values(other.environments).some((t) => t.prerequisites.some((p) => p.flagKey === flag.key && (variant === undefined || p.variant === variant))))
    .map((other) => other.key);
  const pending = Object.entries(flag.prerequisiteClaims)
    .filter(([key, version]) => context.flagVersion(key) === version && !requiring.includes(key))
    .map(([key]) => key);
  return [...requiring, ...pending];
}

/**
 * The experiment whose reservation of `flag` in `environment` still holds: it runs there, or its stream is still
 * at the version its start will append at (the start is under way, or was cut short: retrying it or changing
 * the experiment releases the flag). Any other reservation is spent, whatever its experiment does now.
 */
function experimentHolding(flag: Flag, environment: string, context: FlagDecisionContext): { experimentKey: string; running: boolean } | undefined {
  const reserved = flag.experiments[environment];
  if (!reserved) return undefined;
  const facts = context.experiment(reserved.experimentKey);
  if (!facts || facts.flagKey !== flag.key || facts.environment !== environment) return undefined;
  if (!facts.running && facts.version !== reserved.experimentVersion) return undefined;
  return { experimentKey: reserved.experimentKey, running: facts.running };
}

/** "x is running on flag in env", for each environment an experiment holds. */
function experimentsHolding(flag: Flag, context: FlagDecisionContext): string[] {
  return Object.keys(flag.experiments).flatMap((environment) => {
    const holder = experimentHolding(flag, environment, context);
    return holder ? [`${holder.experimentKey} is ${holder.running ? 'running' : 'starting'} on ${flag.key} in ${environment}`] : [];
  });
}

export function requireLive(flag: Flag): void {
  if (flag.archived) throw new ConflictError(`Flag ${flag.key} is archived: restore it before changing it`);
}

/** Every reference a targeting makes must resolve: variants, segments, prerequisite flags; and no cycles. */
export function targetingIssues(flag: Flag, environment: string, targeting: Targeting, context: FlagDecisionContext): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const known = (variant: string): boolean => Object.hasOwn(flag.variants, variant);
  const unknownVariant = (variant: string): string =>
    `names no variant of ${flag.key}: ${variant} is not one of ${Object.keys(flag.variants).join(', ')}`;

  if (!known(targeting.offVariant)) issues.push(issue(['offVariant'], unknownVariant(targeting.offVariant)));
  targeting.targets.forEach((target, i) => {
    if (!known(target.variant)) issues.push(issue(['targets', i, 'variant'], unknownVariant(target.variant)));
  });
  const checkServe = (serve: Targeting['defaultServe'], path: PropertyKey[]): void => {
    if ('variant' in serve) {
      if (!known(serve.variant)) issues.push(issue([...path, 'variant'], unknownVariant(serve.variant)));
    } else {
      serve.split.forEach((part, i) => {
        if (!known(part.variant)) issues.push(issue([...path, 'split', i, 'variant'], unknownVariant(part.variant)));
      });
    }
  };
  targeting.rules.forEach((rule, i) => {
    checkServe(rule.serve, ['rules', i, 'serve']);
    rule.conditions.forEach((condition, j) => {
      for (const [k, segment] of segmentsReferenced([condition]).entries()) {
        if (!context.segmentExists(segment)) {
          issues.push(issue(['rules', i, 'conditions', j, 'values', k], `names no segment (${segment} does not exist or is archived)`));
        }
      }
    });
  });
  checkServe(targeting.defaultServe, ['defaultServe']);

  targeting.prerequisites.forEach((prerequisite, i) => {
    const path = ['prerequisites', i];
    if (prerequisite.flagKey === flag.key) return void issues.push(issue([...path, 'flagKey'], 'a flag cannot be its own prerequisite'));
    const other = context.flag(prerequisite.flagKey);
    if (!other || other.archived) {
      return void issues.push(issue([...path, 'flagKey'], `names no flag (${prerequisite.flagKey} does not exist or is archived)`));
    }
    if (!Object.hasOwn(other.variants, prerequisite.variant)) {
      issues.push(issue([...path, 'variant'], `names no variant of ${other.key} (${Object.keys(other.variants).join(', ')})`));
    }
    const cycle = prerequisitePath(prerequisite.flagKey, flag.key, environment, context);
    if (cycle) issues.push(issue([...path, 'flagKey'], `would form a prerequisite cycle: ${[flag.key, ...cycle].join(' → ')}`));
  });
  return issues;
}

/** Depth-first search along prerequisites in one environment; returns the path from `from` to `to`, if any. */
function prerequisitePath(from: string, to: string, environment: string, context: FlagDecisionContext): string[] | undefined {
  const visited = new Set<string>();
  const walk = (key: string): string[] | undefined => {
    if (key === to) return [key];
    if (visited.has(key)) return undefined;
    visited.add(key);
    const flag = context.flag(key);
    if (!flag) return undefined;
    for (const prerequisite of targetingIn(flag, environment).prerequisites) {
      const rest = walk(prerequisite.flagKey);
      if (rest) return [key, ...rest];
    }
    return undefined;
  };
  return walk(from);
}

/** Removing a variant must not leave a dangling reference in any environment, nor in another flag's prerequisite. */
function removedVariantIssues(flag: Flag, variants: Variants, context: FlagDecisionContext): FieldIssue[] {
  const removed = Object.keys(flag.variants).filter((name) => !Object.hasOwn(variants, name));
  const issues: FieldIssue[] = [];
  for (const name of removed) {
    const usedIn = Object.entries(flag.environments)
      .filter(([, t]) => referencedVariants(t).has(name))
      .map(([env]) => env);
    if (usedIn.length > 0) issues.push(issue(['variants'], `variant ${name} is still served in ${usedIn.join(', ')}`));
    const requiredBy = dependents(flag, context, name);
    if (requiredBy.length > 0) issues.push(issue(['variants'], `variant ${name} is a prerequisite of ${requiredBy.join(', ')}`));
  }
  return issues;
}

function referencedVariants(targeting: Targeting): Set<string> {
  return new Set([
    targeting.offVariant,
    ...targeting.targets.map((t) => t.variant),
    ...targeting.rules.flatMap((r) => variantsServed(r.serve)),
    ...variantsServed(targeting.defaultServe),
  ]);
}
