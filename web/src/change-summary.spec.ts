import { describe, expect, it } from 'vitest';
import { changeLines, readable } from './change-summary.ts';

describe('changeLines', () => {
  it('lists a toggle as its two fields', () => {
    expect(changeLines({ environment: 'production', enabled: true })).toEqual([
      { path: 'environment', value: 'production' },
      { path: 'enabled', value: 'true' },
    ]);
  });

  it('walks nested objects and lists of objects down to their leaves, with the paths diffs use', () => {
    const change = {
      environment: 'production',
      targeting: {
        enabled: false,
        prerequisites: [],
        rules: [{ id: 'us', conditions: [{ attribute: 'country', operator: 'in', values: ['US', 'CA'] }], serve: { variant: 'on' } }],
        defaultServe: { split: [{ variant: 'on', weight: 25_000 }] },
      },
    };
    expect(changeLines(change)).toEqual([
      { path: 'environment', value: 'production' },
      { path: 'targeting.enabled', value: 'false' },
      { path: 'targeting.prerequisites', value: '(none)' },
      { path: 'targeting.rules[0].id', value: 'us' },
      { path: 'targeting.rules[0].conditions[0].attribute', value: 'country' },
      { path: 'targeting.rules[0].conditions[0].operator', value: 'in' },
      { path: 'targeting.rules[0].conditions[0].values', value: 'US, CA' },
      { path: 'targeting.rules[0].serve.variant', value: 'on' },
      { path: 'targeting.defaultServe.split[0].variant', value: 'on' },
      { path: 'targeting.defaultServe.split[0].weight', value: '25000' },
    ]);
  });

  it('has no lines for an event without data (an archive, a stop)', () => {
    expect(changeLines({})).toEqual([]);
    expect(changeLines({ variants: {} })).toEqual([{ path: 'variants', value: '(none)' }]);
  });
});

describe('readable', () => {
  it('writes values as a person reads them', () => {
    expect(readable('on')).toBe('on');
    expect(readable('')).toBe('""');
    expect(readable(null)).toBe('null');
    expect(readable(undefined)).toBe('(none)');
    expect(readable(12.5)).toBe('12.5');
    expect(readable(['a', 1, true])).toBe('a, 1, true');
    expect(readable({ color: 'red' })).toBe('{"color":"red"}');
  });
});
