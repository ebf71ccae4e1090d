import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BusUnavailableError } from '../../../src/analytics/bus/bus-errors.ts';
import { startAnalyticsSink } from '../../../src/analytics/sink/sink.ts';
import type { BusMessage } from '../../../src/shared/event-bus.ts';
import { eventually } from '../../support/eventually.ts';
import { openKafkaHarness } from '../bus/kafka-harness.ts';
import { createInMemoryAnalyticsStore } from './in-memory-analytics-store.ts';
import { exposure, metric } from './tracked-event-fixtures.ts';

// At-least-once into an idempotent sink: stop the broker mid-stream and start it again; every event a publisher got an
// acknowledgement for is counted exactly once. It stops the machine's only broker, so this file must not run
// beside other Kafka tests: it is a *.fault.e2e.test.ts, which the vitest config runs alone, after the rest.

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const infra = (script: 'start' | 'stop'): Promise<unknown> =>
  promisify(execFile)('bash', [`infra/kafka/${script}.sh`], { cwd: repo, timeout: 150_000 });
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const TOTAL = 3_000;
const PER_PUBLISH = 50;

describe('analytics sink through a Kafka broker restart', () => {
  it('counts every acknowledged event exactly once after the broker comes back', async () => {
    // Publishes give up after 2 s, well inside the 3 s the broker stays down, so the outage is seen. A consumer
    // that kafkajs restarts after the outage rejoins as a new member, and the broker waits for the old member's
    // session to expire before it hands out the partitions: a 10 s session keeps that wait short.
    const harness = await openKafkaHarness({ publishTimeoutMs: 2_000, stopTimeoutMs: 5_000, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000 });
    const { bus } = harness;
    const store = createInMemoryAnalyticsStore();
    const sinkErrors: unknown[] = [];
    const publishFailures: unknown[] = [];
    const acknowledged = new Set<string>();
    let sink: Awaited<ReturnType<typeof startAnalyticsSink>> | undefined;
    try {
      sink = await startAnalyticsSink({ bus, store, groupId: harness.group('sink'), onError: (e) => sinkErrors.push(e) });

      // What the ingest API does: retry a publish until the bus acknowledges it; only then is the event "accepted".
      const publisher = (async () => {
        for (let n = 0; n < TOTAL; n += PER_PUBLISH) {
          const ids = Array.from({ length: PER_PUBLISH }, (_, i) => n + i);
          const topic = (n / PER_PUBLISH) % 2 === 0 ? 'exposures' : 'metrics';
          const messages: BusMessage[] = ids.map((id) => {
            const event = topic === 'exposures' ? exposure(`e-${id}`) : metric(`m-${id}`);
            return { key: String(event.unitId), value: JSON.stringify(event) };
          });
          for (;;) {
            try {
              await bus.publish(topic, messages);
              break;
            } catch (error) {
              publishFailures.push(error);
              await pause(250);
            }
          }
          for (const id of ids) acknowledged.add(topic === 'exposures' ? `e-${id}` : `m-${id}`);
          await pause(25);
        }
      })();

      await eventually(async () => expect(acknowledged.size).toBeGreaterThanOrEqual(TOTAL / 4), 30_000);
      await infra('stop');
      await pause(3_000);
      await infra('start');
      await publisher;

      expect(acknowledged.size).toBe(TOTAL);
      expect(publishFailures.length).toBeGreaterThan(0);
      expect(publishFailures.every((error) => error instanceof BusUnavailableError)).toBe(true);
      await eventually(async () => expect(await store.eventCounts()).toEqual({ exposures: TOTAL / 2, metricEvents: TOTAL / 2 }), 90_000, 250);
      await pause(1_000);
      expect(await store.eventCounts()).toEqual({ exposures: TOTAL / 2, metricEvents: TOTAL / 2 });
      expect(new Set([...store.exposures.keys(), ...store.metricEvents.keys()])).toEqual(acknowledged);
    } finally {
      // Whatever happened above, the broker is running again for whatever comes next.
      await infra('start');
      await sink?.stop();
      await bus.close();
      await harness.cleanup?.();
    }
  }, 240_000);
});
