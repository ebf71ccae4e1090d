/**
 * A typed event emitter for the SDK. Not node:events: its `error` event throws when nobody listens, and an SDK
 * must not take its host process down because the network blinked. A listener that throws is isolated too.
 */
export class Listeners<Events extends object> {
  private readonly byEvent = new Map<keyof Events, Set<(payload: never) => void>>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  /** Returns a function that removes the listener. */
  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): () => void {
    let set = this.byEvent.get(event);
    if (!set) {
      set = new Set();
      this.byEvent.set(event, set);
    }
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    for (const listener of this.byEvent.get(event) ?? []) {
      try {
        (listener as (payload: Events[E]) => void)(payload);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  clear(): void {
    this.byEvent.clear();
  }
}
