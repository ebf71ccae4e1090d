/** A value read at a moment: what it was, and when (ms since the epoch). */
export interface Reading {
  readonly value: number;
  readonly readAt: number;
}

export interface BackgroundReading {
  /** The last successful reading; undefined until the first one. */
  latest(): Reading | undefined;
  /** Reads no more; a read under way finishes on its own and is dropped. */
  stop(): void;
}

/**
 * Keeps a figure that is slow to read current in the background, so that whoever wants it (a /metrics scrape)
 * answers from memory. The analytics sink's consumer lag asks the Kafka brokers for the topics' end offsets and
 * the group's committed ones, a new admin connection each time: 270–390 ms per scrape when it was read at scrape
 * time. Read at once, then `everyMs` after each read settles (reads never overlap, however slow the brokers are);
 * the timer is unref'd, so it never holds a process open. A failing read keeps the last reading (its timestamp
 * says how old it is) and is reported once per run of failures, not every `everyMs`.
 */
export function readInBackground(
  read: () => Promise<number>,
  options: { everyMs: number; onError: (error: unknown) => void; onRecovered?: () => void; now?: () => number },
): BackgroundReading {
  const now = options.now ?? Date.now;
  let latest: Reading | undefined;
  let failing = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const readOnce = async (): Promise<void> => {
    try {
      const value = await read();
      if (stopped) return;
      latest = { value, readAt: now() };
      if (failing) options.onRecovered?.();
      failing = false;
    } catch (error) {
      if (stopped) return;
      if (!failing) options.onError(error);
      failing = true;
    }
    if (stopped) return;
    timer = setTimeout(() => void readOnce(), options.everyMs);
    timer.unref();
  };
  void readOnce();

  return {
    latest: () => latest,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
