import { describe, expect, it } from 'vitest';
import { zodIssues } from '../../src/http/validation.ts';
import { conditionSchema, targetingSchema, withRuleIds, type TargetingInput } from '../../src/shared/targeting.ts';

const problems = (input: unknown): string[] => {
  const result = conditionSchema.safeParse(input);
  return result.success ? [] : zodIssues(result.error).map((i) => `${i.pointer} ${i.detail}`);
};

describe('conditions', () => {
  it.each([
    [{ attribute: 'country', operator: 'eq', values: ['US'] }],
    [{ attribute: 'country', operator: 'in', values: ['US', 'CA', 1, true] }],
    [{ attribute: 'email', operator: 'ends_with', values: ['@example.com', '@example.org'] }],
    [{ attribute: 'email', operator: 'matches', values: ['^[a-z]+@example\\.(com|org)$'] }],
    [{ attribute: 'age', operator: 'gte', values: [18] }],
    [{ attribute: 'signupDate', operator: 'before', values: ['2026-01-01T00:00:00Z'] }],
    [{ attribute: 'signupDate', operator: 'after', values: [1_700_000_000_000] }],
    [{ attribute: 'appVersion', operator: 'semver_gt', values: ['2.1.0-beta.1'] }],
    [{ attribute: 'plan', operator: 'exists' }],
    [{ operator: 'in_segment', values: ['beta-testers'] }],
  ])('accepts %j', (condition) => {
    expect(problems(condition)).toEqual([]);
  });

  it.each([
    [{ attribute: 'country', operator: 'like', values: ['US'] }, /#\/operator must be one of eq, neq/],
    [{ operator: 'eq', values: ['US'] }, /#\/attribute is required for operator eq/],
    [{ attribute: 'country', operator: 'eq', values: ['US', 'CA'] }, /#\/values must hold exactly one value/],
    [{ attribute: 'country', operator: 'in', values: [] }, /#\/values must hold at least one value/],
    [{ attribute: 'plan', operator: 'exists', values: ['x'] }, /#\/values must be empty/],
    [{ attribute: 'age', operator: 'gt', values: ['18'] }, /#\/values\/0 must be a number/],
    [{ attribute: 'email', operator: 'contains', values: [42] }, /#\/values\/0 must be a string/],
    [{ attribute: 'd', operator: 'before', values: ['next tuesday'] }, /#\/values\/0 must be an ISO 8601/],
    [{ attribute: 'v', operator: 'semver_eq', values: ['1.2'] }, /#\/values\/0 must be a semantic version/],
    [{ attribute: 'e', operator: 'matches', values: ['(unclosed'] }, /#\/values\/0 is not a valid RE2/],
    [{ attribute: 'e', operator: 'matches', values: ['(?=lookahead)'] }, /#\/values\/0 is not a valid RE2/],
    [{ attribute: 'e', operator: 'matches', values: ['(a)\\1'] }, /#\/values\/0 is not a valid RE2/],
    [{ operator: 'in_segment', values: ['Not A Key'] }, /#\/values\/0 must be a segment key/],
    [{ attribute: 'has space', operator: 'exists' }, /#\/attribute must be an attribute name/],
    [{ attribute: 'x', operator: 'eq', values: [{ nested: true }] }, /#\/values\/0/],
  ])('refuses %j', (condition, message) => {
    expect(problems(condition).join('\n')).toMatch(message);
  });

  it('accepts a 10,000-value in list and refuses a longer one', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
    expect(problems({ attribute: 'id', operator: 'in', values })).toEqual([]);
    expect(problems({ attribute: 'id', operator: 'in', values: [...values, 'one-more'] })).not.toEqual([]);
  });
});

describe('targeting', () => {
  const base: TargetingInput = { enabled: true, offVariant: 'off', bucketBy: 'targetingKey', prerequisites: [], targets: [], rules: [], defaultServe: { variant: 'on' } };
  const issuesOf = (input: unknown): string[] => {
    const result = targetingSchema.safeParse(input);
    return result.success ? [] : zodIssues(result.error).map((i) => `${i.pointer} ${i.detail}`);
  };

  it('needs split weights that are integers summing to 100000, each variant once', () => {
    expect(issuesOf({ ...base, defaultServe: { split: [{ variant: 'on', weight: 33_333 }, { variant: 'off', weight: 66_667 }] } })).toEqual([]);
    expect(issuesOf({ ...base, defaultServe: { split: [{ variant: 'on', weight: 50_000 }, { variant: 'off', weight: 50_001 }] } }).join()).toMatch(
      /#\/defaultServe\/split weights must sum to 100000 \(100%\), not 100001/,
    );
    expect(issuesOf({ ...base, defaultServe: { split: [{ variant: 'on', weight: 50_000.5 }, { variant: 'off', weight: 49_999.5 }] } }).join()).toMatch(
      /#\/defaultServe\/split\/0\/weight/,
    );
    expect(issuesOf({ ...base, defaultServe: { split: [{ variant: 'on', weight: 50_000 }, { variant: 'on', weight: 50_000 }] } }).join()).toMatch(
      /#\/defaultServe\/split\/1\/variant appears twice/,
    );
  });

  it('refuses duplicate rule ids and a unit targeted twice', () => {
    const twice = issuesOf({
      ...base,
      targets: [{ variant: 'on', units: ['u1'] }, { variant: 'off', units: ['u2', 'u1'] }],
      rules: [{ id: 'r', serve: { variant: 'on' } }, { id: 'r', serve: { variant: 'off' } }],
    });
    expect(twice).toEqual(['#/rules/1/id is used by another rule', '#/targets/1/units/1 is already targeted by targets[0]']);
  });

  it('names rules without an id after the first free rule-N', () => {
    const named = withRuleIds({
      ...base,
      rules: [{ conditions: [], serve: { variant: 'on' } }, { id: 'rule-2', conditions: [], serve: { variant: 'on' } }, { conditions: [], serve: { variant: 'off' } }],
    });
    expect(named.rules.map((r) => r.id)).toEqual(['rule-1', 'rule-2', 'rule-3']);
  });
});
