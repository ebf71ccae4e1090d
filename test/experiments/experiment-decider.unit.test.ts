import { describe, expect, it } from 'vitest';
import { ConflictError, DomainRuleViolation, NotFoundError } from '../../src/shared/errors.ts';
import type { ExperimentDesign, ExperimentEvent } from '../../src/shared/experiment-events.ts';
import { decideExperiment, evolveExperiment, type Experiment, type ExperimentCommand, type ExperimentDecisionContext } from '../../src/experiments/experiment.ts';
import { deciderSpec } from '../support/decider-spec.ts';

const design: ExperimentDesign = {
  flagKey: 'new-checkout',
  environment: 'production',
  hypothesis: 'The new checkout raises purchases by 2%',
  description: '',
  variants: [{ variant: 'off', weight: 50_000 }, { variant: 'on', weight: 50_000 }],
  controlVariant: 'off',
  trafficPercent: 100,
  audience: [],
  primaryMetric: 'purchase',
  secondaryMetrics: ['revenue'],
  guardrailMetrics: [],
  alpha: 0.05,
  power: 0.8,
  method: 'frequentist',
  cuped: true,
};
const created: ExperimentEvent = { type: 'ExperimentCreated', data: { key: 'checkout-test', ...design } };
const started: ExperimentEvent = { type: 'ExperimentStarted', data: { iteration: 1, salt: 'checkout-test' } };
const stopped: ExperimentEvent = { type: 'ExperimentStopped', data: {} };

const context = (overrides: Partial<ExperimentDecisionContext> = {}): ExperimentDecisionContext => ({
  flagVariants: (key) => (key === 'new-checkout' ? ['on', 'off'] : undefined),
  environmentExists: (key) => key === 'production',
  segmentExists: (key) => key === 'beta',
  metricExists: (key) => ['purchase', 'revenue'].includes(key),
  ...overrides,
});
const spec = (c = context()) => deciderSpec<Experiment, ExperimentCommand, ExperimentEvent>({ evolve: evolveExperiment, decide: (cmd, s) => decideExperiment(cmd, s, c) });

describe('experiment decider', () => {
  it('creates a design whose references all resolve', () => {
    spec()([]).when({ type: 'CreateExperiment', data: { key: 'checkout-test', ...design } }).then([created]);
  });

  it('refuses unknown flags, variants, environments, metrics and segments, and weights not summing to 100000', () => {
    spec()([])
      .when({
        type: 'CreateExperiment',
        data: {
          key: 'bad',
          ...design,
          flagKey: 'ghost',
          environment: 'moon',
          variants: [{ variant: 'off', weight: 40_000 }, { variant: 'off', weight: 50_000 }],
          controlVariant: 'blue',
          secondaryMetrics: ['nope'],
          audience: [{ operator: 'in_segment', values: ['gone'] }],
        },
      })
      .thenThrows(DomainRuleViolation, /#\/flagKey names no live flag[\s\S]*#\/environment[\s\S]*#\/variants\/1\/variant appears twice[\s\S]*sum to 100000[\s\S]*#\/controlVariant[\s\S]*#\/secondaryMetrics\/0[\s\S]*#\/audience\/0\/values names no segment/);
    spec()([])
      .when({ type: 'CreateExperiment', data: { key: 'bad', ...design, variants: [{ variant: 'off', weight: 50_000 }, { variant: 'purple', weight: 50_000 }] } })
      .thenThrows(DomainRuleViolation, /#\/variants\/1\/variant is not a variant of new-checkout/);
  });

  it('starts a draft with the key as salt, once (one per flag and environment is the flag decider\'s to say)', () => {
    spec()([created]).when({ type: 'StartExperiment' }).then([started]);
    spec()([created, started]).when({ type: 'StartExperiment' }).thenThrows(ConflictError, /Only a draft/);
  });

  it('restarts a stopped experiment, re-randomising only when asked, as an event that says so', () => {
    spec()([created, started, stopped]).when({ type: 'RestartExperiment', data: { rerandomize: false } }).then([
      { type: 'ExperimentRestarted', data: { iteration: 2, salt: 'checkout-test', rerandomized: false } },
    ]);
    spec()([created, started, stopped]).when({ type: 'RestartExperiment', data: { rerandomize: true } }).then([
      { type: 'ExperimentRestarted', data: { iteration: 2, salt: 'checkout-test~2', rerandomized: true } },
    ]);
    spec()([created, started]).when({ type: 'RestartExperiment', data: { rerandomize: true } }).thenThrows(ConflictError, /Only a stopped/);
  });

  it('changes the design only when not running, and concludes with a known winner', () => {
    spec()([created, started]).when({ type: 'ChangeExperimentDesign', data: { ...design, trafficPercent: 50 } }).thenThrows(ConflictError, /stop it first/);
    spec()([created, started, stopped]).when({ type: 'ChangeExperimentDesign', data: { ...design, trafficPercent: 50 } }).then([
      { type: 'ExperimentDesignChanged', data: { ...design, trafficPercent: 50 } },
    ]);
    spec()([created, started]).when({ type: 'ConcludeExperiment', data: { winningVariant: 'on' } }).then([{ type: 'ExperimentConcluded', data: { winningVariant: 'on' } }]);
    spec()([created, started]).when({ type: 'ConcludeExperiment', data: { winningVariant: 'blue' } }).thenThrows(DomainRuleViolation, /winningVariant/);
    spec()([created]).when({ type: 'ConcludeExperiment', data: { winningVariant: null } }).thenThrows(ConflictError);
    spec()([]).when({ type: 'StopExperiment' }).thenThrows(NotFoundError);
  });

  it('names every broken reference and rule of a design, each at its field', () => {
    const error = spec()([])
      .when({
        type: 'CreateExperiment',
        data: {
          key: 'bad',
          ...design,
          environment: 'moon',
          variants: [{ variant: 'purple', weight: 40_000 }],
          primaryMetric: 'ghost',
          secondaryMetrics: ['nope'],
          guardrailMetrics: ['revenue', 'gone'],
          audience: [{ operator: 'in_segment', values: ['beta', 'lost'] }],
        },
      })
      .thenThrows(DomainRuleViolation);
    expect(error).toMatchObject({
      message: 'Invalid experiment',
      issues: [
        { pointer: '#/environment', detail: 'names no environment (moon)' },
        { pointer: '#/variants/0/variant', detail: 'is not a variant of new-checkout (on, off)' },
        { pointer: '#/variants', detail: 'an experiment compares at least two variants' },
        { pointer: '#/variants', detail: 'weights must sum to 100000, not 40000' },
        { pointer: '#/controlVariant', detail: 'must be one of the experiment variants' },
        { pointer: '#/primaryMetric', detail: 'names no metric (ghost)' },
        { pointer: '#/secondaryMetrics/0', detail: 'names no metric (nope)' },
        { pointer: '#/guardrailMetrics/1', detail: 'names no metric (gone)' },
        { pointer: '#/audience/0/values', detail: 'names no segment (lost)' },
      ],
    });
  });

  it('accepts an audience of known segments and known guardrail metrics', () => {
    const data = { key: 'checkout-test', ...design, audience: [{ operator: 'in_segment' as const, values: ['beta'] }], guardrailMetrics: ['revenue'] };
    spec()([]).when({ type: 'CreateExperiment', data }).then([{ type: 'ExperimentCreated', data }]);
  });

  const concluded: ExperimentEvent = { type: 'ExperimentConcluded', data: { winningVariant: 'on' } };
  it.each<[string, ExperimentEvent[], ExperimentCommand, new (message: string) => Error, string]>([
    ['a second creation', [created], { type: 'CreateExperiment', data: { key: 'checkout-test', ...design } }, ConflictError, 'Experiment checkout-test already exists'],
    ['a command to no experiment', [], { type: 'StopExperiment' }, NotFoundError, 'Experiment not found'],
    ['a design change while running', [created, started], { type: 'ChangeExperimentDesign', data: design }, ConflictError, "A running experiment's design cannot change: stop it first"],
    ['a design change once concluded', [created, started, concluded], { type: 'ChangeExperimentDesign', data: design }, ConflictError, "A concluded experiment's design cannot change"],
    ['stopping a draft', [created], { type: 'StopExperiment' }, ConflictError, 'Only a running experiment can stop; this one is draft'],
    ['stopping twice', [created, started, stopped], { type: 'StopExperiment' }, ConflictError, 'Only a running experiment can stop; this one is stopped'],
    ['concluding a draft', [created], { type: 'ConcludeExperiment', data: { winningVariant: null } }, ConflictError, 'A draft experiment cannot be concluded'],
    ['concluding twice', [created, started, concluded], { type: 'ConcludeExperiment', data: { winningVariant: null } }, ConflictError, 'A concluded experiment cannot be concluded'],
  ])('refuses %s, saying why', (_, given, command, errorType, message) => {
    expect(spec()(given).when(command).thenThrows(errorType).message).toBe(message);
  });

  it('checks the design again when it changes, starts and restarts: what was valid may no longer be', () => {
    const metricGone = spec(context({ metricExists: (key) => key === 'purchase' }));
    const refusal = { message: 'Invalid experiment', issues: [{ pointer: '#/secondaryMetrics/0', detail: 'names no metric (revenue)' }] };
    expect(metricGone([created]).when({ type: 'ChangeExperimentDesign', data: design }).thenThrows(DomainRuleViolation)).toMatchObject(refusal);
    expect(metricGone([created]).when({ type: 'StartExperiment' }).thenThrows(DomainRuleViolation)).toMatchObject(refusal);
    expect(metricGone([created, started, stopped]).when({ type: 'RestartExperiment', data: { rerandomize: false } }).thenThrows(DomainRuleViolation)).toMatchObject(refusal);
  });

  it('stops a running experiment, and concludes a stopped one with or without a winner', () => {
    spec()([created, started]).when({ type: 'StopExperiment' }).then([stopped]);
    spec()([created, started, stopped]).when({ type: 'ConcludeExperiment', data: { winningVariant: null } }).then([
      { type: 'ExperimentConcluded', data: { winningVariant: null } },
    ]);
    expect(spec()([created, started]).when({ type: 'ConcludeExperiment', data: { winningVariant: 'blue' } }).thenThrows(DomainRuleViolation)).toMatchObject({
      message: 'Unknown variant',
      issues: [{ pointer: '#/winningVariant', detail: 'is not a variant of checkout-test' }],
    });
  });

  it('fails loudly, naming it, on a stream out of order or an event or command this version does not know', () => {
    expect(() => evolveExperiment(undefined, started)).toThrow(new Error('ExperimentStarted before ExperimentCreated'));
    expect(() => evolveExperiment(evolveExperiment(undefined, created), { type: 'ExperimentPaused', data: {} } as never)).toThrow(
      new Error('unknown experiment event ExperimentPaused'),
    );
    expect(() => decideExperiment({ type: 'PauseExperiment' } as never, evolveExperiment(undefined, created), context())).toThrow(new Error('unknown command PauseExperiment'));
  });
});
