import { pointer } from '../field-errors.ts';
import type { DraftRule } from '../targeting-form.ts';
import { ConditionsEditor } from './conditions-editor.tsx';
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
      <ConditionsEditor
        conditions={rule.conditions}
        at={at}
        owner={name}
        segments={segments}
        errors={errors}
        onChange={(conditions) => onChange({ ...rule, conditions })}
        emptyText="No conditions: the rule matches every unit."
      />
      <ServeEditor label={`${name} serves`} at={['rules', index, 'serve']} serve={rule.serve} variants={variants} errors={errors} onChange={(serve) => onChange({ ...rule, serve })} />
    </li>
  );
}
