import { createInMemoryBus } from '../../../src/analytics/bus/in-memory-bus.ts';
import { busOutcomesContract, MAX_ATTEMPTS } from './bus-outcomes-contract.ts';

busOutcomesContract(
  'in-memory',
  async () => ({ bus: createInMemoryBus({ redelivery: { initialMs: 1, maxMs: 5, maxAttempts: MAX_ATTEMPTS } }), group: (name) => name }),
  { quietMs: 20 },
);
