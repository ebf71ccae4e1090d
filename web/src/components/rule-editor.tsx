import { pointer } from '../field-errors.ts';
import { ATTRIBUTE_TYPES, OPERATOR_LABELS, OPERATORS_BY_TYPE, valueCount, type AttributeType, type Operator } from '../operators.ts';
import type { DraftCondition, DraftRule } from '../targeting-form.ts';
import { Field } from './field.tsx';
import { ServeEditor } from './serve-editor.tsx';

export interface RuleEditorProps {
  rule: DraftRule;
  index: number;
  count: number;
  variants: readonly string[];
  segments: readonly string[];
  errors: ReadonlyMap<string, string[]>;
  onChange: (rule: DraftRule) => void;
  onMove: (delta: -1 | 1) => void;
  onRemove: () => void;
}

/** One rule: its conditions (all must hold) with an operator picker per attribute type, and what it serves. */
export function RuleEditor({ rule, index, count, variants, segments, errors, onChange, onMove, onRemove }: RuleEditorProps) {
  const at = pointer('rules', index);
  const name = rule.id || `rule ${index + 1}`;
  const setCondition = (j: number, c: DraftCondition) => onChange({ ...rule, conditions: rule.conditions.map((x, i) => (i === j ? c : x)) });
  const ruleErrors = [...(errors.get(at) ?? []), ...(errors.get(`${at}/conditions`) ?? [])];
  return (
    <li className="rule" aria-label={`Rule ${index + 1}: ${name}`}>
      <div className="rule-head">
        <h3>
          Rule {index + 1}
          {rule.id && <code className="rule-id">{rule.id}</code>}
        </h3>
        <div className="rule-actions">
          <button type="button" onClick={() => onMove(-1)} disabled={index === 0} aria-label={`Move ${name} up`}>
            ↑ Up
          </button>
          <button type="button" onClick={() => onMove(1)} disabled={index === count - 1} aria-label={`Move ${name} down`}>
            ↓ Down
          </button>
          <button type="button" className="danger-outline" onClick={onRemove} aria-label={`Remove ${name}`}>
            Remove
          </button>
        </div>
      </div>
      {ruleErrors.length > 0 && (
        <div className="field-error" role="alert">
          {ruleErrors.join('; ')}
        </div>
      )}
      <Field label="Rule id" at={`${at}/id`} errors={errors.get(`${at}/id`)} hint="optional; rule-N when left empty">
        <input value={rule.id} onChange={(e) => onChange({ ...rule, id: e.target.value })} autoComplete="off" />
      </Field>
      <fieldset className="conditions">
        <legend>Conditions (all must hold)</legend>
        {rule.conditions.length === 0 && <p className="muted">No conditions: the rule matches every unit.</p>}
        <ol>
          {rule.conditions.map((c, j) => (
            <ConditionRow
              key={j}
              condition={c}
              at={`${at}/conditions/${j}`}
              label={`Condition ${j + 1} of ${name}`}
              segments={segments}
              errors={errors}
              onChange={(next) => setCondition(j, next)}
              onRemove={() => onChange({ ...rule, conditions: rule.conditions.filter((_, i) => i !== j) })}
            />
          ))}
        </ol>
        <button type="button" onClick={() => onChange({ ...rule, conditions: [...rule.conditions, { attribute: '', type: 'string', operator: 'eq', valuesText: '' }] })}>
          Add condition to {name}
        </button>
      </fieldset>
      <ServeEditor label={`${name} serves`} at={['rules', index, 'serve']} serve={rule.serve} variants={variants} errors={errors} onChange={(serve) => onChange({ ...rule, serve })} />
    </li>
  );
}

function ConditionRow({ condition, at, label, segments, errors, onChange, onRemove }: { condition: DraftCondition; at: string; label: string; segments: readonly string[]; errors: ReadonlyMap<string, string[]>; onChange: (c: DraftCondition) => void; onRemove: () => void }) {
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
          {ATTRIBUTE_TYPES.map((t) => (
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
