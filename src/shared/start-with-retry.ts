import { sleep } from './sleep.ts';

/** Starts something that depends on a service that may be down, retrying with backoff until it starts or is cancelled. */
export function startWithRetry<T extends { stop(): Promise<void> }>(start: () => Promise<T>, onError: (error: unknown) => void): { cancel(): Promise<T | undefined> } {
  let cancelled = false;
  const started = (async (): Promise<T | undefined> => {
    for (let attempt = 0; !cancelled; attempt++) {
      try {
        return await start();
      } catch (error) {
        onError(error);
        await sleep(Math.min(5_000, 250 * 2 ** Math.min(attempt, 5)));
      }
    }
    return undefined;
  })();
  return {
    async cancel() {
      cancelled = true;
      return started;
    },
  };
}
