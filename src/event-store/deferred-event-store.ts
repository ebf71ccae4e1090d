import { sleep } from '../shared/sleep.ts';
import { EventStoreUnavailableError, type EventStore, type SubscribeOptions, type Subscription } from './event-store.ts';

/**
 * An event store that may not be reachable yet. Opening is retried in the background with backoff; until it
 * succeeds every call fails with EventStoreUnavailableError (a 503 at the edge) and subscriptions wait. This is
 * what lets Flagstaff start, and serve its last read model, while PostgreSQL is down.
 */
export function deferredEventStore(open: () => Promise<EventStore>, options: { onError?: (error: unknown) => void } = {}): EventStore & { ready: Promise<void> } {
  const abort = new AbortController();
  let inner: EventStore | undefined;
  const ready = (async (): Promise<EventStore> => {
    for (let attempt = 0; ; attempt++) {
      try {
        inner = await open();
        if (abort.signal.aborted) await inner.close();
        return inner;
      } catch (error) {
        if (!(error instanceof EventStoreUnavailableError)) throw error; // misconfiguration: fail loudly
        options.onError?.(error);
        if (abort.signal.aborted) throw error;
        await sleep(Math.min(5_000, 250 * 2 ** Math.min(attempt, 5)), abort.signal);
      }
    }
  })();
  ready.catch(() => {}); // observed through the calls below
  // The port's readiness (EventStore.ready): whoever waits for it sees the failure; unwatched, it is no crash.
  const reachable = ready.then(() => {});
  reachable.catch(() => {});

  const current = (): EventStore => {
    if (!inner) throw new EventStoreUnavailableError('event store not reachable yet');
    return inner;
  };

  return {
    ready: reachable,
    append: (streamId, events, o) => Promise.resolve().then(() => current().append(streamId, events, o)),
    readStream: (streamId, o) => Promise.resolve().then(() => current().readStream(streamId, o)),
    readAll: (o) => Promise.resolve().then(() => current().readAll(o)),
    readAllBackward: (o) => Promise.resolve().then(() => current().readAllBackward(o)),
    headPosition: () => Promise.resolve().then(() => current().headPosition()),
    checkpointStore(name) {
      return {
        load: () => Promise.resolve().then(() => current().checkpointStore(name).load()),
        save: (position) => Promise.resolve().then(() => current().checkpointStore(name).save(position)),
      };
    },
    subscribe(subscribeOptions: SubscribeOptions): Subscription {
      if (inner) return inner.subscribe(subscribeOptions);
      let delegate: Subscription | undefined;
      let stopped = false;
      const started = ready.then((store) => {
        if (!stopped) delegate = store.subscribe(subscribeOptions);
      });
      started.catch((error) => subscribeOptions.onError?.(error));
      return {
        get position() {
          return delegate?.position ?? subscribeOptions.after ?? 0;
        },
        async caughtUp() {
          await started;
          await delegate?.caughtUp();
        },
        async stop() {
          stopped = true;
          await delegate?.stop();
        },
      };
    },
    async close() {
      abort.abort();
      await inner?.close();
    },
  };
}
