import { sleep } from '../shared/sleep.ts';
import type { CheckpointStore, StoredEvent, SubscribeOptions, Subscription } from './event-store.ts';

/**
 * The one subscription loop every adapter shares: read a batch after the checkpoint, hand it over, save the
 * checkpoint, repeat; when nothing is left, sleep until the store signals a change (or a slow fallback poll
 * fires, in case a notification was lost). Handler errors are retried with capped backoff: a subscription that
 * silently stops is worse than one that keeps saying it is stuck.
 */
export interface CatchUpSource {
  readAll(options: { after: number; limit: number }): Promise<StoredEvent[]>;
  headPosition(): Promise<number>;
  /** Calls `listener` whenever the store may have new events; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

const DEFAULT_FALLBACK_POLL_MS = 1_000;
const MAX_BACKOFF_MS = 5_000;

export function startCatchUpSubscription(source: CatchUpSource, options: SubscribeOptions): Subscription {
  const batchSize = options.batchSize ?? 500;
  const fallbackPollMs = options.fallbackPollMs ?? DEFAULT_FALLBACK_POLL_MS;
  const checkpoint: CheckpointStore | undefined = options.checkpoint;
  const abort = new AbortController();
  const changes = new ChangeNotifier();
  const stopListening = source.onChange(() => changes.notify());
  let position = options.after ?? 0;
  const caughtUpWaiters: { target: number; resolve: () => void }[] = [];

  const settleWaiters = (): void => {
    for (let i = caughtUpWaiters.length - 1; i >= 0; i--) {
      const waiter = caughtUpWaiters[i]!;
      if (position >= waiter.target) {
        caughtUpWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
  };

  const loop = async (): Promise<void> => {
    let failures = 0;
    let loaded = checkpoint === undefined;
    while (!abort.signal.aborted) {
      try {
        if (!loaded) {
          position = (await checkpoint!.load()) ?? position;
          loaded = true;
        }
        const batch = await source.readAll({ after: position, limit: batchSize });
        if (batch.length > 0) {
          await options.onBatch(batch);
          const last = batch[batch.length - 1]!.position;
          if (checkpoint) await checkpoint.save(last);
          position = last;
          failures = 0;
          settleWaiters();
          continue;
        }
        failures = 0;
        settleWaiters();
        options.onIdle?.(position);
        await changes.wait(fallbackPollMs, abort.signal);
      } catch (error) {
        if (abort.signal.aborted) break;
        options.onError?.(error);
        failures++;
        await sleep(Math.min(MAX_BACKOFF_MS, 50 * 2 ** Math.min(failures, 7)), abort.signal);
      }
    }
  };

  const running = loop();

  return {
    get position() {
      return position;
    },
    async caughtUp() {
      const target = await source.headPosition();
      if (position >= target) return;
      await new Promise<void>((resolve, reject) => {
        caughtUpWaiters.push({ target, resolve });
        abort.signal.addEventListener('abort', () => reject(new Error('subscription stopped')), { once: true });
      });
    },
    async stop() {
      abort.abort();
      stopListening();
      await running;
    },
  };
}


/** Fans one change feed out to many listeners. */
export class ChangeBroadcast {
  private readonly listeners = new Set<() => void>();

  on(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(): void {
    for (const listener of this.listeners) listener();
  }
}

/**
 * A level-triggered change flag: `notify()` marks that something changed; `wait()` returns at once if it
 * already did since the last wait, so a notification between a read and the wait is never missed.
 */
export class ChangeNotifier {
  private dirty = false;
  private waiters = new Set<() => void>();

  notify(): void {
    this.dirty = true;
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  wait(timeoutMs: number, abort: AbortSignal): Promise<void> {
    if (this.dirty || abort.aborted) {
      this.dirty = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        abort.removeEventListener('abort', done);
        this.waiters.delete(done);
        this.dirty = false;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      abort.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }
}
