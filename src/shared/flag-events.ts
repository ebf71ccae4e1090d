import type { DomainEvent } from './domain-event.ts';
import type { JsonValue } from '../event-store/event-store.ts';
import type { Targeting } from './targeting.ts';

export const FLAG_TYPES = ['boolean', 'string', 'number', 'json'] as const;
export type FlagType = (typeof FLAG_TYPES)[number];

/** Variant name → value, in declared order. */
export type Variants = Record<string, JsonValue>;

/** Bucketing algorithm version, carried in the events so it can change later without reshuffling anyone. */
export type HashVersion = 1;

export type FlagCreated = DomainEvent<
  'FlagCreated',
  { key: string; type: FlagType; description: string; tags: string[]; variants: Variants; hashVersion: HashVersion }
>;
export type FlagDetailsChanged = DomainEvent<'FlagDetailsChanged', { description: string; tags: string[]; variants: Variants }>;
/** `scheduleId` when a scheduled change applied it (see FlagScheduleApplied). */
export type FlagTargetingChanged = DomainEvent<'FlagTargetingChanged', { environment: string; targeting: Targeting; scheduleId?: string }>;
export type FlagToggled = DomainEvent<'FlagToggled', { environment: string; enabled: boolean; scheduleId?: string }>;
export type FlagArchived = DomainEvent<'FlagArchived', Record<string, never>>;
export type FlagRestored = DomainEvent<'FlagRestored', Record<string, never>>;
/**
 * A rollback of the whole flag to an earlier version: it carries the complete restored state (not a pointer to
 * the version), so folding it needs nothing but the event, and history is never rewritten. `environments` holds
 * exactly the environments configured at that version; the others go back to their default targeting.
 */
export type FlagRolledBack = DomainEvent<
  'FlagRolledBack',
  {
    toVersion: number;
    description: string;
    tags: string[];
    variants: Variants;
    archived: boolean;
    environments: Record<string, Targeting>;
  }
>;
/** One environment's targeting restored as it was at `toTime` (an environment rollback appends one per flag). */
export type FlagTargetingRolledBack = DomainEvent<'FlagTargetingRolledBack', { environment: string; toTime: string; targeting: Targeting }>;

/**
 * An experiment reserved this flag in `environment`: the flag's stream is where starting experiments meet
 * archiving and each other (one running experiment per flag and environment). The experiment's start then
 * appends at exactly `experimentVersion`, so once its stream moved past that version without starting (or
 * stopped), the reservation is spent and the next experiment may take the environment over.
 */
export type FlagExperimentAttached = DomainEvent<'FlagExperimentAttached', { environment: string; experimentKey: string; experimentVersion: number }>;
/**
 * Flag `dependentKey` is about to name this flag as a prerequisite, in the change it appends at exactly
 * `dependentVersion`: an archive decided on this stream meets it here instead of missing it in a projection.
 */
export type FlagPrerequisiteClaimed = DomainEvent<'FlagPrerequisiteClaimed', { dependentKey: string; dependentVersion: number }>;

/** What a scheduled change does when it applies: a toggle, or a whole targeting as PUT …/environments/:env sets it. */
export type ScheduledChange = { readonly enabled: boolean } | { readonly targeting: Targeting };

/**
 * A change scheduled for `at`. Schedules live in their flag's stream, so applying one appends the change and
 * FlagScheduleApplied together at the flag's version: of several processes racing to apply it, exactly one
 * append lands, and a cancel or a conflicting change is ordered against it by the same expected version.
 * `ifVersion`: the flag's version when it was scheduled, which no change may have moved past by `at`.
 */
export type FlagChangeScheduled = DomainEvent<
  'FlagChangeScheduled',
  { scheduleId: string; environment: string; at: string; change: ScheduledChange; ifVersion: number | null; createdBy: string; reason: string | null }
>;
/** Appended with the change it made (none when the flag already was so); `lateByMs` past `at`, `late` beyond a second. */
export type FlagScheduleApplied = DomainEvent<'FlagScheduleApplied', { scheduleId: string; environment: string; late: boolean; lateByMs: number; changed: boolean }>;
export type FlagScheduleFailed = DomainEvent<'FlagScheduleFailed', { scheduleId: string; environment: string; reason: string }>;
export type FlagScheduleCancelled = DomainEvent<'FlagScheduleCancelled', { scheduleId: string; environment: string }>;

export type FlagScheduleEvent = FlagChangeScheduled | FlagScheduleApplied | FlagScheduleFailed | FlagScheduleCancelled;
export const FLAG_SCHEDULE_EVENT_TYPES: ReadonlySet<string> = new Set<FlagScheduleEvent['type']>(['FlagChangeScheduled', 'FlagScheduleApplied', 'FlagScheduleFailed', 'FlagScheduleCancelled']);

/**
 * Events that leave a flag's definition as it was: the reservations the write side decides with, and schedule
 * bookkeeping (the change a schedule applies is an event of its own).
 */
export type FlagBookkeepingEvent = FlagExperimentAttached | FlagPrerequisiteClaimed | FlagScheduleEvent;

export function isBookkeeping(event: FlagEvent): event is FlagBookkeepingEvent {
  return event.type === 'FlagExperimentAttached' || event.type === 'FlagPrerequisiteClaimed' || FLAG_SCHEDULE_EVENT_TYPES.has(event.type);
}

export type FlagEvent =
  | FlagCreated
  | FlagDetailsChanged
  | FlagTargetingChanged
  | FlagToggled
  | FlagArchived
  | FlagRestored
  | FlagRolledBack
  | FlagTargetingRolledBack
  | FlagExperimentAttached
  | FlagPrerequisiteClaimed
  | FlagScheduleEvent;

export const FLAG_CATEGORY = 'flag';
