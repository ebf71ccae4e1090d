/**
 * A long-lived SSE client that keeps only what a soak needs: the last event id (the revision) and how many
 * events came, not the events themselves, so the load generator's own memory stays flat over ten minutes.
 */
export interface SseTracker {
  readonly status: number;
  readonly lastId: () => number | undefined;
  readonly events: () => number;
  /** Set when the stream ended or failed before close() was called: a soak counts it as an error. */
  readonly failure: () => string | undefined;
  close(): void;
}

export async function trackSse(url: string, key: string): Promise<SseTracker> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', authorization: `Bearer ${key}` }, signal: abort.signal });
  let lastId: number | undefined;
  let events = 0;
  let failure: string | undefined;
  let closed = false;
  if (response.status !== 200 || !response.body) {
    failure = `stream answered ${response.status}`;
  } else {
    const body = response.body;
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            // Only the id line matters; a snapshot frame's data can be large and is dropped at once.
            const idLine = frame.startsWith('id: ') ? frame : frame.split('\n').find((line) => line.startsWith('id: '));
            if (idLine === undefined) continue;
            const id = Number(idLine.slice(4, idLine.indexOf('\n') < 0 ? undefined : idLine.indexOf('\n')));
            if (Number.isInteger(id)) {
              lastId = id;
              events++;
            }
          }
        }
        if (!closed) failure = 'stream ended';
      } catch (error) {
        if (!closed) failure = `stream failed: ${(error as Error).message}`;
      }
    })();
  }
  return {
    status: response.status,
    lastId: () => lastId,
    events: () => events,
    failure: () => failure,
    close: () => {
      closed = true;
      abort.abort();
    },
  };
}
