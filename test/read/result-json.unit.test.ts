import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EvaluationResult } from '../../src/evaluation/evaluation-result.ts';
import { ResultJsonCache } from '../../src/read/result-json.ts';

const result = (i: number): EvaluationResult => Object.freeze({ flagKey: `flag-${i}`, value: i % 2 === 0, variant: i % 2 === 0 ? 'on' : 'off', reason: 'DEFAULT', revision: 7 });

describe('ResultJsonCache', () => {
  afterEach(() => vi.restoreAllMocks());

  it('gives JSON.stringify of the result, serialising a shared result once', () => {
    const cache = new ResultJsonCache(8);
    const shared = result(1);
    const stringify = vi.spyOn(JSON, 'stringify');
    for (let i = 0; i < 5; i++) expect(cache.json(shared)).toBe('{"flagKey":"flag-1","value":false,"variant":"off","reason":"DEFAULT","revision":7}');
    expect(stringify).toHaveBeenCalledTimes(1);
  });

  it('does not keep results built per call (errors are not frozen)', () => {
    const cache = new ResultJsonCache(8);
    const error: EvaluationResult = { flagKey: 'missing', value: null, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND', errorMessage: 'no "missing"', revision: 7 };
    expect(JSON.parse(cache.json(error))).toEqual(error);
    expect(cache.size).toBe(0);
  });

  it('holds at most two generations, and keeps what is asked for often', () => {
    const cache = new ResultJsonCache(4);
    const hot = result(0);
    const stringify = vi.spyOn(JSON, 'stringify');
    for (let i = 1; i <= 100; i++) {
      cache.json(hot);
      cache.json(result(i));
      expect(cache.size).toBeLessThanOrEqual(8);
    }
    // The hot result was serialised once; each of the 100 others once.
    expect(stringify).toHaveBeenCalledTimes(101);
  });
});
