import { describe, it } from 'vitest';
import { ConflictError, DomainRuleViolation, NotFoundError } from '../../src/shared/errors.ts';
import type { ExperimentDesign, ExperimentEvent } from '../../src/shared/experiment-events.ts';
import { decideExperiment, evolveExperiment, type Experiment, type ExperimentCommand, type ExperimentDecisionContext } from '../../src/experiments/experiment.ts';
import { decideMetric, evolveMetric, type Metric, type MetricCommand } from '../../src/experiments/metric.ts';
import type { MetricEvent } from '../../src/shared/experiment-events.ts';
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
});

describe('metric decider', () => {
  const metrics = (users: string[] = []) =>
    deciderSpec<Metric, MetricCommand, MetricEvent>({ evolve: evolveMetric, decide: (c, s) => decideMetric(c, s, { experimentsUsing: () => users }) });
  const purchase = { key: 'purchase', description: '', kind: 'binomial' as const, event: 'purchase', direction: 'higher' as const };

  it('defines metrics with the events their kind needs', () => {
    metrics()([]).when({ type: 'DefineMetric', data: purchase }).then([{ type: 'MetricDefined', data: purchase }]);
    metrics()([]).when({ type: 'DefineMetric', data: { ...purchase, kind: 'ratio' } }).thenThrows(DomainRuleViolation, /#\/numerator is required[\s\S]*#\/denominator is required/);
    metrics()([]).when({ type: 'DefineMetric', data: { ...purchase, winsorizePercentile: 0.99 } }).thenThrows(DomainRuleViolation, /mean metrics only/);
  });

  it('archives a metric only when no live experiment uses it', () => {
    const defined: MetricEvent = { type: 'MetricDefined', data: purchase };
    metrics(['checkout-test'])([defined]).when({ type: 'ArchiveMetric' }).thenThrows(ConflictError, /checkout-test/);
    metrics()([defined]).when({ type: 'ArchiveMetric' }).then([{ type: 'MetricArchived', data: {} }]);
  });
});
