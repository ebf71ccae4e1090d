import { describe, expect, it } from 'vitest';
import { busGroupId, sinkMayRunOnItsOwnThread } from '../../src/root/adapters.ts';
import type { Config } from '../../src/root/config.ts';

const kafka: Config['bus'] = { kind: 'kafka', brokers: ['127.0.0.1:9092'], topicPrefix: 'staging.' };
const memory: Config['bus'] = { kind: 'memory' };
const clickhouse: Config['analytics'] = { kind: 'clickhouse', url: 'http://127.0.0.1:8123', database: 'flagstaff' };
const duckdb: Config['analytics'] = { kind: 'duckdb', path: '/nonexistent/flagstaff.duckdb' };

describe('what the adapters declare', () => {
  it('lets the sink run on its own thread only when both the bus and the analytics store are servers another thread can reach', () => {
    expect(sinkMayRunOnItsOwnThread(kafka, clickhouse)).toBe(true);
    expect(sinkMayRunOnItsOwnThread(kafka, duckdb)).toBe(false);
    expect(sinkMayRunOnItsOwnThread(memory, clickhouse)).toBe(false);
    expect(sinkMayRunOnItsOwnThread(memory, duckdb)).toBe(false);
  });

  it('names consumer groups on Kafka after the topic prefix, so deployments sharing a broker stay apart', () => {
    expect(busGroupId(kafka, 'analytics-sink')).toBe('staging.analytics-sink');
    expect(busGroupId(memory, 'analytics-sink')).toBe('flagstaff-analytics-sink');
  });
});
