import type { EventStore } from '../event-store/event-store.ts';
import { FlagUsageRecorder } from '../write/flags/flag-usage.ts';
import type { Stop } from './shutdown.ts';
import type { Observability } from './start-observability.ts';

export interface FlagUsagePart {
  /** Writes flag usage every `ms` until the returned stop; started once the server serves evaluations. */
  flushEvery(ms: number): Stop;
  /** Adds what an SDK reported of its local evaluations (POST /api/v1/usage) to the next flush. */
  recordSdkUsage(environment: string, flags: Readonly<Record<string, Readonly<Record<string, number>>>>): void;
  /** Counts the evaluations served so far and writes them: once the server has drained, so none is left out. */
  stop(): Promise<void>;
}

/** Evaluation counts, drained from the tally into the evaluations metric and into flag usage (events in the store). */
export function startFlagUsage(store: EventStore, { logger, metrics, tally, readAtScrape }: Observability): FlagUsagePart {
  const usage = new FlagUsageRecorder(store);
  const drainEvaluations = (): void => {
    const counts = tally.drain();
    metrics.countEvaluations(counts);
    usage.absorb(counts);
  };
  readAtScrape({ beforeScrape: drainEvaluations });
  return {
    recordSdkUsage(environment, flags) {
      // Not drained through the tally: these evaluations were not served here, so the evaluations metric leaves them out.
      usage.absorb(Object.entries(flags).flatMap(([flagKey, variants]) => Object.entries(variants).map(([variant, count]) => ({ environment, flagKey, variant, reason: '', count }))));
    },
    flushEvery(ms) {
      const timer = setInterval(() => {
        drainEvaluations();
        usage.flush().catch((error: unknown) => logger.warn({ err: (error as Error).message }, 'flag usage not saved; kept for the next flush'));
      }, ms);
      timer.unref();
      return () => clearInterval(timer);
    },
    async stop() {
      drainEvaluations();
      await usage.flush().catch((error: unknown) => logger.warn({ err: (error as Error).message }, 'flag usage not saved at shutdown'));
    },
  };
}
