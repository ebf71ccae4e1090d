import { describe, expect, it } from 'vitest';
import { inferAttributeType, OPERATORS_BY_TYPE, parseValues, valueCount } from './operators.ts';

describe('operators per attribute type', () => {
  it('offers only the operators that make sense for the type', () => {
    expect(OPERATORS_BY_TYPE.number).toContain('gt');
    expect(OPERATORS_BY_TYPE.string).not.toContain('gt');
    expect(OPERATORS_BY_TYPE.semver).toEqual(['semver_eq', 'semver_gt', 'semver_lt', 'exists', 'not_exists']);
    expect(OPERATORS_BY_TYPE.segment).toEqual(['in_segment', 'not_in_segment']);
    // every operator of the API is reachable from some type
    const all = new Set(Object.values(OPERATORS_BY_TYPE).flat());
    expect(all.size).toBe(21);
  });

  it('parses typed values into what the API expects', () => {
    expect(parseValues('US, CA ,', 'string', 'in')).toEqual(['US', 'CA']);
    expect(parseValues('18', 'number', 'gte')).toEqual([18]);
    expect(parseValues('1, x', 'number', 'in')).toEqual([1, 'x']);
    expect(parseValues('true', 'boolean', 'eq')).toEqual([true]);
    expect(parseValues('^a{1,3}$', 'string', 'matches')).toEqual(['^a{1,3}$']);
    expect(parseValues('anything', 'string', 'exists')).toEqual([]);
    expect(valueCount('in_segment')).toBe('many');
  });

  it('infers the type of a stored condition', () => {
    expect(inferAttributeType('in', [1, 2])).toBe('number');
    expect(inferAttributeType('eq', ['US'])).toBe('string');
    expect(inferAttributeType('semver_gt', ['1.2.3'])).toBe('semver');
    expect(inferAttributeType('not_in_segment', ['beta'])).toBe('segment');
    expect(inferAttributeType('after', ['2025-01-01'])).toBe('date');
  });
});
