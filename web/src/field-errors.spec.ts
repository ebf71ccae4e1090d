import { describe, expect, it } from 'vitest';
import { fieldId, placeErrors, pointer } from './field-errors.ts';

describe('placing API errors on fields', () => {
  const fields = ['#/rules/0/conditions/1/attribute', '#/rules/0/conditions/1/values', '#/rules/0/conditions/1', '#/rules/0', '#/defaultServe/split'];

  it('puts an error on the field its pointer names', () => {
    const placed = placeErrors([{ pointer: '#/rules/0/conditions/1/values', detail: 'must hold at least one value for operator in' }], fields);
    expect(placed.byField.get('#/rules/0/conditions/1/values')).toEqual(['must hold at least one value for operator in']);
    expect(placed.unplaced).toEqual([]);
  });

  it('puts a deeper error on the nearest field, saying where inside it', () => {
    const placed = placeErrors([{ pointer: '#/rules/0/conditions/1/values/2', detail: 'must be a number for this operator' }], fields);
    expect(placed.byField.get('#/rules/0/conditions/1/values')).toEqual(['value 3: must be a number for this operator']);
    const split = placeErrors([{ pointer: '#/defaultServe/split/0/weight', detail: 'expected number' }], fields);
    expect(split.byField.get('#/defaultServe/split')).toEqual(['0 › weight: expected number']);
  });

  it('falls back to the enclosing group, and leaves what no field covers for the summary', () => {
    const placed = placeErrors(
      [
        { pointer: '#/rules/0/serve', detail: 'names no variant' },
        { pointer: '#', detail: 'is not valid JSON' },
        { pointer: '#/bucketBy', detail: 'bad' },
      ],
      fields,
    );
    expect(placed.byField.get('#/rules/0')).toEqual(['serve: names no variant']);
    expect(placed.unplaced.map((i) => i.pointer)).toEqual(['#', '#/bucketBy']);
  });

  it('collects several errors of one field', () => {
    const placed = placeErrors(
      [
        { pointer: '#/rules/0/conditions/1/attribute', detail: 'is required' },
        { pointer: '#/rules/0/conditions/1/attribute', detail: 'is too long' },
      ],
      fields,
    );
    expect(placed.byField.get('#/rules/0/conditions/1/attribute')).toEqual(['is required', 'is too long']);
  });

  it('builds pointers as the server does and gives each a DOM id', () => {
    expect(pointer('rules', 0, 'conditions', 1, 'values')).toBe('#/rules/0/conditions/1/values');
    expect(pointer('variants', 'a/b~c')).toBe('#/variants/a~1b~0c');
    expect(fieldId('#/rules/0/conditions/1/values')).toBe('field-rules-0-conditions-1-values');
  });
});
