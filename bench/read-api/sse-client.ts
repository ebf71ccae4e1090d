/** One Server-Sent Event, stamped with `performance.now()` when its frame was parsed. */
export interface SseEvent {
  id?: string;
  event: string;
  data: string;
  receivedAt: number;
}

export interface SseConnection {
  readonly status: number;
  /** Every event received so far. */
  readonly events: readonly SseEvent[];
  /**
   * Resolves with the first event at index `from` or later (default: the next one to arrive) that satisfies
   * `predicate`. Call it before causing the event.
   */
  waitFor(predicate: (event: SseEvent) => boolean, options?: { timeoutMs?: number; from?: number }): Promise<SseEvent>;
  close(): void;
}

/** A minimal SSE client on fetch that hands each frame to waiters as soon as it is parsed (no polling). */
export async function connectSse(url: string, headers: Record<string, string>): Promise<SseConnection> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: SseEvent[] = [];
  const waiters = new Set<(event: SseEvent) => void>();
  if (response.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event: SseEvent = { event: 'message', data: '', receivedAt: performance.now() };
            let hasData = false;
            for (const line of frame.split('\n')) {
              if (line.startsWith('id: ')) event.id = line.slice(4);
              else if (line.startsWith('event: ')) event.event = line.slice(7);
              else if (line.startsWith('data: ')) {
                event.data += (hasData ? '\n' : '') + line.slice(6);
                hasData = true;
              }
            }
            if (!hasData) continue;
            events.push(event);
            for (const waiter of [...waiters]) waiter(event);
          }
        }
      } catch {
        // aborted
      }
    })();
  }
  return {
    status: response.status,
    events,
    waitFor(predicate, { timeoutMs = 5_000, from = events.length } = {}) {
      const past = events.slice(from).find(predicate);
      if (past) return Promise.resolve(past);
      return new Promise<SseEvent>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching server-sent event within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = (event: SseEvent): void => {
          if (!predicate(event)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(event);
        };
        waiters.add(waiter);
      });
    },
    close: () => abort.abort(),
  };
}
