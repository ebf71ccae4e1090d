import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { DraftCondition } from '../targeting-form.ts';
import { ConditionsEditor } from './conditions-editor.tsx';

const conditions: DraftCondition[] = [{ attribute: 'plan', type: 'string', operator: 'eq', valuesText: 'beta' }];

describe('<ConditionsEditor> in a segment', () => {
  it('offers no segment type (segments do not nest), marks the input a pointer names, and adds and removes rows', () => {
    const changes: DraftCondition[][] = [];
    render(
      <ConditionsEditor
        conditions={conditions}
        at="#"
        owner="beta-testers"
        segments={[]}
        allowSegments={false}
        errors={new Map([['#/conditions/0/values', ['must not be empty']]])}
        onChange={(next) => changes.push(next)}
        emptyText="No conditions"
      />,
    );
    const types = [...(screen.getByLabelText('Type') as HTMLSelectElement).options].map((o) => o.value);
    expect(types).toContain('number');
    expect(types).not.toContain('segment');
    expect(screen.getByLabelText('Value').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Value').getAttribute('data-pointer')).toBe('#/conditions/0/values');

    fireEvent.click(screen.getByRole('button', { name: 'Add condition to beta-testers' }));
    expect(changes.at(-1)).toHaveLength(2);
    fireEvent.click(screen.getByRole('button', { name: 'Remove condition 1 of beta-testers' }));
    expect(changes.at(-1)).toEqual([]);
  });
});
