import { describe, expect, it } from 'vitest';
import { placeErrors } from './field-errors.ts';
import { targetingPointers, toDraft, toTargeting } from './targeting-form.ts';
import type { Targeting } from './types.ts';

const targeting: Targeting = {
  enabled: true,
  offVariant: 'off',
  bucketBy: 'targetingKey',
  prerequisites: [{ flagKey: 'base', variant: 'on' }],
  targets: [{ variant: 'on', units: ['user-1', 'user-2'] }],
  rules: [
    {
      id: 'us-premium',
      conditions: [
        { attribute: 'country', operator: 'in', values: ['US', 'CA'] },
        { attribute: 'age', operator: 'gte', values: [18] },
        { operator: 'in_segment', values: ['beta'] },
      ],
      serve: { variant: 'on' },
    },
  ],
  defaultServe: { split: [{ variant: 'on', weight: 25_000 }, { variant: 'off', weight: 75_000 }] },
};

describe('the targeting form', () => {
  it('round-trips the API shape through the draft', () => {
    expect(toTargeting(toDraft(targeting, ['on', 'off']))).toEqual(targeting);
  });

  it('shows split weights as percentages', () => {
    expect(toDraft(targeting, ['on', 'off']).defaultServe.split).toEqual([
      { variant: 'on', percent: '25' },
      { variant: 'off', percent: '75' },
    ]);
  });

  it('has a field for every pointer the server reports on a condition, a target or a split', () => {
    const draft = toDraft(targeting, ['on', 'off']);
    const placed = placeErrors(
      [
        { pointer: '#/rules/0/conditions/1/values/0', detail: 'must be a number for this operator' },
        { pointer: '#/targets/0/units/1', detail: 'is already targeted by targets[0]' },
        { pointer: '#/defaultServe/split', detail: 'weights must sum to 100000 (100%), not 90000' },
        { pointer: '#/prerequisites/0/flagKey', detail: 'names no flag' },
      ],
      targetingPointers(draft),
    );
    expect(placed.unplaced).toEqual([]);
    expect([...placed.byField.keys()]).toEqual(['#/rules/0/conditions/1/values', '#/targets/0/units', '#/defaultServe/split', '#/prerequisites/0/flagKey']);
  });

  it('sends a percentage that does not parse as a weight the server rejects by name', () => {
    const draft = toDraft(targeting, ['on', 'off']);
    draft.defaultServe.split[0]!.percent = 'lots';
    const sent = toTargeting(draft).defaultServe;
    expect('split' in sent && Number.isNaN(sent.split[0]!.weight)).toBe(true);
  });
});
