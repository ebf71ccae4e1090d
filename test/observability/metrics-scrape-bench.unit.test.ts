import { describe, expect, it } from 'vitest';
import { missingSeries } from '../../bench/metrics-scrape/documented-series.ts';
import { latencySummary, sampleSum, seriesFamilies } from '../../bench/metrics-scrape/scrape-figures.ts';

const SCRAPE = [
  '# HELP flagstaff_evaluations_total Flag evaluations',
  '# TYPE flagstaff_evaluations_total counter',
  'flagstaff_evaluations_total{flag="a",environment="production",variant="on",reason="SPLIT"} 3',
  'flagstaff_evaluations_total{flag="b",environment="production",variant="off",reason="STATIC"} 4.5',
  '',
  '# HELP flagstaff_pipeline_consumer_lag_messages Messages not committed',
  '# TYPE flagstaff_pipeline_consumer_lag_messages gauge',
  'flagstaff_pipeline_consumer_lag_messages 7',
  '',
  '# HELP flagstaff_event_store_append_duration_seconds Append latency',
  '# TYPE flagstaff_event_store_append_duration_seconds histogram',
  'flagstaff_event_store_append_duration_seconds_bucket{le="0.01",outcome="ok"} 1',
  'flagstaff_event_store_append_duration_seconds_sum{outcome="ok"} 0.004',
  'flagstaff_event_store_append_duration_seconds_count{outcome="ok"} 1',
  '',
].join('\n');

describe('the metrics scrape benchmark: its figures', () => {
  it('takes the median (middle two averaged for an even count), p95 and p99 by nearest rank, whatever the order', () => {
    expect(latencySummary([5, 1, 3])).toEqual({ runs: 3, median: 3, p95: 5, p99: 5, max: 5 });
    expect(latencySummary([4, 1, 3, 2])).toMatchObject({ runs: 4, median: 2.5, p95: 4, p99: 4 });
    const twoHundred = Array.from({ length: 200 }, (_, i) => 200 - i); // 200, 199, …, 1
    expect(latencySummary(twoHundred)).toEqual({ runs: 200, median: 100.5, p95: 190, p99: 198, max: 200 });
    expect(() => latencySummary([])).toThrow(RangeError);
  });

  it('counts one family per # TYPE line, not per sample or HELP line', () => {
    expect(seriesFamilies(SCRAPE)).toBe(3);
    expect(seriesFamilies('')).toBe(0);
    expect(seriesFamilies('# HELP x y\nx 1\n')).toBe(0);
  });

  it("sums a series' samples over its label sets, and only that series", () => {
    expect(sampleSum(SCRAPE, 'flagstaff_evaluations_total')).toBe(7.5);
    expect(sampleSum(SCRAPE, 'flagstaff_pipeline_consumer_lag_messages')).toBe(7);
    // A name that is a prefix of another series is not that series.
    expect(sampleSum(SCRAPE, 'flagstaff_event_store_append_duration_seconds')).toBe(0);
    expect(sampleSum(SCRAPE, 'flagstaff_event_store_append_duration_seconds_count')).toBe(1);
    expect(sampleSum(SCRAPE, 'flagstaff_rate_limited_total')).toBe(0);
  });

  it('finds a documented series by its own samples or, for a histogram, by _bucket, _sum or _count', () => {
    const documented = ['flagstaff_evaluations_total', 'flagstaff_pipeline_consumer_lag_messages', 'flagstaff_event_store_append_duration_seconds', 'flagstaff_rate_limited_total'];
    expect(missingSeries(SCRAPE, documented)).toEqual(['flagstaff_rate_limited_total']);
    // A HELP/TYPE line without a sample is not a series present.
    expect(missingSeries('# TYPE flagstaff_rate_limited_total counter\n', ['flagstaff_rate_limited_total'])).toEqual(['flagstaff_rate_limited_total']);
  });
});
