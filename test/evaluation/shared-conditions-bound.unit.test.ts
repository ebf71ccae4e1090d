import { beforeEach, describe, expect, it } from 'vitest';
import { compileCondition, sharedConditions, type Predicate } from '../../src/evaluation/conditions.ts';

const noSegments = (): Predicate => () => false;

// Apart from the other shared-condition tests: it compiles over a million values to pass the real 32 MiB bound,
// which is too heavy to run against every mutant of conditions.ts (`npm run mutation` leaves this file out; the
// cache's own eviction is mutated and checked by compilation-cache.unit.test.ts).
describe('compiled conditions shared by content, at scale', () => {
  beforeEach(() => sharedConditions.clear());

  it('stays within its bound however many different conditions are compiled', () => {
    const values = (n: number) => Array.from({ length: 20_000 }, (_, i) => `account-${n}-${i}`);
    for (let n = 0; n < 60; n++) {
      const predicate = compileCondition({ attribute: 'account', operator: 'in', values: values(n) }, noSegments);
      expect(predicate({ account: `account-${n}-19999` }, undefined)).toBe(true);
      expect(sharedConditions.weight).toBeLessThanOrEqual(sharedConditions.maxWeight);
    }
    expect(sharedConditions.size).toBeLessThan(60);
    // The most recent ones are still shared.
    const last = compileCondition({ attribute: 'account', operator: 'in', values: values(59) }, noSegments);
    expect(compileCondition({ attribute: 'account', operator: 'in', values: values(59) }, noSegments)).toBe(last);
  });
});
