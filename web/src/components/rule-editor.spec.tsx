import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { placeErrors } from '../field-errors.ts';
import { targetingPointers, toDraft } from '../targeting-form.ts';
import { RuleEditor } from './rule-editor.tsx';
import { ServeEditor } from './serve-editor.tsx';

const draft = toDraft(
  {
    enabled: true,
    offVariant: 'off',
    bucketBy: 'targetingKey',
    prerequisites: [],
    targets: [],
    rules: [{ id: 'adults', conditions: [{ attribute: 'country', operator: 'eq', values: ['US'] }, { attribute: 'age', operator: 'gte', values: ['x'] }], serve: { variant: 'on' } }],
    defaultServe: { split: [{ variant: 'on', weight: 30_000 }, { variant: 'off', weight: 60_000 }] },
  },
  ['on', 'off'],
);

describe('API errors on the rule editor', () => {
  it('marks exactly the input the pointer names, with the message tied to it', () => {
    const { byField } = placeErrors([{ pointer: '#/rules/0/conditions/1/values/0', detail: 'must be a number for this operator' }], targetingPointers(draft));
    render(<ol><RuleEditor rule={draft.rules[0]!} index={0} count={1} variants={['on', 'off']} segments={[]} errors={byField} onChange={() => undefined} onMove={() => undefined} onRemove={() => undefined} /></ol>);
    const values = screen.getAllByLabelText('Value');
    expect(values[0]!.getAttribute('aria-invalid')).toBeNull();
    expect(values[1]!.getAttribute('aria-invalid')).toBe('true');
    const message = document.getElementById(values[1]!.getAttribute('aria-describedby')!.split(' ').pop()!);
    expect(message?.textContent).toBe('value 1: must be a number for this operator');
    // the operator picker of a number attribute offers comparisons
    const operators = screen.getAllByLabelText('Operator')[1] as HTMLSelectElement;
    expect([...operators.options].map((o) => o.value)).toContain('gte');
  });

  it('shows split weights as percentages and says they do not sum to 100%', () => {
    render(<ServeEditor label="Default" at={['defaultServe']} serve={draft.defaultServe} variants={['on', 'off']} errors={new Map()} onChange={() => undefined} />);
    expect((screen.getByLabelText('on (%)') as HTMLInputElement).value).toBe('30');
    expect(screen.getByText(/Total: 90%/).textContent).toContain('Weights must sum to 100% (now 90%)');
  });
});
