import { describe, expect, it } from 'vitest';
import { sequentialHalfWidth, sequentialPValue } from '../../src/analytics/stats/sequential.ts';

describe('sequentialPValue at its ends', () => {
  const n = 1_000;
  const tuning = 5_000;

  it('is 1 for an effect inside the sequence as α → 1, however close to its edge', () => {
    // The half-width at α = e^(−5e-13) exceeds the α → 1 limit by a few parts in 1e13: still inside it.
    const edge = sequentialHalfWidth(1, n, Math.exp(-0.5e-12), tuning);
    expect(sequentialPValue({ estimate: edge, variance: 1 }, n, tuning)).toBe(1);
    expect(sequentialPValue({ estimate: -edge, variance: 1 }, n, tuning)).toBe(1);
  });

  it('is 0 for an effect outside even the sequence at the smallest α a double holds', () => {
    const widest = sequentialHalfWidth(1, n, Math.exp(-745), tuning);
    expect(sequentialPValue({ estimate: 2 * widest, variance: 1 }, n, tuning)).toBe(0);
  });

  it('finds the α whose sequence just touches the effect, to the last bit', () => {
    for (const estimate of [0.2, 0.3, 0.5, -1]) {
      const p = sequentialPValue({ estimate, variance: 0.01 }, n, tuning);
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(1);
      expect(sequentialHalfWidth(0.01, n, p, tuning)).toBeCloseTo(Math.abs(estimate), 14);
    }
  });
});
