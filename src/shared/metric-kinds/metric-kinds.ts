import { issue, type FieldIssue } from '../errors.ts';
import { binomial } from './binomial.ts';
import { mean } from './mean.ts';
import type { MetricKindFields, MetricKindModule } from './metric-kind.ts';
import { ratio } from './ratio.ts';

export const METRIC_KINDS = ['binomial', 'mean', 'ratio'] as const;
export type MetricKind = (typeof METRIC_KINDS)[number];

const KINDS: { readonly [K in MetricKind]: MetricKindModule<K> } = { binomial, mean, ratio };

export function metricKind(name: MetricKind): MetricKindModule<MetricKind> {
  return KINDS[name];
}

/** The kind a name from outside (a request, a query) names, if any. */
export function findMetricKind(name: unknown): MetricKindModule<MetricKind> | undefined {
  return (METRIC_KINDS as readonly unknown[]).includes(name) ? KINDS[name as MetricKind] : undefined;
}

/** The names of the kinds for which `applies` holds, for messages: "mean", "binomial, mean". */
export function kindsWhere(applies: (kind: MetricKindModule) => boolean): string {
  return METRIC_KINDS.filter((name) => applies(KINDS[name])).join(', ');
}

/** A metric definition names exactly the events its kind needs, and winsorises only a kind that can be. */
export function metricDefinitionIssues(definition: MetricKindFields & { readonly kind: MetricKind }): FieldIssue[] {
  const kind = findMetricKind(definition.kind);
  if (!kind) return [issue(['kind'], `must be one of ${METRIC_KINDS.join(', ')}`)];
  const issues = kind.definitionIssues(definition);
  if (definition.winsorizePercentile !== undefined && !kind.winsorized) {
    issues.push(issue(['winsorizePercentile'], `applies to ${kindsWhere((k) => k.winsorized)} metrics only`));
  }
  return issues;
}
