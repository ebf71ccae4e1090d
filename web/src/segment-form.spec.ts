import { describe, expect, it } from 'vitest';
import type { SegmentDefinition } from './admin-types.ts';
import { placeErrors } from './field-errors.ts';
import { parseUnits, segmentFromDraft, segmentPointers, segmentToDraft } from './segment-form.ts';

const segment: SegmentDefinition = {
  description: 'Opted in',
  conditions: [
    { attribute: 'plan', operator: 'in', values: ['beta', 'staff'] },
    { attribute: 'age', operator: 'gte', values: [18] },
  ],
  included: ['user-1', 'user-2'],
  excluded: ['user-9'],
};

describe('the segment form', () => {
  it('round-trips the API shape through the draft', () => {
    expect(segmentFromDraft(segmentToDraft(segment))).toEqual(segment);
  });

  it('reads unit ids one a line or comma-separated, dropping blanks', () => {
    expect(parseUnits(' user-1,user-2\n\n user-3 ,\n')).toEqual(['user-1', 'user-2', 'user-3']);
    expect(parseUnits('   ')).toEqual([]);
  });

  it("places the server's errors on the condition input and on the unit lists", () => {
    const draft = segmentToDraft(segment);
    const { byField, unplaced } = placeErrors(
      [
        { pointer: '#/conditions/1/values/0', detail: 'must be a number' },
        { pointer: '#/excluded/0', detail: 'is also included' },
        { pointer: '#/colour', detail: 'is not a field' },
      ],
      segmentPointers(draft),
    );
    expect(byField.get('#/conditions/1/values')).toEqual(['value 1: must be a number']);
    expect(byField.get('#/excluded')).toEqual(['value 1: is also included']);
    expect(unplaced).toEqual([{ pointer: '#/colour', detail: 'is not a field' }]);
  });
});
