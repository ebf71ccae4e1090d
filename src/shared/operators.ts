/**
 * The targeting operators, once: their names, how many values each takes, the attribute types each makes sense
 * for, and how people read them. The server validates conditions with this table (targeting.ts) and the web
 * app builds its rule editor from it (web/src/operators.ts), so the two cannot disagree. It imports nothing,
 * so the browser bundle takes it as it is.
 */
export const ATTRIBUTE_TYPES = ['string', 'number', 'date', 'semver', 'boolean', 'segment'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

export interface OperatorInfo {
  /** `none`: no values (exists); `one`: exactly one (gt); `many`: at least one (in). */
  readonly values: 'none' | 'one' | 'many';
  /** The attribute types a rule editor offers it for, in this order. */
  readonly types: readonly AttributeType[];
  readonly label: string;
}

const SCALARS: readonly AttributeType[] = ['string', 'number', 'boolean'];
const EVERY_ATTRIBUTE: readonly AttributeType[] = ['string', 'number', 'date', 'semver', 'boolean'];

export const OPERATOR_INFO = {
  eq: { values: 'one', types: SCALARS, label: 'equals' },
  neq: { values: 'one', types: SCALARS, label: 'does not equal' },
  in: { values: 'many', types: ['string', 'number'], label: 'is one of' },
  not_in: { values: 'many', types: ['string', 'number'], label: 'is not one of' },
  contains: { values: 'many', types: ['string'], label: 'contains' },
  starts_with: { values: 'many', types: ['string'], label: 'starts with' },
  ends_with: { values: 'many', types: ['string'], label: 'ends with' },
  matches: { values: 'many', types: ['string'], label: 'matches regex (RE2)' },
  gt: { values: 'one', types: ['number'], label: '>' },
  gte: { values: 'one', types: ['number'], label: '≥' },
  lt: { values: 'one', types: ['number'], label: '<' },
  lte: { values: 'one', types: ['number'], label: '≤' },
  before: { values: 'one', types: ['date'], label: 'is before' },
  after: { values: 'one', types: ['date'], label: 'is after' },
  semver_eq: { values: 'one', types: ['semver'], label: 'version =' },
  semver_gt: { values: 'one', types: ['semver'], label: 'version >' },
  semver_lt: { values: 'one', types: ['semver'], label: 'version <' },
  exists: { values: 'none', types: EVERY_ATTRIBUTE, label: 'is present' },
  not_exists: { values: 'none', types: EVERY_ATTRIBUTE, label: 'is absent' },
  in_segment: { values: 'many', types: ['segment'], label: 'is in segment' },
  not_in_segment: { values: 'many', types: ['segment'], label: 'is not in segment' },
} as const satisfies Record<string, OperatorInfo>;

export type Operator = keyof typeof OPERATOR_INFO;
export const OPERATORS = Object.keys(OPERATOR_INFO) as [Operator, ...Operator[]];
