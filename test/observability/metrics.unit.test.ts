import { describe, expect, it } from 'vitest';
import type { Reading } from '../../src/observability/background-reading.ts';
import { Metrics } from '../../src/observability/metrics.ts';

const hooks = { beforeScrape: () => {}, projectionLag: async () => 0, sseConnections: () => 0 };

describe('Metrics', () => {
  it('gives at most maxFlagSeries flags a series of their own, the rest count under (other)', async () => {
    const metrics = new Metrics({ ...hooks, maxFlagSeries: 2 });
    const count = (flagKey: string, n: number) => ({ environment: 'production', flagKey, variant: 'on', reason: 'DEFAULT', count: n });
    metrics.countEvaluations([count('a', 1), count('b', 2), count('c', 3), count('d', 4)]);
    metrics.countEvaluations([count('a', 10), count('c', 30)]);
    // The series declared at start (flag="") are no flag's.
    const values = (await metrics.evaluations.get()).values.filter((v) => v.labels.flag !== '').map((v) => [v.labels.flag, v.value]);
    expect(values.sort()).toEqual([
      ['(other)', 37],
      ['a', 11],
      ['b', 2],
    ]);
  });

  it('declares every series at zero from the start: each value of a closed label set, open ones left empty', async () => {
    const text = await new Metrics(hooks).registry.metrics();
    const zeros = [
      'flagstaff_evaluations_total{flag="",environment="",variant="",reason="ERROR"} 0',
      'flagstaff_evaluations_total{flag="",environment="",variant="",reason="TARGETING_MATCH"} 0',
      'flagstaff_evaluation_duration_seconds_count{route="batch"} 0',
      'flagstaff_http_request_duration_seconds_count{api="read",method="",route="",status=""} 0',
      'flagstaff_http_request_duration_seconds_count{api="admin",method="",route="",status=""} 0',
      'flagstaff_ingest_events_total{outcome="accepted"} 0',
      'flagstaff_ingest_events_total{outcome="rejected"} 0',
      'flagstaff_pipeline_batch_size_count{outcome="dead-letter"} 0',
      'flagstaff_pipeline_batch_duration_seconds_count{outcome="retry"} 0',
      'flagstaff_pipeline_records_total{kind="exposure"} 0',
      'flagstaff_pipeline_records_total{kind="dead-letter"} 0',
      'flagstaff_pipeline_consumer_lag_messages 0',
      'flagstaff_pipeline_consumer_lag_read_timestamp_seconds 0',
      'flagstaff_event_store_append_duration_seconds_count{outcome="conflict"} 0',
      'flagstaff_event_store_append_conflicts_total 0',
      'flagstaff_http_precondition_failed_total 0',
      'flagstaff_rate_limited_total{api="read"} 0',
      'flagstaff_rate_limited_total{api="admin"} 0',
    ];
    const lines = new Set(text.split('\n'));
    expect(zeros.filter((line) => !lines.has(line))).toEqual([]);
    // A dead-lettered batch took no attempt: it never has a duration, so none is declared.
    expect(text).not.toContain('flagstaff_pipeline_batch_duration_seconds_count{outcome="dead-letter"}');
  });

  it('reports the consumer lag and when it was read from the last reading it is handed, without reading anything', async () => {
    const reading: Reading = { value: 1_234, readAt: 1_765_000_000_500 };
    let asked = 0;
    const metrics = new Metrics({ ...hooks, consumerLag: () => (asked++, reading) });
    const text = await metrics.registry.metrics();
    expect(text).toContain('\nflagstaff_pipeline_consumer_lag_messages 1234\n');
    expect(text).toContain('\nflagstaff_pipeline_consumer_lag_read_timestamp_seconds 1765000000.5\n');
    expect(asked).toBe(2); // one look per gauge, at memory
  });
});
