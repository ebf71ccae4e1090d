import { ATTRIBUTE_TYPES, OPERATOR_LABELS, OPERATORS_BY_TYPE, valueCount, type AttributeType, type Operator } from '../operators.ts';
import { newCondition, type DraftCondition } from '../targeting-form.ts';
import { Field } from './field.tsx';

export interface ConditionsEditorProps {
  conditions: readonly DraftCondition[];
  /** The pointer of what holds the conditions: `#/rules/0` for a flag's rule, `#` for a segment. */
  at: string;
  /** What the conditions belong to, in labels: "Condition 2 of rule 1", "Add condition to beta-testers". */
  owner: string;
  segments: readonly string[];
  errors: ReadonlyMap<string, string[]>;
  onChange: (conditions: DraftCondition[]) => void;
  /** A segment's own conditions cannot name segments (the server refuses them), so its editor leaves the type out. */
  allowSegments?: boolean;
  /** What no condition means where these conditions are used. */
  emptyText: string;
}

/** Conditions that must all hold, one row each: attribute, a type that picks the operators, the values. Flag rules and segments share it. */
export function ConditionsEditor({ conditions, at, owner, segments, errors, onChange, allowSegments = true, emptyText }: ConditionsEditorProps) {
  const types = allowSegments ? ATTRIBUTE_TYPES : ATTRIBUTE_TYPES.filter((t) => t !== 'segment');
  const setCondition = (j: number, c: DraftCondition) => onChange(conditions.map((x, i) => (i === j ? c : x)));
  return (
    <fieldset className="conditions">
      <legend>Conditions (all must hold)</legend>
      {conditions.length === 0 && <p className="muted">{emptyText}</p>}
      <ol>
        {conditions.map((c, j) => (
          <ConditionRow
            key={j}
            condition={c}
            at={`${at}/conditions/${j}`}
            label={`Condition ${j + 1} of ${owner}`}
            types={types}
            segments={segments}
            errors={errors}
            onChange={(next) => setCondition(j, next)}
            onRemove={() => onChange(conditions.filter((_, i) => i !== j))}
          />
        ))}
      </ol>
      <button type="button" onClick={() => onChange([...conditions, newCondition()])}>
        Add condition to {owner}
      </button>
    </fieldset>
  );
}

function ConditionRow({ condition, at, label, types, segments, errors, onChange, onRemove }: { condition: DraftCondition; at: string; label: string; types: readonly AttributeType[]; segments: readonly string[]; errors: ReadonlyMap<string, string[]>; onChange: (c: DraftCondition) => void; onRemove: () => void }) {
  const operators = OPERATORS_BY_TYPE[condition.type];
  const setType = (type: AttributeType) => onChange({ ...condition, type, operator: OPERATORS_BY_TYPE[type].includes(condition.operator) ? condition.operator : OPERATORS_BY_TYPE[type][0]! });
  const count = valueCount(condition.operator);
  const listId = `${at.replace(/\W/g, '-')}-segments`;
  const rowErrors = errors.get(at);
  return (
    <li className="condition" aria-label={label}>
      {condition.type !== 'segment' && (
        <Field label="Attribute" at={`${at}/attribute`} errors={errors.get(`${at}/attribute`)}>
          <input value={condition.attribute} onChange={(e) => onChange({ ...condition, attribute: e.target.value })} placeholder="country" autoComplete="off" />
        </Field>
      )}
      <div className="field">
        <label htmlFor={`${listId}-type`}>Type</label>
        <select id={`${listId}-type`} value={condition.type} onChange={(e) => setType(e.target.value as AttributeType)}>
          {[...new Set([...types, condition.type])].map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </div>
      <Field label="Operator" at={`${at}/operator`} errors={errors.get(`${at}/operator`)}>
        <select value={condition.operator} onChange={(e) => onChange({ ...condition, operator: e.target.value as Operator })}>
          {operators.map((o) => (
            <option key={o} value={o}>
              {OPERATOR_LABELS[o]}
            </option>
          ))}
        </select>
      </Field>
      {count !== 'none' && (
        <Field
          label={condition.type === 'segment' ? 'Segments' : count === 'one' ? 'Value' : 'Values'}
          at={`${at}/values`}
          errors={errors.get(`${at}/values`)}
          hint={condition.operator === 'matches' ? 'one RE2 pattern' : count === 'many' ? 'comma-separated' : undefined}
        >
          <input value={condition.valuesText} list={condition.type === 'segment' ? listId : undefined} onChange={(e) => onChange({ ...condition, valuesText: e.target.value })} autoComplete="off" />
        </Field>
      )}
      {condition.type === 'segment' && (
        <datalist id={listId}>
          {segments.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      )}
      <button type="button" className="danger-outline" onClick={onRemove} aria-label={`Remove ${label.toLowerCase()}`}>
        ✕
      </button>
      {rowErrors && rowErrors.length > 0 && (
        <div className="field-error" role="alert">
          {rowErrors.join('; ')}
        </div>
      )}
    </li>
  );
}
