import { describe, expect, it } from 'vitest';
import { ValuePool } from '../../src/shared/value-pool.ts';

const parsed = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('ValuePool', () => {
  it('gives equal small parts of separately parsed values one object, and changes no value', () => {
    const targeting = { enabled: true, rules: [{ id: 'r1', conditions: [{ attribute: 'country', operator: 'in', values: ['US', 'CA'] }], serve: { variant: 'on' } }], targets: [], defaultServe: { variant: 'off' } };
    const pool = new ValuePool();
    const first = { targeting: parsed(targeting) };
    const second = { targeting: parsed(targeting) };
    pool.shareValues(first);
    pool.shareValues(second);

    expect(first).toEqual({ targeting });
    expect(second).toEqual({ targeting });
    expect(second.targeting).toBe(first.targeting);
    expect(second.targeting.rules[0]!.serve).toBe(first.targeting.rules[0]!.serve);
  });

  it('tells apart values JSON tells apart: numbers from strings, and key order', () => {
    const pool = new ValuePool();
    const number = pool.share(parsed({ values: [30] }));
    const string = pool.share(parsed({ values: ['30'] }));
    const reordered = pool.share(parsed({ b: 1, a: 2 }));
    const ordered = pool.share(parsed({ a: 2, b: 1 }));

    expect(string).not.toBe(number);
    expect(string.values[0]).toBe('30');
    expect(number.values[0]).toBe(30);
    expect(Object.keys(reordered)).toEqual(['b', 'a']);
    expect(Object.keys(ordered)).toEqual(['a', 'b']);
  });

  it('shares the small parts of a large part, not the large part', () => {
    const long = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    const pool = new ValuePool();
    const first = pool.share(parsed({ rules: [{ values: long, serve: { variant: 'on' } }] }));
    const second = pool.share(parsed({ rules: [{ values: long, serve: { variant: 'on' } }] }));

    expect(second.rules[0]!.values).not.toBe(first.rules[0]!.values);
    expect(second.rules[0]!.values).toEqual(long);
    expect(second.rules[0]!.serve).toBe(first.rules[0]!.serve);
  });

  it('leaves frozen values as they are', () => {
    const pool = new ValuePool();
    const known = pool.share(parsed({ serve: { variant: 'on' } }));
    const frozen = Object.freeze(parsed({ serve: { variant: 'on' } }));
    const before = frozen.serve;
    pool.share(frozen);

    expect(frozen.serve).toBe(before);
    expect(frozen.serve).not.toBe(known.serve);
  });

  it('forgets what it holds past its bound, and still returns equal values', () => {
    const pool = new ValuePool(10);
    for (let i = 0; i < 50; i++) expect(pool.share(parsed({ variant: `v${i}` }))).toEqual({ variant: `v${i}` });

    expect(pool.size).toBeLessThanOrEqual(12);
  });
});
