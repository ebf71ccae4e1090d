import type { EventStore, StoredEvent, Subscription } from '../../event-store/event-store.ts';
import type { CommandContext } from '../../shared/command-handler.ts';
import type { FlagScheduleEvent } from '../../shared/flag-events.ts';
import { FLAG_SCHEDULE_EVENT_TYPES } from '../../shared/flag-events.ts';
import { sleep } from '../../shared/sleep.ts';
import { splitStreamId } from '../../shared/domain-event.ts';
import type { WriteModel } from '../write-model.ts';
import { executeOnFlag } from './flag-reservations.ts';
import { decideSchedule } from './schedule-decider.ts';

/** setTimeout's longest delay (about 24.8 days): a schedule further off is re-armed for when that one ends. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** After a failed attempt (the store unreachable, say), the next one. */
const RETRY_MS = 1_000;

export interface FlagScheduler {
  /** Resolves once the pending schedules are known and the timer armed (the store may be down at first). */
  readonly started: Promise<void>;
  stop(): Promise<void>;
}

interface Pending {
  readonly flagKey: string;
  readonly scheduleId: string;
  readonly at: number;
  readonly createdBy: string;
  readonly reason: string | null;
}

/**
 * Applies scheduled changes when they are due, in each process. It learns the pending schedules (those of every
 * process, and those left pending before a restart) from a subscription to the store that keeps only schedule
 * events, not from the write model, so a process that serves no admin request never folds every aggregate; and
 * it arms one timer for the earliest `at`, re-armed after each batch. Applying is a command on the flag's stream:
 * of several processes applying one schedule, one append lands and the others, on the conflict, decide again and
 * find it applied. The clock is injected for tests.
 */
export function startFlagScheduler(
  deps: { store: EventStore; model: WriteModel },
  options: { now?: () => Date; onError?: (error: unknown, context: { scheduleId?: string }) => void } = {},
): FlagScheduler {
  const { store, model } = deps;
  const now = options.now ?? (() => new Date());
  const pending = new Map<string, Pending>();
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let firing: Promise<void> | undefined;
  let subscription: Subscription | undefined;
  let started = false;

  /** Folds a schedule event into the pending set; says whether the event was one. */
  const track = (event: StoredEvent): boolean => {
    if (!FLAG_SCHEDULE_EVENT_TYPES.has(event.type)) return false;
    const { category, id: flagKey } = splitStreamId(event.streamId);
    if (category !== 'flag') return false;
    const scheduled = event as unknown as FlagScheduleEvent;
    const id = `${flagKey}/${scheduled.data.scheduleId}`;
    if (scheduled.type === 'FlagChangeScheduled') {
      const { scheduleId, at, createdBy, reason } = scheduled.data;
      pending.set(id, { flagKey, scheduleId, at: Date.parse(at), createdBy, reason });
    } else {
      pending.delete(id); // applied, failed or cancelled: never again
    }
    return true;
  };

  function arm(delayMs?: number): void {
    if (stopping.signal.aborted || firing) return; // firing re-arms when done
    if (timer) clearTimeout(timer);
    timer = undefined;
    let next = Infinity;
    for (const schedule of pending.values()) next = Math.min(next, schedule.at);
    if (next === Infinity) return;
    const delay = delayMs ?? Math.max(0, next - now().getTime());
    timer = setTimeout(fire, Math.min(delay, MAX_TIMER_MS));
  }

  function fire(): void {
    timer = undefined;
    firing = applyDue().then((failed) => {
      firing = undefined;
      arm(failed ? RETRY_MS : undefined);
    });
  }

  /** Applies every due schedule; resolves true when one could not be and should be tried again. */
  async function applyDue(): Promise<boolean> {
    let failed = false;
    const due = [...pending.values()].filter((s) => s.at <= now().getTime()).sort((a, b) => a.at - b.at);
    for (const schedule of due) {
      if (stopping.signal.aborted) break;
      try {
        await apply(schedule);
      } catch (error) {
        failed = true;
        options.onError?.(error, { scheduleId: schedule.scheduleId });
      }
    }
    return failed;
  }

  function apply({ flagKey, scheduleId, createdBy, reason }: Pending): Promise<unknown> {
    // The change is made in the name of whoever scheduled it, for their reason: history and audit show them.
    const context: CommandContext = { actor: createdBy, reason: reason ?? undefined, correlationId: `schedule:${scheduleId}`, now: now() };
    return executeOnFlag(deps, flagKey, (state) => decideSchedule({ type: 'ApplySchedule', data: { scheduleId } }, state, model, now()), context);
  }

  const onBatch = (events: readonly StoredEvent[]): void => {
    let tracked = false;
    for (const event of events) tracked = track(event) || tracked;
    // Once per batch, not per event: a replay of many schedules arms the timer once.
    if (started && tracked) arm();
  };

  const ready = (async () => {
    // A store opened in the background may never answer: stopping must not wait for it.
    const stopped = new Promise<void>((resolve) => stopping.signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.race([store.ready?.catch(() => {}), stopped]);
    if (stopping.signal.aborted) return;
    subscription = store.subscribe({ onBatch, onError: (error) => options.onError?.(error, {}) });
    // Every pending schedule, of any process and from before a restart, before the timer is first armed.
    while (!stopping.signal.aborted) {
      try {
        await Promise.race([subscription.caughtUp(), stopped]);
        break;
      } catch (error) {
        if (stopping.signal.aborted) break; // caughtUp rejects when the subscription stops
        options.onError?.(error, {});
        await sleep(RETRY_MS, stopping.signal);
      }
    }
    if (stopping.signal.aborted) return;
    started = true;
    arm();
  })();

  return {
    started: ready,
    async stop() {
      stopping.abort();
      if (timer) clearTimeout(timer);
      await ready;
      await subscription?.stop();
      await firing;
    },
  };
}
