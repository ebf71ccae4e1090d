import { ATTRIBUTE_TYPES, OPERATOR_INFO, OPERATORS, type AttributeType, type Operator } from '../../src/shared/operators.ts';

// The operators and what they take come from the server's own table, so the editor offers exactly what it accepts.
export { ATTRIBUTE_TYPES, type AttributeType, type Operator };

/** The operators that make sense for each kind of attribute, in the table's order. */
export const OPERATORS_BY_TYPE = Object.fromEntries(
  ATTRIBUTE_TYPES.map((type) => [type, OPERATORS.filter((operator) => (OPERATOR_INFO[operator].types as readonly AttributeType[]).includes(type))]),
) as unknown as Record<AttributeType, readonly Operator[]>;

export const OPERATOR_LABELS: Record<Operator, string> = Object.fromEntries(OPERATORS.map((operator) => [operator, OPERATOR_INFO[operator].label])) as Record<Operator, string>;

/** How many values an operator takes, as the server checks it. */
export function valueCount(operator: Operator): 'none' | 'one' | 'many' {
  return OPERATOR_INFO[operator].values;
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
