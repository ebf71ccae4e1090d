import { describe, expect, it } from 'vitest';
import { kafkaRecords, PACKED_HEADER } from '../../../src/analytics/bus/kafka-bus.ts';
import type { BusMessage } from '../../../src/shared/event-bus.ts';

const unpack = (value: string, keysHeader: string): [string, string][] => {
  const keys = JSON.parse(keysHeader) as string[];
  return value.split('\n').map((line, i) => [keys[i]!, line]);
};

describe('kafkaRecords (how the Kafka bus packs a publish)', () => {
  it('packs messages without headers by key bucket, keeping each key in one record key and in order', () => {
    const messages: BusMessage[] = Array.from({ length: 3_000 }, (_, n) => ({ key: `unit-${n % 40}`, value: JSON.stringify({ n }) }));
    const records = [...kafkaRecords(messages, 3)].map((r) => r.message);
    expect(records.length).toBeLessThanOrEqual(3 * 2);
    const recordKeyOf = new Map<string, string>();
    const unpacked: [string, string][] = [];
    for (const record of records) {
      const header = record.headers?.[PACKED_HEADER] as string;
      for (const [key, value] of unpack(record.value as string, header)) {
        expect(recordKeyOf.get(key) ?? record.key).toBe(record.key);
        recordKeyOf.set(key, record.key as string);
        unpacked.push([key, value]);
      }
    }
    expect(unpacked.sort()).toEqual(messages.map((m) => [m.key, m.value] as [string, string]).sort());
    // Within one key, publish order survives.
    for (let k = 0; k < 40; k++) {
      const ns = records
        .flatMap((r) => unpack(r.value as string, r.headers?.[PACKED_HEADER] as string))
        .filter(([key]) => key === `unit-${k}`)
        .map(([, value]) => (JSON.parse(value) as { n: number }).n);
      expect(ns).toEqual(ns.toSorted((a, b) => a - b));
    }
  });

  it('keeps packed records small enough for the broker', () => {
    const messages: BusMessage[] = Array.from({ length: 10_000 }, (_, n) => ({ key: 'same', value: `${n}:${'x'.repeat(150)}` }));
    const records = [...kafkaRecords(messages, 3)];
    expect(records.length).toBeGreaterThan(5);
    for (const record of records) expect(Buffer.byteLength(record.message.value as string)).toBeLessThanOrEqual(192 * 1024);
    expect(records.flatMap((r) => (r.message.value as string).split('\n'))).toEqual(messages.map((m) => m.value));
  });

  it('sends messages with headers, and values holding a newline, alone and unchanged', () => {
    const messages: BusMessage[] = [
      { key: 'a', value: '1' },
      { key: 'b', value: 'dead', headers: { 'x-dead-letter-reason': 'bad' } },
      { key: 'c', value: 'two\nlines' },
    ];
    const records = [...kafkaRecords(messages, 3)].map((r) => r.message);
    expect(records).toContainEqual({ key: 'b', value: 'dead', headers: { 'x-dead-letter-reason': 'bad' } });
    expect(records).toContainEqual({ key: 'c', value: 'two\nlines' });
    expect(records.filter((r) => r.headers?.[PACKED_HEADER] !== undefined)).toHaveLength(1);
  });
});
