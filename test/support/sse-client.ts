/** A minimal Server-Sent Events client for tests: connects with fetch and parses frames as they arrive. */
export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

export interface SseConnection {
  readonly status: number;
  readonly events: SseEvent[];
  /** Settles when the response ends: `server` when the server ended it (or cut it), `client` after close(). */
  readonly endedBy: Promise<'server' | 'client'>;
  /** Waits for the next event (after those already taken) that satisfies `predicate`. */
  next(predicate?: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Waits for a comment line (a heartbeat, say) with this text, received already or to come. */
  comment(text: string, timeoutMs?: number): Promise<void>;
  close(): void;
}

export async function connectSse(url: string, headers: Record<string, string>): Promise<SseConnection> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let taken = 0;
  let wake: (() => void) | undefined;
  let settleEnd: (by: 'server' | 'client') => void = () => {};
  const endedBy = new Promise<'server' | 'client'>((resolve) => (settleEnd = resolve));
  if (!response.body) settleEnd('server');
  else {
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
            const event: SseEvent = { event: 'message', data: '' };
            let hasData = false;
            for (const line of frame.split('\n')) {
              if (line.startsWith(':')) comments.push(line.slice(1).trim());
              else if (line.startsWith('id: ')) event.id = line.slice(4);
              else if (line.startsWith('event: ')) event.event = line.slice(7);
              else if (line.startsWith('data: ')) {
                event.data += (hasData ? '\n' : '') + line.slice(6);
                hasData = true;
              }
            }
            if (hasData) events.push(event);
            wake?.();
          }
        }
      } catch {
        // aborted, or cut
      }
      settleEnd(abort.signal.aborted ? 'client' : 'server');
    })();
  }
  /** Checks `find` after each frame until it finds something, or fails with `missing` after `timeoutMs`. */
  const waitFor = async <T>(find: () => T | undefined, timeoutMs: number, missing: string): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(missing);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, Math.min(remaining, 50));
      });
    }
  };
  return {
    status: response.status,
    events,
    endedBy,
    next: (predicate = () => true, timeoutMs = 60_000) =>
      waitFor(
        () => {
          while (taken < events.length) {
            const event = events[taken++]!;
            if (predicate(event)) return event;
          }
          return undefined;
        },
        timeoutMs,
        'no matching server-sent event in time',
      ),
    comment: async (text, timeoutMs = 60_000) => {
      await waitFor(() => comments.find((c) => c === text), timeoutMs, `no ':${text}' comment in time`);
    },
    close: () => abort.abort(),
  };
}
