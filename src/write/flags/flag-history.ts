import type { EventStore, StoredEvent } from '../../event-store/event-store.ts';
import { streamId } from '../../shared/domain-event.ts';
import { FLAG_CATEGORY, type FlagEvent } from '../../shared/flag-events.ts';
import { foldVersioned, type Versioned } from '../../shared/versioned.ts';
import { evolveFlag, type Flag } from './flag.ts';

/** A moment in one flag's life: a version of its stream, or whatever it was at a time. */
export type FlagMoment = { readonly version: number } | { readonly time: Date };

interface StreamSnapshots {
  /** Ascending by version; each is the flag exactly as of that version. */
  readonly snapshots: { readonly version: number; readonly recordedAt: number; readonly flag: Versioned<Flag> }[];
  every: number;
}

/**
 * Any version of a flag, at any time, without folding its whole stream each time: snapshots of the folded state
 * are kept every `every` versions while folding, so a read folds at most that many events past the nearest one.
 * Bounded: at most `maxSnapshots` per stream (past that every other one goes and the spacing doubles) and at most
 * `maxStreams` streams, least recently read dropped first. States are immutable, so snapshots share structure.
 */
export class FlagHistory {
  private readonly streams = new Map<string, StreamSnapshots>();
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
    let start: StreamSnapshots['snapshots'][number] | undefined;
    for (let i = entry.snapshots.length - 1; i >= 0 && !start; i--) {
      const snapshot = entry.snapshots[i]!;
      if (within(snapshot.version, snapshot.recordedAt)) start = snapshot;
    }
    const events = await this.store.readStream(streamId(FLAG_CATEGORY, key), {
      fromVersion: (start?.version ?? 0) + 1,
      ...('version' in moment ? { toVersion: moment.version } : { toTime: moment.time }),
    });
    const folded = new Map<string, Versioned<Flag>>();
    if (start) folded.set(key, start.flag);
    for (const event of events) {
      const next = fold(folded, key, event);
      if (event.version % entry.every === 0) this.keep(entry, { version: event.version, recordedAt: event.recordedAt.getTime(), flag: next });
    }
    return folded.get(key);
  }

  /**
   * A version folded elsewhere (the write model folds every flag event anyway): kept as a snapshot when it falls
   * on the spacing, so the first point-in-time read of a long stream starts near its version instead of folding
   * the whole stream. Only streams longer than the spacing ever get an entry.
   */
  observe(key: string, version: number, recordedAt: Date, flag: Versioned<Flag>): void {
    if (version % this.every !== 0) return;
    const entry = this.streams.get(key) ?? this.remember(key);
    if (version % entry.every === 0) this.keep(entry, { version, recordedAt: recordedAt.getTime(), flag });
  }

  private remember(key: string): StreamSnapshots {
    const entry: StreamSnapshots = { snapshots: [], every: this.every };
    this.streams.set(key, entry);
    if (this.streams.size > this.maxStreams) this.streams.delete(this.streams.keys().next().value!);
    return entry;
  }

  private keep(entry: StreamSnapshots, snapshot: StreamSnapshots['snapshots'][number]): void {
    const last = entry.snapshots[entry.snapshots.length - 1];
    if (last && snapshot.version <= last.version) return; // only past the frontier, so they stay in order
    entry.snapshots.push(snapshot);
    if (entry.snapshots.length <= this.maxSnapshots) return;
    entry.every *= 2;
    const kept = entry.snapshots.filter((s) => s.version % entry.every === 0);
    entry.snapshots.splice(0, entry.snapshots.length, ...kept);
  }
}

function fold(folded: Map<string, Versioned<Flag>>, key: string, event: StoredEvent): Versioned<Flag> {
  return foldVersioned(folded, key, event, (state) => evolveFlag(state, event as unknown as FlagEvent));
}
