import { describe, expect, it } from 'vitest';
import { commandMeasurements, summarize, TARGET } from '../../bench/cli-startup/summary.ts';

describe('the CLI startup benchmark: its figures', () => {
  it('takes the median (middle two averaged for an even count) and the p95 by nearest rank, whatever the order', () => {
    expect(summarize([5, 1, 3])).toEqual({ runs: 3, median: 3, p95: 5, max: 5 });
    expect(summarize([4, 1, 3, 2])).toEqual({ runs: 4, median: 2.5, p95: 4, max: 4 });
    const twenty = Array.from({ length: 20 }, (_, i) => 20 - i); // 20, 19, …, 1
    expect(summarize(twenty)).toMatchObject({ median: 10.5, p95: 19, max: 20 });
    expect(summarize([7])).toEqual({ runs: 1, median: 7, p95: 7, max: 7 });
    expect(() => summarize([])).toThrow(RangeError);
  });

  it("reports a command's median and p95 against the baseline's median, with the target", () => {
    const baseline = { name: 'node -e 0, median', value: 40, unit: 'ms' };
    const [median, p95] = commandMeasurements('flagstaff --help', { runs: 30, median: 120, p95: 200, max: 260 }, baseline);
    expect(median).toEqual({
      name: 'flagstaff --help, median',
      value: 120,
      unit: 'ms',
      baseline: { name: 'node -e 0, median', value: 40, unit: 'ms', ratio: 3 },
      target: TARGET,
      notes: '30 runs, max 260 ms',
    });
    expect(p95).toMatchObject({ name: 'flagstaff --help, p95', value: 200, baseline: { ratio: 5 }, target: '< 1,000 ms' });
  });
});
