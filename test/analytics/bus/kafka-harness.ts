import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createKafkaBus, type KafkaBus, type KafkaBusOptions } from '../../../src/analytics/bus/kafka-bus.ts';
import { retryUntilServed } from '../../../src/analytics/bus/topic-readiness.ts';
import type { BusHarness } from './event-bus-contract.ts';

export const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

/** A bus on topics of its own (a fresh prefix), and a cleanup that deletes them and the groups it handed out. */
export async function openKafkaHarness(overrides: Partial<KafkaBusOptions> = {}): Promise<BusHarness & { bus: KafkaBus; prefix: string }> {
  const prefix = `test-${randomUUID().slice(0, 8)}.`;
  const bus = createKafkaBus({
    brokers,
    topicPrefix: prefix,
    partitions: 3,
    logLevel: 'nothing',
    redelivery: { initialMs: 20, maxMs: 200 },
    publishTimeoutMs: 20_000,
    ...overrides,
  });
  await bus.start();
  const groups: string[] = [];
  return {
    bus,
    prefix,
    group: (name) => {
      const groupId = `${prefix}${name}`;
      groups.push(groupId);
      return groupId;
    },
    cleanup: async () => {
      const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        if (groups.length > 0) await admin.deleteGroups(groups).catch(() => {});
        await retryUntilServed(() => admin.deleteTopics({ topics: Object.values(bus.topicNames) }));
      } finally {
        await admin.disconnect();
      }
    },
  };
}

