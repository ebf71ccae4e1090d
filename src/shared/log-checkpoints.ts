import type { EventStore, StoredEvent } from '../event-store/event-store.ts';
import { CheckpointList } from './checkpoint-list.ts';

/** How to fold the global log into a model, and how to keep and resume a model's state cheaply. */
export interface LogFold<Model, Checkpoint> {
  empty(): Model;
  /** A new model from a checkpoint; it must not change the checkpoint (checkpoints are reused). */
  resume(checkpoint: Checkpoint): Model;
  apply(model: Model, events: readonly StoredEvent[]): void;
  /** The model's state as of now, unaffected by what is applied later (structural sharing keeps it cheap). */
  checkpoint(model: Model): Checkpoint;
}

/** A moment of the log: everything up to a global position, or everything the store recorded up to a time. */
export type LogBound = { readonly position: number } | { readonly time: Date };

export interface FoldedModel<Model> {
  readonly model: Model;
  /** Position of the last event folded (0: none). */
  readonly position: number;
  /** When the store recorded that event. */
  readonly recordedAt: Date | undefined;
}

/**
 * A model of the log as of any position or time: fold forward from the nearest checkpoint at or before it.
 * Checkpoints are taken on the way, at most `maxCheckpoints` of them (checkpoint-list.ts), so memory stays bounded
 * whatever the log's length and a query folds at most the spacing beyond its checkpoint. Times work because the
 * store's `recordedAt` never decreases along the global log: "up to time T" is a prefix.
 */
export class LogCheckpoints<Model, State> {
  private readonly checkpoints: CheckpointList<State>;
  private readonly pageSize: number;

  constructor(
    private readonly store: Pick<EventStore, 'readAll'>,
    private readonly fold: LogFold<Model, State>,
    options: { spacing?: number; maxCheckpoints?: number; pageSize?: number } = {},
  ) {
    this.checkpoints = new CheckpointList(options.spacing ?? 1_000, options.maxCheckpoints ?? 32);
    this.pageSize = options.pageSize ?? 1_000;
  }

  /** How many checkpoints are held and how far apart: for tests and for the benchmark's notes. */
  get stats(): { checkpoints: number; spacing: number } {
    return { checkpoints: this.checkpoints.size, spacing: this.checkpoints.spacing };
  }

  async foldTo(bound: LogBound): Promise<FoldedModel<Model>> {
    const within = (position: number, recordedAt: number): boolean =>
      'position' in bound ? position <= bound.position : recordedAt <= bound.time.getTime();
    const start = this.checkpoints.latest(within);
    const model = start ? this.fold.resume(start.state) : this.fold.empty();
    let position = start?.at ?? 0;
    let recordedAt = start?.recordedAt;
    for (;;) {
      if ('position' in bound && position >= bound.position) break;
      const page = await this.store.readAll({ after: position, limit: this.pageSize });
      let end = 0;
      while (end < page.length && within(page[end]!.position, page[end]!.recordedAt.getTime())) end++;
      let chunkStart = 0;
      for (let i = 0; i < end; i++) {
        const event = page[i]!;
        if (this.checkpoints.isDue(event.position)) {
          this.fold.apply(model, page.slice(chunkStart, i + 1));
          chunkStart = i + 1;
          this.checkpoints.keep({ at: event.position, recordedAt: event.recordedAt.getTime(), state: this.fold.checkpoint(model) });
        }
      }
      if (chunkStart < end) this.fold.apply(model, page.slice(chunkStart, end));
      if (end > 0) {
        position = page[end - 1]!.position;
        recordedAt = page[end - 1]!.recordedAt.getTime();
      }
      if (end < page.length || page.length < this.pageSize) break;
    }
    return { model, position, recordedAt: recordedAt === undefined ? undefined : new Date(recordedAt) };
  }
}
