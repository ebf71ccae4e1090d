import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { BusUnavailableError } from '../../../src/analytics/bus/bus-errors.ts';
import { createKafkaBus, PACKED_HEADER } from '../../../src/analytics/bus/kafka-bus.ts';
import type { ConsumedMessage } from '../../../src/shared/event-bus.ts';
import { eventBusContract } from './event-bus-contract.ts';
import { brokers, openKafkaHarness } from './kafka-harness.ts';

eventBusContract('kafka', () => openKafkaHarness(), { deliveryTimeoutMs: 30_000, manyMessages: 20_000, quietMs: 1_000 });

describe('kafka bus', () => {
  it('creates its three topics with the requested partitions', async () => {
    const harness = await openKafkaHarness({ partitions: 2 });
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [`${harness.prefix}exposures`, `${harness.prefix}metrics`, `${harness.prefix}dead-letters`] });
      expect(topics.map((t) => [t.name, t.partitions.length]).sort()).toEqual([
        [`${harness.prefix}dead-letters`, 2],
        [`${harness.prefix}exposures`, 2],
        [`${harness.prefix}metrics`, 2],
      ]);
    } finally {
      await admin.disconnect();
      await harness.bus.close();
      await harness.cleanup?.();
    }
  });

  it('keeps a batch that outlasts the session timeout, by heartbeating, and delivers it once', async () => {
    // 6 s is the broker's smallest allowed session; the first batch takes 7.5 s.
    const harness = await openKafkaHarness({ sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000, partitions: 1 });
    const received: ConsumedMessage[] = [];
    try {
      await harness.bus.publish('exposures', [{ key: 'k', value: 'slow' }]);
      let calls = 0;
      const subscription = await harness.bus.subscribe({
        groupId: harness.group('slow'),
        topics: ['exposures'],
        onBatch: async (batch) => {
          if (calls++ === 0) await new Promise((resolve) => setTimeout(resolve, 7_500));
          received.push(...batch);
        },
      });
      await harness.bus.publish('exposures', [{ key: 'k', value: 'after' }]);
      const deadline = Date.now() + 30_000;
      while (received.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise((resolve) => setTimeout(resolve, 500));
      await subscription.stop();
      expect(received.map((m) => m.value)).toEqual(['slow', 'after']);
    } finally {
      await harness.bus.close();
      await harness.cleanup?.();
    }
  });

  it('rejects a publish with BusUnavailableError when no broker answers, within its timeout', async () => {
    const bus = createKafkaBus({ brokers: ['127.0.0.1:1'], logLevel: 'nothing', publishTimeoutMs: 1_500 });
    const refused = bus.publish('exposures', [{ key: 'k', value: 'v' }]);
    await expect(refused).rejects.toBeInstanceOf(BusUnavailableError);
    // Its own timeout, not kafkajs giving up after its retries (seconds later) nor the 10 s default.
    await expect(refused).rejects.toThrow('did not acknowledge within 1500 ms');
    await bus.close();
    await expect(bus.publish('exposures', [{ key: 'k', value: 'v' }])).rejects.toBeInstanceOf(BusUnavailableError);
  });

  it('publishes more than one broker request holds (chunks), in order', async () => {
    const harness = await openKafkaHarness({ partitions: 1 });
    try {
      const big = 'x'.repeat(10_000);
      const published = Array.from({ length: 300 }, (_, n) => ({ key: 'same', value: `${n}:${big}` })); // about 3 MB
      await harness.bus.publish('metrics', published);
      const received: ConsumedMessage[] = [];
      const subscription = await harness.bus.subscribe({ groupId: harness.group('big'), topics: ['metrics'], onBatch: async (b) => void received.push(...b) });
      const deadline = Date.now() + 30_000;
      while (received.length < 300 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      await subscription.stop();
      expect(received.map((m) => Number(m.value.split(':')[0]))).toEqual(published.map((_, n) => n));
    } finally {
      await harness.bus.close();
      await harness.cleanup?.();
    }
  });

  it('packs messages without headers many to a Kafka record, and unpacks them with their keys', async () => {
    const harness = await openKafkaHarness();
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const published = Array.from({ length: 5_000 }, (_, n) => ({ key: `unit-${n % 50}`, value: JSON.stringify({ n, pad: 'x'.repeat(100) }) }));
      await harness.bus.publish('exposures', published);
      const offsets = await admin.fetchTopicOffsets(harness.bus.topicNames.exposures);
      const records = offsets.reduce((sum, p) => sum + Number(p.high), 0);
      expect(records).toBeGreaterThan(1);
      expect(records).toBeLessThan(50);

      const received: ConsumedMessage[] = [];
      const subscription = await harness.bus.subscribe({ groupId: harness.group('packed'), topics: ['exposures'], onBatch: async (b) => void received.push(...b) });
      const deadline = Date.now() + 30_000;
      while (received.length < published.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      await subscription.stop();
      expect(received).toHaveLength(published.length);
      expect(received.map((m) => [m.key, m.value]).sort()).toEqual(published.map((m) => [m.key, m.value]).sort());
      for (const message of received) expect(message.index).toBeGreaterThanOrEqual(0);
    } finally {
      await admin.disconnect();
      await harness.bus.close();
      await harness.cleanup?.();
    }
  });

  it('delivers a record that only claims to be packed as it is, and goes on', async () => {
    const harness = await openKafkaHarness({ partitions: 1 });
    const producer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    try {
      await producer.send({
        topic: harness.bus.topicNames.metrics,
        messages: [
          { key: 'a', value: 'one\ntwo', headers: { [PACKED_HEADER]: '["a"]' } },
          { key: 'b', value: 'three', headers: { [PACKED_HEADER]: 'not json' } },
        ],
      });
      await harness.bus.publish('metrics', [{ key: 'c', value: 'four' }]);
      const received: ConsumedMessage[] = [];
      const subscription = await harness.bus.subscribe({ groupId: harness.group('forged'), topics: ['metrics'], onBatch: async (b) => void received.push(...b) });
      const deadline = Date.now() + 30_000;
      while (received.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      await subscription.stop();
      expect(received.map((m) => [m.key, m.value])).toEqual([
        ['a', 'one\ntwo'],
        ['b', 'three'],
        ['c', 'four'],
      ]);
    } finally {
      await producer.disconnect();
      await harness.bus.close();
      await harness.cleanup?.();
    }
  });
});
