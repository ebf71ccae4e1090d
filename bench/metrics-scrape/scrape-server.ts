import kafkajs from 'kafkajs';

/**
 * bench/read-api/flagstaff-server.ts (Flagstaff as `npm start` runs it, seeded, on the bus and analytics store the
 * environment selects), counting the Kafka admin clients this process opens: every consumer-lag reading opens
 * one (src/analytics/bus/kafka-bus.ts), so the count across a series of scrapes says whether a scrape asks the
 * brokers anything. Counted at kafkajs rather than by handing Flagstaff a wrapped bus, because a bus handed in
 * keeps the analytics sink on the main thread, and the scrapes are to be measured as deployed (sink on its own
 * thread, whose own kafkajs is not counted: it consumes, it never reads the lag).
 *
 * Answers `{ type: 'kafka-admins' }` on its IPC channel with `{ type: 'kafka-admins', count }`.
 */
export interface KafkaAdmins {
  type: 'kafka-admins';
  count: number;
}

let count = 0;
const admin = kafkajs.Kafka.prototype.admin;
kafkajs.Kafka.prototype.admin = function countedAdmin(this: kafkajs.Kafka, ...args: Parameters<kafkajs.Kafka['admin']>) {
  count++;
  return admin.apply(this, args);
};

process.on('message', (message: { type?: string }) => {
  if (message.type === 'kafka-admins') process.send?.({ type: 'kafka-admins', count } satisfies KafkaAdmins);
});

// After the patch: the server, and the Kafka bus it imports on demand, use the patched class.
await import('../read-api/flagstaff-server.ts');
