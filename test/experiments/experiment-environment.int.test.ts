import { afterAll, beforeAll, describe, it } from 'vitest';
import { createInMemoryBus } from '../../src/analytics/bus/in-memory-bus.ts';
import type { EventBus } from '../../src/shared/event-bus.ts';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';
import { crossEnvironmentScenario } from './cross-environment-scenario.ts';

let server: TestServer;
let bus: EventBus;
let published = 0;

beforeAll(async () => {
  bus = createInMemoryBus();
  await bus.subscribe({ groupId: 'test-observer', topics: ['exposures', 'metrics'], onBatch: async (messages) => void (published += messages.length) });
  server = await startTestServer({ bus });
});
afterAll(async () => {
  await server.close();
  await bus.close();
});

describe("experiment data belongs to the sending key's environment (embedded: in-process bus, DuckDB)", () => {
  it("refuses another environment's claim on a production experiment, stores the rest under the key's environment, and production's results do not move", async () => {
    await crossEnvironmentScenario(server, 'envdata', () => published);
  });
});
