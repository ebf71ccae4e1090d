import { ConflictError, DomainRuleViolation, NotFoundError, throwIfAny } from '../shared/errors.ts';
import type { MetricDefinition, MetricEvent } from '../shared/experiment-events.ts';
import { metricDefinitionIssues } from '../shared/metric-kinds/metric-kinds.ts';

export interface Metric extends MetricDefinition {
  readonly key: string;
  readonly archived: boolean;
}

export type MetricCommand =
  | { type: 'DefineMetric'; data: { key: string } & MetricDefinition }
  | { type: 'ChangeMetric'; data: MetricDefinition }
  | { type: 'ArchiveMetric' };

export function evolveMetric(state: Metric | undefined, event: MetricEvent): Metric {
  switch (event.type) {
    case 'MetricDefined':
      return { ...event.data, archived: false };
    case 'MetricChanged':
      if (!state) throw new Error('MetricChanged before MetricDefined');
      return { ...event.data, key: state.key, archived: state.archived };
    case 'MetricArchived':
      if (!state) throw new Error('MetricArchived before MetricDefined');
      return { ...state, archived: true };
    default: {
      const exhaustive: never = event;
      throw new Error(`unknown metric event ${(exhaustive as MetricEvent).type}`);
    }
  }
}

export function decideMetric(command: MetricCommand, state: Metric | undefined, context: { experimentsUsing(metricKey: string): string[] }): MetricEvent[] {
  switch (command.type) {
    case 'DefineMetric':
      if (state) throw new ConflictError(`Metric ${command.data.key} already exists`);
      throwIfInvalid(command.data);
      return [{ type: 'MetricDefined', data: command.data }];
    case 'ChangeMetric': {
      if (!state) throw new NotFoundError('Metric not found');
      if (state.archived) throw new ConflictError(`Metric ${state.key} is archived`);
      throwIfInvalid(command.data);
      const { key: _key, archived: _archived, ...current } = state;
      return JSON.stringify(current) === JSON.stringify(command.data) ? [] : [{ type: 'MetricChanged', data: command.data }];
    }
    case 'ArchiveMetric': {
      if (!state) throw new NotFoundError('Metric not found');
      if (state.archived) return [];
      const users = context.experimentsUsing(state.key);
      if (users.length > 0) throw new ConflictError(`Metric ${state.key} is used by the experiments ${users.join(', ')}`);
      return [{ type: 'MetricArchived', data: {} }];
    }
    default: {
      const exhaustive: never = command;
      throw new Error(`unknown command ${(exhaustive as MetricCommand).type}`);
    }
  }
}

/** A metric names exactly the events its kind needs (the kind's rules: src/shared/metric-kinds). */
function throwIfInvalid(definition: MetricDefinition): void {
  throwIfAny(DomainRuleViolation, 'Invalid metric', metricDefinitionIssues(definition));
}
