/** The kinds of attribute a condition can test, each with the operators that make sense for it. */
export const ATTRIBUTE_TYPES = ['string', 'number', 'date', 'semver', 'boolean', 'segment'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

export type Operator =
  | 'eq' | 'neq' | 'in' | 'not_in' | 'contains' | 'starts_with' | 'ends_with' | 'matches'
  | 'gt' | 'gte' | 'lt' | 'lte' | 'before' | 'after' | 'semver_eq' | 'semver_gt' | 'semver_lt'
  | 'exists' | 'not_exists' | 'in_segment' | 'not_in_segment';

export const OPERATORS_BY_TYPE: Record<AttributeType, readonly Operator[]> = {
  string: ['eq', 'neq', 'in', 'not_in', 'contains', 'starts_with', 'ends_with', 'matches', 'exists', 'not_exists'],
  number: ['eq', 'neq', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'exists', 'not_exists'],
  date: ['before', 'after', 'exists', 'not_exists'],
  semver: ['semver_eq', 'semver_gt', 'semver_lt', 'exists', 'not_exists'],
  boolean: ['eq', 'neq', 'exists', 'not_exists'],
  segment: ['in_segment', 'not_in_segment'],
};

export const OPERATOR_LABELS: Record<Operator, string> = {
  eq: 'equals',
  neq: 'does not equal',
  in: 'is one of',
  not_in: 'is not one of',
  contains: 'contains',
  starts_with: 'starts with',
  ends_with: 'ends with',
  matches: 'matches regex (RE2)',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  before: 'is before',
  after: 'is after',
  semver_eq: 'version =',
  semver_gt: 'version >',
  semver_lt: 'version <',
  exists: 'is present',
  not_exists: 'is absent',
  in_segment: 'is in segment',
  not_in_segment: 'is not in segment',
};

/** How many values an operator takes, as the server checks it. */
export function valueCount(operator: Operator): 'none' | 'one' | 'many' {
  if (operator === 'exists' || operator === 'not_exists') return 'none';
  if (['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'before', 'after', 'semver_eq', 'semver_gt', 'semver_lt'].includes(operator)) return 'one';
  return 'many';
}

export type Scalar = string | number | boolean;

/** The attribute type a stored condition most likely has, so the editor opens it with the right picker. */
export function inferAttributeType(operator: Operator, values: readonly Scalar[]): AttributeType {
  if (operator === 'in_segment' || operator === 'not_in_segment') return 'segment';
  if (['gt', 'gte', 'lt', 'lte'].includes(operator)) return 'number';
  if (operator === 'before' || operator === 'after') return 'date';
  if (operator.startsWith('semver_')) return 'semver';
  if (['contains', 'starts_with', 'ends_with', 'matches'].includes(operator)) return 'string';
  if (values.length > 0 && values.every((v) => typeof v === 'number')) return 'number';
  if (values.length > 0 && values.every((v) => typeof v === 'boolean')) return 'boolean';
  return 'string';
}

/**
 * The values typed in a text box, as the API wants them: comma-separated (a regex is taken whole, since commas
 * are common in patterns), numbers as numbers and booleans as booleans. What does not parse is kept as text,
 * so the server names the exact value that is wrong.
 */
export function parseValues(text: string, type: AttributeType, operator: Operator): Scalar[] {
  if (valueCount(operator) === 'none') return [];
  const parts = operator === 'matches' ? [text.trim()] : text.split(',').map((s) => s.trim());
  const nonEmpty = parts.filter((s) => s !== '');
  return nonEmpty.map((s) => {
    if (type === 'number' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(s)) return Number(s);
    if (type === 'boolean' && (s === 'true' || s === 'false')) return s === 'true';
    return s;
  });
}

export function formatValues(values: readonly Scalar[], operator: Operator): string {
  return operator === 'matches' ? values.map(String).join('') : values.map(String).join(', ');
}
