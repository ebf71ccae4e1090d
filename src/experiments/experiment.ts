import { ConflictError, DomainRuleViolation, NotFoundError, issue, throwIfAny, type FieldIssue } from '../shared/errors.ts';
import { experimentSalt, type ExperimentDesign, type ExperimentEvent } from '../shared/experiment-events.ts';
import { TOTAL_WEIGHT, segmentsReferenced } from '../shared/targeting.ts';

export type ExperimentStatus = 'draft' | 'running' | 'stopped' | 'concluded';

export interface Experiment extends ExperimentDesign {
  readonly key: string;
  readonly status: ExperimentStatus;
  readonly iteration: number;
  readonly salt: string;
  readonly winningVariant: string | null;
}

export type ExperimentCommand =
  | { type: 'CreateExperiment'; data: { key: string } & ExperimentDesign }
  | { type: 'ChangeExperimentDesign'; data: ExperimentDesign }
  | { type: 'StartExperiment' }
  | { type: 'StopExperiment' }
  | { type: 'RestartExperiment'; data: { rerandomize: boolean } }
  | { type: 'ConcludeExperiment'; data: { winningVariant: string | null } };

/**
 * What an experiment decision may look at beyond the experiment: flags, environments, metrics. Whether another
 * experiment runs on the same flag and environment is not asked here: the flag's stream decides it when the
 * start reserves the flag (FlagReservations), where two starts cannot both win.
 */
export interface ExperimentDecisionContext {
  flagVariants(flagKey: string): readonly string[] | undefined;
  environmentExists(key: string): boolean;
  segmentExists(key: string): boolean;
  metricExists(key: string): boolean;
}

export function evolveExperiment(state: Experiment | undefined, event: ExperimentEvent): Experiment {
  if (event.type === 'ExperimentCreated') {
    return { ...event.data, status: 'draft', iteration: 0, salt: experimentSalt(event.data.key, 1), winningVariant: null };
  }
  if (!state) throw new Error(`${event.type} before ExperimentCreated`);
  switch (event.type) {
    case 'ExperimentDesignChanged':
      return { ...state, ...event.data };
    case 'ExperimentStarted':
    case 'ExperimentRestarted':
      return { ...state, status: 'running', iteration: event.data.iteration, salt: event.data.salt };
    case 'ExperimentStopped':
      return { ...state, status: 'stopped' };
    case 'ExperimentConcluded':
      return { ...state, status: 'concluded', winningVariant: event.data.winningVariant };
    default: {
      const exhaustive: never = event;
      throw new Error(`unknown experiment event ${(exhaustive as ExperimentEvent).type}`);
    }
  }
}

export function decideExperiment(command: ExperimentCommand, state: Experiment | undefined, context: ExperimentDecisionContext): ExperimentEvent[] {
  if (command.type === 'CreateExperiment') {
    if (state) throw new ConflictError(`Experiment ${command.data.key} already exists`);
    throwIfAny(DomainRuleViolation, 'Invalid experiment', designIssues(command.data, context));
    return [{ type: 'ExperimentCreated', data: command.data }];
  }
  if (!state) throw new NotFoundError('Experiment not found');
  switch (command.type) {
    case 'ChangeExperimentDesign': {
      // A running experiment's design is what its data means: stop it, change it, restart (re-randomised).
      if (state.status === 'running' || state.status === 'concluded') {
        throw new ConflictError(`A ${state.status} experiment's design cannot change${state.status === 'running' ? ': stop it first' : ''}`);
      }
      throwIfAny(DomainRuleViolation, 'Invalid experiment', designIssues(command.data, context));
      return [{ type: 'ExperimentDesignChanged', data: command.data }];
    }
    case 'StartExperiment':
      if (state.status !== 'draft') throw new ConflictError(`Only a draft experiment can start; this one is ${state.status} (restart a stopped one)`);
      throwIfAny(DomainRuleViolation, 'Invalid experiment', designIssues(state, context));
      return [{ type: 'ExperimentStarted', data: { iteration: 1, salt: experimentSalt(state.key, 1) } }];
    case 'StopExperiment':
      if (state.status !== 'running') throw new ConflictError(`Only a running experiment can stop; this one is ${state.status}`);
      return [{ type: 'ExperimentStopped', data: {} }];
    case 'RestartExperiment': {
      if (state.status !== 'stopped') throw new ConflictError(`Only a stopped experiment can restart; this one is ${state.status}`);
      throwIfAny(DomainRuleViolation, 'Invalid experiment', designIssues(state, context));
      const iteration = state.iteration + 1;
      const salt = command.data.rerandomize ? experimentSalt(state.key, iteration) : state.salt;
      return [{ type: 'ExperimentRestarted', data: { iteration, salt, rerandomized: command.data.rerandomize } }];
    }
    case 'ConcludeExperiment': {
      if (state.status === 'draft' || state.status === 'concluded') throw new ConflictError(`A ${state.status} experiment cannot be concluded`);
      const { winningVariant } = command.data;
      if (winningVariant !== null && !state.variants.some((v) => v.variant === winningVariant)) {
        throw new DomainRuleViolation('Unknown variant', [issue(['winningVariant'], `is not a variant of ${state.key}`)]);
      }
      return [{ type: 'ExperimentConcluded', data: { winningVariant } }];
    }
    default: {
      const exhaustive: never = command;
      throw new Error(`unknown command ${(exhaustive as ExperimentCommand).type}`);
    }
  }
}

/** References must resolve: flag, its variants, environment, metrics; weights and the control must make sense. */
function designIssues(design: ExperimentDesign, context: ExperimentDecisionContext): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const flagVariants = context.flagVariants(design.flagKey);
  if (!flagVariants) issues.push(issue(['flagKey'], `names no live flag (${design.flagKey})`));
  if (!context.environmentExists(design.environment)) issues.push(issue(['environment'], `names no environment (${design.environment})`));
  const seen = new Set<string>();
  design.variants.forEach((part, i) => {
    if (flagVariants && !flagVariants.includes(part.variant)) issues.push(issue(['variants', i, 'variant'], `is not a variant of ${design.flagKey} (${flagVariants.join(', ')})`));
    if (seen.has(part.variant)) issues.push(issue(['variants', i, 'variant'], 'appears twice'));
    seen.add(part.variant);
  });
  if (design.variants.length < 2) issues.push(issue(['variants'], 'an experiment compares at least two variants'));
  const total = design.variants.reduce((sum, part) => sum + part.weight, 0);
  if (total !== TOTAL_WEIGHT) issues.push(issue(['variants'], `weights must sum to ${TOTAL_WEIGHT}, not ${total}`));
  if (!seen.has(design.controlVariant)) issues.push(issue(['controlVariant'], 'must be one of the experiment variants'));
  const metricPaths: [string, PropertyKey[]][] = [
    [design.primaryMetric, ['primaryMetric']],
    ...design.secondaryMetrics.map((key, i): [string, PropertyKey[]] => [key, ['secondaryMetrics', i]]),
    ...design.guardrailMetrics.map((key, i): [string, PropertyKey[]] => [key, ['guardrailMetrics', i]]),
  ];
  for (const [key, path] of metricPaths) if (!context.metricExists(key)) issues.push(issue(path, `names no metric (${key})`));
  design.audience.forEach((condition, i) => {
    for (const segment of segmentsReferenced([condition])) {
      if (!context.segmentExists(segment)) issues.push(issue(['audience', i, 'values'], `names no segment (${segment})`));
    }
  });
  return issues;
}
