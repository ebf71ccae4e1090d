import { busOutcomesContract, MAX_ATTEMPTS } from './bus-outcomes-contract.ts';
import { openKafkaHarness } from './kafka-harness.ts';

busOutcomesContract('kafka', () => openKafkaHarness({ partitions: 1, redelivery: { initialMs: 20, maxMs: 200, maxAttempts: MAX_ATTEMPTS } }), { quietMs: 1_000 });
