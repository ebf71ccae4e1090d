/** A state as of one point of a sequence (a global position, or a version of one stream), and when that was recorded. */
export interface Checkpoint<State> {
  readonly at: number;
  readonly recordedAt: number;
  readonly state: State;
}

/**
 * Checkpoints along a sequence that only grows, bounded in number: one is due once the sequence is `spacing` past
 * the last, and only past the last (so they stay in order); past `max`, every second one goes (the newest stays)
 * and the spacing doubles. Memory stays bounded however long the sequence, and a reader resuming from the latest
 * checkpoint at or before its bound folds at most `spacing` entries. Used for the global log (time travel) and
 * for each flag's stream (its versions).
 */
export class CheckpointList<State> {
  private readonly checkpoints: Checkpoint<State>[] = [];
  private spacingNow: number;

  constructor(
    spacing: number,
    private readonly max: number,
  ) {
    if (!(spacing >= 1 && max >= 2)) throw new Error('spacing must be at least 1 and the most checkpoints at least 2');
    this.spacingNow = spacing;
  }

  get size(): number {
    return this.checkpoints.length;
  }

  get spacing(): number {
    return this.spacingNow;
  }

  isDue(at: number): boolean {
    const last = this.checkpoints[this.checkpoints.length - 1];
    return at - (last?.at ?? 0) >= this.spacingNow;
  }

  keep(checkpoint: Checkpoint<State>): void {
    const last = this.checkpoints[this.checkpoints.length - 1];
    if (last && checkpoint.at <= last.at) return; // another reader got further first
    this.checkpoints.push(checkpoint);
    if (this.checkpoints.length <= this.max) return;
    const newest = this.checkpoints.length - 1;
    const kept = this.checkpoints.filter((_, i) => (newest - i) % 2 === 0);
    this.checkpoints.splice(0, this.checkpoints.length, ...kept);
    this.spacingNow *= 2;
  }

  /** The latest checkpoint `within` a bound (the sequence's times never decrease, so "up to a time" is a prefix too). */
  latest(within: (at: number, recordedAt: number) => boolean): Checkpoint<State> | undefined {
    for (let i = this.checkpoints.length - 1; i >= 0; i--) {
      const candidate = this.checkpoints[i]!;
      if (within(candidate.at, candidate.recordedAt)) return candidate;
    }
    return undefined;
  }
}
