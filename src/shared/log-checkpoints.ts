import type { EventStore, StoredEvent } from '../event-store/event-store.ts';

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

interface Checkpoint<State> {
  readonly position: number;
  readonly recordedAt: number;
  readonly state: State;
}

/**
 * A model of the log as of any position or time: fold forward from the nearest checkpoint at or before it.
 * Checkpoints are taken on the way (once the log is `spacing` positions past the last one, so they stay in order), and
 * there are never more than `maxCheckpoints`: past that, every other one is dropped and the spacing doubles. So
 * memory stays bounded whatever the log's length, and a query folds at most `spacing` events beyond its checkpoint.
 * Times work because the store's `recordedAt` never decreases along the global log: "up to time T" is a prefix.
 */
export class LogCheckpoints<Model, State> {
  private readonly checkpoints: Checkpoint<State>[] = [];
  private spacing: number;
  private readonly maxCheckpoints: number;
  private readonly pageSize: number;

  constructor(
    private readonly store: Pick<EventStore, 'readAll'>,
    private readonly fold: LogFold<Model, State>,
    options: { spacing?: number; maxCheckpoints?: number; pageSize?: number } = {},
  ) {
    this.spacing = options.spacing ?? 1_000;
    this.maxCheckpoints = options.maxCheckpoints ?? 32;
    this.pageSize = options.pageSize ?? 1_000;
    if (!(this.spacing >= 1 && this.maxCheckpoints >= 2)) throw new Error('spacing must be at least 1 and maxCheckpoints at least 2');
  }

  /** How many checkpoints are held and how far apart: for tests and for the benchmark's notes. */
  get stats(): { checkpoints: number; spacing: number } {
    return { checkpoints: this.checkpoints.length, spacing: this.spacing };
  }

  async foldTo(bound: LogBound): Promise<FoldedModel<Model>> {
    const within = (position: number, recordedAt: number): boolean =>
      'position' in bound ? position <= bound.position : recordedAt <= bound.time.getTime();
    let start: Checkpoint<State> | undefined;
    for (let i = this.checkpoints.length - 1; i >= 0; i--) {
      const candidate = this.checkpoints[i]!;
      if (within(candidate.position, candidate.recordedAt)) {
        start = candidate;
        break;
      }
    }
    const model = start ? this.fold.resume(start.state) : this.fold.empty();
    let position = start?.position ?? 0;
    let recordedAt = start?.recordedAt;
    for (;;) {
      if ('position' in bound && position >= bound.position) break;
      const page = await this.store.readAll({ after: position, limit: this.pageSize });
      let end = 0;
      while (end < page.length && within(page[end]!.position, page[end]!.recordedAt.getTime())) end++;
      let chunkStart = 0;
      for (let i = 0; i < end; i++) {
        const event = page[i]!;
        if (this.isCheckpointDue(event.position)) {
          this.fold.apply(model, page.slice(chunkStart, i + 1));
          chunkStart = i + 1;
          this.keep({ position: event.position, recordedAt: event.recordedAt.getTime(), state: this.fold.checkpoint(model) });
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

  private isCheckpointDue(position: number): boolean {
    const last = this.checkpoints[this.checkpoints.length - 1];
    return position - (last?.position ?? 0) >= this.spacing;
  }

  private keep(checkpoint: Checkpoint<State>): void {
    const last = this.checkpoints[this.checkpoints.length - 1];
    if (last && checkpoint.position <= last.position) return; // another query got further first
    this.checkpoints.push(checkpoint);
    if (this.checkpoints.length <= this.maxCheckpoints) return;
    // Thin out: keep every second checkpoint, counting from the newest, so the frontier survives.
    const newest = this.checkpoints.length - 1;
    const kept = this.checkpoints.filter((_, i) => (newest - i) % 2 === 0);
    this.checkpoints.splice(0, this.checkpoints.length, ...kept);
    this.spacing *= 2;
  }
}
