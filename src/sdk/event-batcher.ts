import { sleep } from '../shared/sleep.ts';
import type { TrackedEvent } from '../shared/tracked-events.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { reportPoster, type ReportTarget } from './post-report.ts';

export interface EventBatcherOptions {
  /** How long an event may wait for companions before its batch is sent. */
  readonly flushIntervalMs: number;
  /** Events held at most, in flight included; past it new events are dropped and counted. */
  readonly maxBuffer: number;
  /** Events per request; the server takes at most 10,000. */
  readonly maxBatch: number;
  readonly retry: BackoffOptions;
}

/** What a send came to: accepted; refused as a whole (4xx: retrying cannot help); some events refused; or try again. */
export type SendOutcome =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'rejected'; readonly error: Error }
  | { readonly kind: 'partly-invalid'; readonly invalid: ReadonlySet<number>; readonly error: Error }
  | { readonly kind: 'retry'; readonly error: Error };

export interface EventBatcherStats {
  /** Accepted by the server (202). */
  readonly sent: number;
  /** Not sent and never will be: the buffer was full, the server refused them (4xx), or close() gave up on them. */
  readonly dropped: number;
  readonly pending: number;
}

/**
 * Exposures and metric events on their way to `POST /api/v1/events`: buffered without blocking the caller, sent
 * in batches when `maxBatch` are waiting or `flushIntervalMs` has passed, retried with backoff and jitter on 5xx,
 * 408, 429 and network errors (events carry ids, so the server counts a resent event once). The buffer is bounded,
 * and everything that does not make it is counted in `dropped`, never lost silently.
 */
export class EventBatcher {
  private buffer: TrackedEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private failures = 0;
  private sentCount = 0;
  private droppedCount = 0;
  private closed = false;
  /** Set by abandon(): nothing more is sent, whatever is buffered or comes later is dropped. */
  private abandoned = false;

  constructor(
    private readonly send: (events: readonly TrackedEvent[]) => Promise<SendOutcome>,
    private readonly options: EventBatcherOptions,
    private readonly onError: (error: Error) => void = () => {},
  ) {}

  /** Queues an event; false when it was dropped (buffer full, or closed). Never throws, never waits. */
  push(event: TrackedEvent): boolean {
    if (this.closed || this.buffer.length >= this.options.maxBuffer) {
      this.droppedCount++;
      return false;
    }
    this.buffer.push(event);
    if (this.failures > 0) return true; // a retry is scheduled; sending early would only hammer a sick server
    if (this.buffer.length >= this.options.maxBatch) void this.flush();
    else this.schedule(this.options.flushIntervalMs);
    return true;
  }

  /** Counts events the caller refused to queue (invalid ones), so `dropped` tells the whole story. */
  countDropped(count: number): void {
    this.droppedCount += count;
  }

  get stats(): EventBatcherStats {
    return { sent: this.sentCount, dropped: this.droppedCount, pending: this.buffer.length };
  }

  /** Sends what is buffered now; resolves when the buffer is empty or a send failed (and a retry is scheduled). */
  flush(): Promise<void> {
    this.sending ??= this.drain().finally(() => (this.sending = undefined));
    return this.sending;
  }

  /**
   * Stops taking events and sends what is buffered, retrying until `timeoutMs` has passed; what is still unsent
   * then is counted as dropped.
   */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    const deadline = Date.now() + timeoutMs;
    while (this.buffer.length > 0 && Date.now() < deadline) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      await this.flush();
      if (this.buffer.length > 0) await sleep(Math.min(backoffDelay(this.failures, this.options.retry), Math.max(0, deadline - Date.now())));
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.sending;
    this.droppedCount += this.buffer.length;
    this.buffer = [];
  }

  /**
   * Stops sending for good, at once: what is buffered (once a send in flight has come back) and whatever comes
   * later is dropped and counted. For a key the server refuses: every further request would be refused too.
   */
  abandon(): void {
    this.abandoned = true;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.sending) this.dropBuffered();
  }

  private dropBuffered(): void {
    this.droppedCount += this.buffer.length;
    this.buffer = [];
  }

  private async drain(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.buffer.length > 0) {
      const batch = this.buffer.slice(0, this.options.maxBatch);
      let outcome: SendOutcome;
      try {
        outcome = await this.send(batch);
      } catch (error) {
        outcome = { kind: 'retry', error: error as Error };
      }
      switch (outcome.kind) {
        case 'accepted':
          this.failures = 0;
          this.buffer.splice(0, batch.length);
          this.sentCount += batch.length;
          break;
        case 'rejected':
          this.failures = 0;
          this.buffer.splice(0, batch.length);
          this.droppedCount += batch.length;
          this.onError(outcome.error);
          break;
        case 'partly-invalid': {
          // The server named the bad events and accepted none: drop exactly those and send the rest again.
          this.buffer.splice(0, batch.length, ...batch.filter((_, i) => !outcome.invalid.has(i)));
          this.droppedCount += outcome.invalid.size;
          this.onError(outcome.error);
          break;
        }
        case 'retry':
          this.onError(outcome.error);
          if (this.abandoned) return this.dropBuffered();
          if (!this.closed) this.schedule(backoffDelay(this.failures, this.options.retry));
          this.failures++;
          return;
        default: {
          const never: never = outcome;
          throw new Error(`unknown outcome ${JSON.stringify(never)}`);
        }
      }
      if (this.abandoned) return this.dropBuffered();
    }
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
    this.timer.unref();
  }
}

/**
 * Sends one batch with fetch and reads the server's answer as an outcome. A 400 problem naming events by index
 * (`#/events/12/timestamp`) drops just those; other 4xx refuse the batch; the rest is worth another try.
 */
export function httpEventSender(target: ReportTarget): (events: readonly TrackedEvent[]) => Promise<SendOutcome> {
  const post = reportPoster(target, '/api/v1/events', 'events');
  return async (events) => {
    const outcome = await post({ events });
    if (outcome.kind !== 'refused') return outcome;
    if (outcome.status === 400) {
      const invalid = invalidIndices(outcome.body, events.length);
      if (invalid && invalid.size < events.length) return { kind: 'partly-invalid', invalid, error: outcome.error };
    }
    return { kind: 'rejected', error: outcome.error };
  };
}

function invalidIndices(body: string, count: number): Set<number> | undefined {
  try {
    const problem = JSON.parse(body) as { errors?: { pointer?: string }[] };
    const indices = new Set<number>();
    for (const issue of problem.errors ?? []) {
      const match = /^#\/events\/(\d+)(\/|$)/.exec(issue.pointer ?? '');
      if (!match) return undefined; // a problem with the envelope: the whole batch is at fault
      const index = Number(match[1]);
      if (index < count) indices.add(index);
    }
    return indices.size > 0 ? indices : undefined;
  } catch {
    return undefined;
  }
}
