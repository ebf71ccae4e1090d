/** Undoes what a part started: closes, flushes, stops. */
export type Stop = () => Promise<void> | void;

/**
 * The one shutdown sequence of a process: each part, once started, adds its stop; `run` stops them in reverse
 * order, each awaited before the next, so a part stops while everything it uses (started before it) still runs.
 * A failing stop ends the sequence with its error, as a failing step of a hand-written one would. Each run goes
 * through the whole sequence again.
 */
export class ShutdownSequence {
  private readonly stops: Stop[] = [];

  add(stop: Stop): void {
    this.stops.push(stop);
  }

  async run(): Promise<void> {
    for (const stop of [...this.stops].reverse()) {
      // A stop that is done at once is not awaited: the next one follows in the same turn, as in straight code.
      const stopping = stop();
      if (stopping) await stopping;
    }
  }
}
