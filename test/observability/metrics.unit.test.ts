import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/observability/metrics.ts';

describe('Metrics', () => {
  it('gives at most maxFlagSeries flags a series of their own, the rest count under (other)', async () => {
    const metrics = new Metrics({ beforeScrape: () => {}, projectionLag: async () => 0, sseConnections: () => 0, maxFlagSeries: 2 });
    const count = (flagKey: string, n: number) => ({ environment: 'production', flagKey, variant: 'on', reason: 'DEFAULT', count: n });
    metrics.countEvaluations([count('a', 1), count('b', 2), count('c', 3), count('d', 4)]);
    metrics.countEvaluations([count('a', 10), count('c', 30)]);
    const values = (await metrics.evaluations.get()).values.map((v) => [v.labels.flag, v.value]);
    expect(values.sort()).toEqual([
      ['(other)', 37],
      ['a', 11],
      ['b', 2],
    ]);
  });
});
