import type { EventStore, StoredEvent } from '../../event-store/event-store.ts';
import { streamId } from '../../shared/domain-event.ts';
import { FLAG_CATEGORY, type FlagEvent } from '../../shared/flag-events.ts';
import { CheckpointList } from '../../shared/checkpoint-list.ts';
import { foldVersioned, type Versioned } from '../../shared/versioned.ts';
import { evolveFlag, type Flag } from '../../shared/flag-evolution.ts';

/** A moment in one flag's life: a version of its stream, or whatever it was at a time. */
export type FlagMoment = { readonly version: number } | { readonly time: Date };

/**
 * Any version of a flag, at any time, without folding its whole stream each time: snapshots of the folded state
 * are kept every `every` versions while folding, so a read folds at most that many events past the nearest one.
 * Bounded: at most `maxSnapshots` per stream (checkpoint-list.ts) and at most `maxStreams` streams, least recently
 * read dropped first. States are immutable, so snapshots share structure.
 */
export class FlagHistory {
  private readonly streams = new Map<string, CheckpointList<Versioned<Flag>>>();
  private readonly every: number;
  private readonly maxSnapshots: number;
  private readonly maxStreams: number;

  constructor(
    private readonly store: Pick<EventStore, 'readStream'>,
    options: { every?: number; maxSnapshots?: number; maxStreams?: number } = {},
  ) {
    this.every = options.every ?? 100;
    this.maxSnapshots = options.maxSnapshots ?? 64;
    this.maxStreams = options.maxStreams ?? 1_000;
  }

  /** The flag as of that moment, or undefined if it did not exist yet. */
  async at(key: string, moment: FlagMoment): Promise<Versioned<Flag> | undefined> {
    const cached = this.streams.get(key);
    if (cached) {
      this.streams.delete(key); // re-insert: most recently used
      this.streams.set(key, cached);
    }
    const entry = cached ?? this.remember(key);
    const within = (version: number, recordedAt: number): boolean =>
      'version' in moment ? version <= moment.version : recordedAt <= moment.time.getTime();
    const start = entry.latest(within);
    const events = await this.store.readStream(streamId(FLAG_CATEGORY, key), {
      fromVersion: (start?.at ?? 0) + 1,
      ...('version' in moment ? { toVersion: moment.version } : { toTime: moment.time }),
    });
    const folded = new Map<string, Versioned<Flag>>();
    if (start) folded.set(key, start.state);
    for (const event of events) {
      const next = fold(folded, key, event);
      if (entry.isDue(event.version)) entry.keep({ at: event.version, recordedAt: event.recordedAt.getTime(), state: next });
    }
    return folded.get(key);
  }

  /**
   * A version folded elsewhere (the write model folds every flag event anyway): kept as a snapshot when it falls
   * on the spacing, so the first point-in-time read of a long stream starts near its version instead of folding
   * the whole stream. Only streams longer than the spacing ever get an entry.
   */
  observe(key: string, version: number, recordedAt: Date, flag: Versioned<Flag>): void {
    if (version < this.every) return;
    const entry = this.streams.get(key) ?? this.remember(key);
    if (entry.isDue(version)) entry.keep({ at: version, recordedAt: recordedAt.getTime(), state: flag });
  }

  private remember(key: string): CheckpointList<Versioned<Flag>> {
    const entry = new CheckpointList<Versioned<Flag>>(this.every, this.maxSnapshots);
    this.streams.set(key, entry);
    if (this.streams.size > this.maxStreams) this.streams.delete(this.streams.keys().next().value!);
    return entry;
  }
}

function fold(folded: Map<string, Versioned<Flag>>, key: string, event: StoredEvent): Versioned<Flag> {
  return foldVersioned(folded, key, event, (state) => evolveFlag(state, event as unknown as FlagEvent));
}
