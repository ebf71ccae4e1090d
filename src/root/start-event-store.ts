import type { EventStore } from '../event-store/event-store.ts';
import { instrumentedEventStore } from '../observability/instrumented-event-store.ts';
import { openEventStore } from './adapters.ts';
import type { Config } from './config.ts';
import type { Observability } from './start-observability.ts';

export interface EventStorePart {
  /** The store every part uses, its appends timed, traced and their conflicts counted. */
  readonly store: EventStore;
  /** Settles once the store is reachable: at once for an embedded one, later for a server waited for in the background. */
  readonly reachable: Promise<void>;
  stop(): Promise<void>;
}

/** The event store: the one given (tests) or the configured one. Closed next to last, after everything that writes to it. */
export async function startEventStore(config: Config['eventStore'], given: EventStore | undefined, { logger, metrics, tracing }: Observability): Promise<EventStorePart> {
  const opened = given ?? (await openEventStore(config, (error) => logger.warn({ err: error.message }, 'event store not reachable; retrying')));
  const store = instrumentedEventStore(opened, metrics, tracing.tracer);
  // A store opened in the background says so (EventStore.ready) and logs its own retries.
  return { store, reachable: store.ready ?? Promise.resolve(), stop: () => store.close() };
}
