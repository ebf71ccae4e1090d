import type { StoredEvent } from '../event-store/event-store.ts';

/** An aggregate's state with the stream facts the API needs: version (the ETag), and who touched it when. */
export interface Versioned<T> {
  readonly state: T;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly updatedBy: string;
}

/** Folds one stored event into the versioned state kept under `id`. */
export function foldVersioned<T>(map: Map<string, Versioned<T>>, id: string, event: StoredEvent, evolve: (state: T | undefined) => T): Versioned<T> {
  const previous = map.get(id);
  const next: Versioned<T> = {
    state: evolve(previous?.state),
    version: event.version,
    createdAt: previous?.createdAt ?? event.recordedAt,
    updatedAt: event.recordedAt,
    updatedBy: String((event.metadata as { actor?: unknown }).actor ?? 'unknown'),
  };
  map.set(id, next);
  return next;
}
