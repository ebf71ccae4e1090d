import { VersionConflictError, type EventStore } from '../event-store/event-store.ts';
import type { Tracer } from '@opentelemetry/api';
import type { Metrics } from './metrics.ts';
import { inSpan } from './tracing.ts';

/**
 * The store with its appends timed, traced (a child span of the request that caused them) and their
 * optimistic-concurrency conflicts counted; everything else (readiness included) passes through.
 */
export function instrumentedEventStore(store: EventStore, metrics: Metrics, tracer: Tracer): EventStore {
  return {
    append: (streamId, events, options) => inSpan(tracer, 'eventstore.append', { 'flagstaff.stream': streamId, 'flagstaff.events': events.length }, () => timedAppend(streamId, events, options)),
    readStream: (streamId, options) => store.readStream(streamId, options),
    readAll: (options) => store.readAll(options),
    readAllBackward: (options) => store.readAllBackward(options),
    headPosition: () => store.headPosition(),
    subscribe: (options) => store.subscribe(options),
    checkpointStore: (name) => store.checkpointStore(name),
    ready: store.ready,
    close: () => store.close(),
  };

  async function timedAppend(...[streamId, events, options]: Parameters<EventStore['append']>): ReturnType<EventStore['append']> {
      const started = performance.now();
      try {
        const result = await store.append(streamId, events, options);
        metrics.appendDuration.observe({ outcome: 'ok' }, (performance.now() - started) / 1000);
        return result;
      } catch (error) {
        const conflict = error instanceof VersionConflictError;
        if (conflict) metrics.appendConflicts.inc();
        metrics.appendDuration.observe({ outcome: conflict ? 'conflict' : 'error' }, (performance.now() - started) / 1000);
        throw error;
      }
  }
}
