import { describe, expect, it } from 'vitest';
import { decideMetric, evolveMetric, type Metric, type MetricCommand } from '../../src/experiments/metric.ts';
import { ConflictError, DomainRuleViolation, NotFoundError } from '../../src/shared/errors.ts';
import type { MetricDefinition, MetricEvent } from '../../src/shared/experiment-events.ts';
import { deciderSpec } from '../support/decider-spec.ts';

const metrics = (users: string[] = []) =>
  deciderSpec<Metric, MetricCommand, MetricEvent>({ evolve: evolveMetric, decide: (c, s) => decideMetric(c, s, { experimentsUsing: () => users }) });
const purchase = { key: 'purchase', description: '', kind: 'binomial' as const, event: 'purchase', direction: 'higher' as const };
const defined: MetricEvent = { type: 'MetricDefined', data: purchase };
const archived: MetricEvent = { type: 'MetricArchived', data: {} };
const { key: _key, ...purchaseDefinition } = purchase;

describe('metric decider', () => {
  it('defines metrics with the events their kind needs', () => {
    metrics()([]).when({ type: 'DefineMetric', data: purchase }).then([{ type: 'MetricDefined', data: purchase }]);
    metrics()([]).when({ type: 'DefineMetric', data: { ...purchase, kind: 'ratio' } }).thenThrows(DomainRuleViolation, /#\/numerator is required[\s\S]*#\/denominator is required/);
    metrics()([]).when({ type: 'DefineMetric', data: { ...purchase, winsorizePercentile: 0.99 } }).thenThrows(DomainRuleViolation, /mean metrics only/);
  });

  it.each<[string, MetricDefinition]>([
    ['a binomial metric of one event', { description: '', kind: 'binomial', event: 'purchase', direction: 'higher' }],
    ['a winsorized mean', { description: '', kind: 'mean', event: 'revenue', direction: 'higher', winsorizePercentile: 0.99 }],
    ['a ratio of two events', { description: '', kind: 'ratio', numerator: 'revenue', denominator: 'session', direction: 'higher' }],
  ])('accepts %s', (_, definition) => {
    metrics()([]).when({ type: 'DefineMetric', data: { key: 'm', ...definition } }).then([{ type: 'MetricDefined', data: { key: 'm', ...definition } }]);
  });

  it.each<[string, MetricDefinition, { pointer: string; detail: string }[]]>([
    ['a ratio that also names an event', { description: '', kind: 'ratio', event: 'purchase', numerator: 'revenue', denominator: 'session', direction: 'higher' }, [
      { pointer: '#/event', detail: 'a ratio metric names numerator and denominator events instead' },
    ]],
    ['a binomial metric without an event', { description: '', kind: 'binomial', direction: 'higher' }, [
      { pointer: '#/event', detail: 'is required for a binomial metric' },
    ]],
    ['a mean with a denominator', { description: '', kind: 'mean', event: 'revenue', denominator: 'session', direction: 'higher' }, [
      { pointer: '#/numerator', detail: 'a mean metric has no numerator or denominator' },
    ]],
    ['a winsorized binomial metric', { description: '', kind: 'binomial', event: 'purchase', direction: 'higher', winsorizePercentile: 0.99 }, [
      { pointer: '#/winsorizePercentile', detail: 'applies to mean metrics only' },
    ]],
  ])('refuses %s, at the field', (_, definition, issues) => {
    expect(metrics()([]).when({ type: 'DefineMetric', data: { key: 'm', ...definition } }).thenThrows(DomainRuleViolation)).toMatchObject({ message: 'Invalid metric', issues });
  });

  it('changes a definition, appending nothing when it is unchanged', () => {
    const revenue = { ...purchaseDefinition, event: 'revenue' };
    metrics()([defined]).when({ type: 'ChangeMetric', data: revenue }).then([{ type: 'MetricChanged', data: revenue }]);
    metrics()([defined]).when({ type: 'ChangeMetric', data: purchaseDefinition }).then([]);
    // The change is what the metric now is: changing it back is a change, repeating it is not.
    metrics()([defined, { type: 'MetricChanged', data: revenue }]).when({ type: 'ChangeMetric', data: revenue }).then([]);
    metrics()([defined, { type: 'MetricChanged', data: revenue }]).when({ type: 'ChangeMetric', data: purchaseDefinition }).then([
      { type: 'MetricChanged', data: purchaseDefinition },
    ]);
  });

  it('archives a metric only when no live experiment uses it, once', () => {
    metrics()([defined]).when({ type: 'ArchiveMetric' }).then([archived]);
    metrics()([defined, archived]).when({ type: 'ArchiveMetric' }).then([]);
  });

  it.each<[string, MetricEvent[], MetricCommand, string[], new (message: string) => Error, string]>([
    ['a second definition', [defined], { type: 'DefineMetric', data: purchase }, [], ConflictError, 'Metric purchase already exists'],
    ['a change to no metric', [], { type: 'ChangeMetric', data: purchaseDefinition }, [], NotFoundError, 'Metric not found'],
    ['a change to an archived metric', [defined, archived], { type: 'ChangeMetric', data: purchaseDefinition }, [], ConflictError, 'Metric purchase is archived'],
    ['archiving no metric', [], { type: 'ArchiveMetric' }, [], NotFoundError, 'Metric not found'],
    ['archiving a metric experiments use', [defined], { type: 'ArchiveMetric' }, ['checkout-test', 'banner-test'], ConflictError, 'Metric purchase is used by the experiments checkout-test, banner-test'],
  ])('refuses %s, saying why', (_, given, command, users, errorType, message) => {
    expect(metrics(users)(given).when(command).thenThrows(errorType).message).toBe(message);
  });

  it('fails loudly, naming it, on a stream out of order or an event or command this version does not know', () => {
    expect(() => evolveMetric(undefined, { type: 'MetricChanged', data: purchaseDefinition })).toThrow(new Error('MetricChanged before MetricDefined'));
    expect(() => evolveMetric(undefined, archived)).toThrow(new Error('MetricArchived before MetricDefined'));
    expect(() => evolveMetric(undefined, { type: 'MetricRenamed', data: {} } as never)).toThrow(new Error('unknown metric event MetricRenamed'));
    expect(() => decideMetric({ type: 'RenameMetric' } as never, undefined, { experimentsUsing: () => [] })).toThrow(new Error('unknown command RenameMetric'));
  });
});
