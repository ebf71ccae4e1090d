import { describe, expect, it } from 'vitest';
import { CompilationCache } from '../../src/evaluation/compilation-cache.ts';

describe('compilation cache', () => {
  it('gives back what was stored, by key', () => {
    const cache = new CompilationCache<string>(100);
    cache.set('a', 'A', 10);
    expect(cache.get('a')).toBe('A');
    expect(cache.get('b')).toBeUndefined();
  });

  it('drops the least recently used entries once their weight passes the bound, and never holds more', () => {
    const cache = new CompilationCache<string>(30);
    cache.set('a', 'A', 10);
    cache.set('b', 'B', 10);
    cache.set('c', 'C', 10);
    expect(cache.get('a')).toBe('A'); // now the most recently used: b is the oldest
    cache.set('d', 'D', 10);
    expect(cache.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((key) => cache.get(key))).toEqual(['A', 'C', 'D']);
    expect(cache.weight).toBe(30);

    for (let i = 0; i < 1_000; i++) {
      cache.set(`k${i}`, `V${i}`, 1 + (i % 7));
      expect(cache.weight).toBeLessThanOrEqual(30);
    }
    expect(cache.get('k999')).toBe('V999');
  });

  it('counts a replaced entry once, and keeps nothing heavier than the bound', () => {
    const cache = new CompilationCache<string>(30);
    cache.set('a', 'A', 10);
    cache.set('a', 'A2', 20);
    expect(cache.weight).toBe(20);
    expect(cache.size).toBe(1);
    cache.set('huge', 'H', 31);
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.weight).toBeLessThanOrEqual(30);
    cache.clear();
    expect([cache.size, cache.weight]).toEqual([0, 0]);
  });

  it('refuses a bound that is not positive', () => {
    expect(() => new CompilationCache(0)).toThrow(/positive/);
  });
});
