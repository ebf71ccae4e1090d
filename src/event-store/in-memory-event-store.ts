import { ChangeBroadcast, startCatchUpSubscription } from './catch-up-subscription.ts';
import {
  VersionConflictError,
  checkExpectedVersion,
  isExpectedVersionMet,
  type CheckpointStore,
  type EventStore,
  type NewEvent,
  type StoredEvent,
} from './event-store.ts';

/**
 * A fake for unit tests: the whole contract in a few arrays, passing the same suite as the real adapters.
 * `now` is injectable so tests can move time.
 */
export function createInMemoryEventStore(options: { now?: () => Date } = {}): EventStore {
  const now = options.now ?? (() => new Date());
  const log: StoredEvent[] = [];
  const streams = new Map<string, StoredEvent[]>();
  const checkpoints = new Map<string, number>();
  const changes = new ChangeBroadcast();
  let lastRecordedAt = 0;

  const clone = <T>(value: T): T => structuredClone(value);

  const store: EventStore = {
    async append(streamId, events: readonly NewEvent[], { expectedVersion }) {
      if (events.length === 0) throw new Error('append needs at least one event');
      checkExpectedVersion(expectedVersion);
      const stream = streams.get(streamId) ?? [];
      if (!isExpectedVersionMet(expectedVersion, stream.length)) {
        throw new VersionConflictError(streamId, expectedVersion, stream.length);
      }
      lastRecordedAt = Math.max(lastRecordedAt, now().getTime());
      for (const event of events) {
        const stored: StoredEvent = {
          streamId,
          version: stream.length + 1,
          position: log.length + 1,
          type: event.type,
          data: clone(event.data),
          metadata: clone(event.metadata ?? {}),
          recordedAt: new Date(lastRecordedAt),
        };
        stream.push(stored);
        log.push(stored);
      }
      streams.set(streamId, stream);
      changes.emit();
      return { nextExpectedVersion: stream.length, position: log.length };
    },
    async readStream(streamId, { fromVersion = 1, toVersion, toTime } = {}) {
      return (streams.get(streamId) ?? [])
        .filter(
          (e) =>
            e.version >= fromVersion &&
            (toVersion === undefined || e.version <= toVersion) &&
            (toTime === undefined || e.recordedAt.getTime() <= toTime.getTime()),
        )
        .map(clone);
    },
    async readAll({ after = 0, limit = 1_000 } = {}) {
      return log.slice(after, after + limit).map(clone);
    },
    async readAllBackward({ before, limit = 1_000 } = {}) {
      const end = Math.min(before === undefined ? log.length : before - 1, log.length);
      return log.slice(Math.max(0, end - limit), Math.max(0, end)).reverse().map(clone);
    },
    async headPosition() {
      return log.length;
    },
    subscribe(options) {
      return startCatchUpSubscription(
        { readAll: (o) => store.readAll(o), headPosition: () => store.headPosition(), onChange: (l) => changes.on(l) },
        options,
      );
    },
    checkpointStore(name): CheckpointStore {
      return {
        load: async () => checkpoints.get(name),
        save: async (position) => void checkpoints.set(name, position),
      };
    },
    async close() {},
  };
  return store;
}
