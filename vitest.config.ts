import { defineConfig } from 'vitest/config';

// Three kinds of test, told apart by suffix: pure unit tests, integration tests against the real HTTP app on
// embedded stores, and end-to-end tests against the real PostgreSQL, Kafka and ClickHouse. Timeouts only catch a
// hang: they are far above what any test takes, so a loaded two-core machine does not fail a test that is slow.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['**/*.unit.test.ts'], exclude: ['node_modules/**', '.stryker-tmp/**'], testTimeout: 60_000 } },
      { test: { name: 'int', include: ['**/*.int.test.ts'], exclude: ['node_modules/**', '.stryker-tmp/**'], testTimeout: 180_000, hookTimeout: 180_000 } },
      {
        test: {
          name: 'e2e',
          include: ['**/*.e2e.test.ts'],
          exclude: ['node_modules/**', '.stryker-tmp/**', '**/*.fault.e2e.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      // Tests that stop and restart a shared service (the one Kafka broker, ClickHouse): one file at a time,
      // after every other project has finished, so no other test sees the outage.
      {
        test: {
          name: 'fault',
          include: ['**/*.fault.e2e.test.ts'],
          exclude: ['node_modules/**', '.stryker-tmp/**'],
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
