import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { deferredEventStore } from '../../src/event-store/deferred-event-store.ts';
import { EventStoreUnavailableError } from '../../src/event-store/event-store.ts';
import { createInMemoryEventStore } from '../../src/event-store/in-memory-event-store.ts';
import { instrumentedEventStore } from '../../src/observability/instrumented-event-store.ts';
import { Metrics } from '../../src/observability/metrics.ts';

const event = { type: 'Tested', data: {} };

describe('an event store says when it is ready', () => {
  it('a store opened in the background is ready once it could be opened, and serves from then on', async () => {
    let attempts = 0;
    const store = deferredEventStore(async () => {
      attempts++;
      if (attempts === 1) throw new EventStoreUnavailableError('not yet');
      return createInMemoryEventStore();
    });
    await expect(store.ready).resolves.toBeUndefined();
    expect(attempts).toBe(2);
    await expect(store.append('s-1', [event], { expectedVersion: 'no_stream' })).resolves.toMatchObject({ nextExpectedVersion: 1 });
    await store.close();
  });

  it('a store that can never be opened (a misconfiguration) is never ready, and says why', async () => {
    const store = deferredEventStore(async () => {
      throw new Error('password authentication failed');
    });
    await expect(store.ready).rejects.toThrow('password authentication failed');
    await store.close();
  });

  it('a store handed over ready declares no readiness to wait for', () => {
    expect(createInMemoryEventStore().ready).toBeUndefined();
  });

  it('instrumenting a store keeps its readiness', () => {
    const metrics = new Metrics({ beforeScrape: () => {}, projectionLag: async () => 0, sseConnections: () => 0 });
    const deferred = deferredEventStore(async () => createInMemoryEventStore());
    expect(instrumentedEventStore(deferred, metrics, trace.getTracer('test')).ready).toBe(deferred.ready);
    expect(instrumentedEventStore(createInMemoryEventStore(), metrics, trace.getTracer('test')).ready).toBeUndefined();
  });
});
