import { pointer } from './field-errors.ts';
import { formatValues, inferAttributeType, parseValues, type AttributeType, type Operator } from './operators.ts';
import type { Condition, Serve, Targeting } from './types.ts';
import { formatPercentNumber, percentToWeight } from './weights.ts';

/**
 * The targeting of one environment as the editor holds it: values and percentages as the user types them, so a
 * half-typed "33." is not lost; converted to the API's shape on save (toTargeting), where the server validates.
 */
export interface DraftCondition {
  attribute: string;
  type: AttributeType;
  operator: Operator;
  valuesText: string;
}
export interface DraftServe {
  mode: 'variant' | 'split';
  variant: string;
  split: { variant: string; percent: string }[];
}
export interface DraftRule {
  /** A stable React key, not sent. */
  uid: string;
  id: string;
  description: string;
  conditions: DraftCondition[];
  serve: DraftServe;
}
export interface DraftTargeting {
  enabled: boolean;
  offVariant: string;
  bucketBy: string;
  prerequisites: { flagKey: string; variant: string }[];
  targets: { variant: string; unitsText: string }[];
  rules: DraftRule[];
  defaultServe: DraftServe;
}

let uid = 0;
export const newUid = (): string => `r${++uid}`;

/** A blank condition, as "Add condition" makes it. */
export const newCondition = (): DraftCondition => ({ attribute: '', type: 'string', operator: 'eq', valuesText: '' });

/** Conditions are edited the same way in a flag's rules and in a segment (components/conditions-editor.tsx). */
export function conditionToDraft(c: Condition): DraftCondition {
  return { attribute: c.attribute ?? '', type: inferAttributeType(c.operator, c.values), operator: c.operator, valuesText: formatValues(c.values, c.operator) };
}

export function conditionFromDraft(c: DraftCondition): Condition {
  return { ...(c.type === 'segment' ? {} : { attribute: c.attribute.trim() }), operator: c.operator, values: parseValues(c.valuesText, c.type, c.operator) };
}

/** The pointers of the conditions' inputs, under `at` (`#/rules/0`, or `#` for a segment). */
export function conditionPointers(at: string, conditions: readonly DraftCondition[]): string[] {
  const out = [`${at}/conditions`];
  conditions.forEach((_, j) => {
    const c = `${at}/conditions/${j}`;
    out.push(c, `${c}/attribute`, `${c}/operator`, `${c}/values`);
  });
  return out;
}

export function serveToDraft(serve: Serve, variants: readonly string[]): DraftServe {
  if ('variant' in serve) return { mode: 'variant', variant: serve.variant, split: variants.map((v) => ({ variant: v, percent: v === serve.variant ? '100' : '0' })) };
  return { mode: 'split', variant: serve.split[0]?.variant ?? variants[0] ?? '', split: serve.split.map((p) => ({ variant: p.variant, percent: formatPercentNumber(p.weight) })) };
}

export function toDraft(t: Targeting, variants: readonly string[]): DraftTargeting {
  return {
    enabled: t.enabled,
    offVariant: t.offVariant,
    bucketBy: t.bucketBy,
    prerequisites: t.prerequisites.map((p) => ({ ...p })),
    targets: t.targets.map((x) => ({ variant: x.variant, unitsText: x.units.join(', ') })),
    rules: t.rules.map((r) => ({
      uid: newUid(),
      id: r.id ?? '',
      description: r.description ?? '',
      conditions: r.conditions.map(conditionToDraft),
      serve: serveToDraft(r.serve, variants),
    })),
    defaultServe: serveToDraft(t.defaultServe, variants),
  };
}

/** A percentage that does not parse becomes NaN: the server then names that exact weight. */
function serveFromDraft(d: DraftServe): Serve {
  if (d.mode === 'variant') return { variant: d.variant };
  return { split: d.split.map((p) => ({ variant: p.variant, weight: percentToWeight(p.percent) ?? Number.NaN })) };
}

export function toTargeting(d: DraftTargeting): Targeting {
  return {
    enabled: d.enabled,
    offVariant: d.offVariant,
    bucketBy: d.bucketBy.trim() || 'targetingKey',
    prerequisites: d.prerequisites,
    targets: d.targets.map((x) => ({ variant: x.variant, units: x.unitsText.split(',').map((u) => u.trim()).filter(Boolean) })),
    rules: d.rules.map((r) => ({
      ...(r.id.trim() ? { id: r.id.trim() } : {}),
      ...(r.description.trim() ? { description: r.description.trim() } : {}),
      conditions: r.conditions.map(conditionFromDraft),
      serve: serveFromDraft(r.serve),
    })),
    defaultServe: serveFromDraft(d.defaultServe),
  };
}

/** Every pointer the targeting form has an input (or a group) for, so server errors land where they belong. */
export function targetingPointers(d: DraftTargeting): string[] {
  const out = [pointer('enabled'), pointer('offVariant'), pointer('bucketBy'), pointer('prerequisites'), pointer('targets'), pointer('rules')];
  d.prerequisites.forEach((_, i) => out.push(pointer('prerequisites', i), pointer('prerequisites', i, 'flagKey'), pointer('prerequisites', i, 'variant')));
  d.targets.forEach((_, i) => out.push(pointer('targets', i), pointer('targets', i, 'variant'), pointer('targets', i, 'units')));
  d.rules.forEach((r, i) => {
    out.push(pointer('rules', i), pointer('rules', i, 'id'), ...conditionPointers(pointer('rules', i), r.conditions));
    out.push(...servePointers(r.serve, 'rules', i, 'serve'));
  });
  out.push(...servePointers(d.defaultServe, 'defaultServe'));
  return out;
}

function servePointers(s: DraftServe, ...at: (string | number)[]): string[] {
  if (s.mode === 'variant') return [pointer(...at), pointer(...at, 'variant')];
  return [pointer(...at), pointer(...at, 'split'), ...s.split.flatMap((_, k) => [pointer(...at, 'split', k, 'variant'), pointer(...at, 'split', k, 'weight')])];
}
