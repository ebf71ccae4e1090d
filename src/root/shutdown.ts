/** Undoes what a part started: closes, flushes, stops. */
export type Stop = () => Promise<void> | void;

/**
 * The one shutdown sequence of a process: each part, once started, adds its stop under its name; `run` stops them
 * in reverse order, each awaited before the next, so a part stops while everything it uses (started before it)
 * still runs. A failing stop ends the sequence with its error, as a failing step of a hand-written one would. Each
 * run goes through the whole sequence again. `onStopped` hears of each part once it has stopped, so an operator's
 * log shows how far a shutdown got and where its time went.
 */
export class ShutdownSequence {
  private readonly parts: { readonly name: string; readonly stop: Stop }[] = [];

  add(name: string, stop: Stop): void {
    this.parts.push({ name, stop });
  }

  async run(onStopped?: (name: string, ms: number) => void): Promise<void> {
    for (const { name, stop } of [...this.parts].reverse()) {
      const started = performance.now();
      // A stop that is done at once is not awaited: the next one follows in the same turn, as in straight code.
      const stopping = stop();
      if (stopping) await stopping;
      onStopped?.(name, Math.round(performance.now() - started));
    }
  }
}
