import { issue, type FieldIssue } from '../errors.ts';
import type { FieldPath, MetricKindFields } from './metric-kind.ts';
import { spreadIsPossible, type SufficientStatistics } from './sums.ts';

/** Rules more than one kind follows. */

/** A kind whose y is one event's: it names `event`, and neither numerator nor denominator. */
export function oneEventIssues(kind: string, definition: MetricKindFields): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!definition.event) issues.push(issue(['event'], `is required for a ${kind} metric`));
  if (definition.numerator || definition.denominator) issues.push(issue(['numerator'], `a ${kind} metric has no numerator or denominator`));
  return issues;
}

/** A kind whose y takes any real value: Σy² is required, and no smaller than (Σy)²/n. */
export function spreadOfYIssues(kind: string, arm: SufficientStatistics, at: FieldPath): FieldIssue[] {
  if (arm.sumSquares === undefined) return [issue(at('sumSquares'), `is required for a ${kind} metric`)];
  if (!spreadIsPossible(arm.n, arm.sum, arm.sumSquares)) return [issue(at('sumSquares'), 'is smaller than sum²/n: no n real values have these sums')];
  return [];
}

/** The mean of y per unit, undefined without units. */
export function meanPerUnit(arm: SufficientStatistics): number | null {
  return arm.n === 0 ? null : arm.sum / arm.n;
}
