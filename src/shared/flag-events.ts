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
export type FlagTargetingChanged = DomainEvent<'FlagTargetingChanged', { environment: string; targeting: Targeting }>;
export type FlagToggled = DomainEvent<'FlagToggled', { environment: string; enabled: boolean }>;
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

export type FlagEvent =
  | FlagCreated
  | FlagDetailsChanged
  | FlagTargetingChanged
  | FlagToggled
  | FlagArchived
  | FlagRestored
  | FlagRolledBack
  | FlagTargetingRolledBack;

export const FLAG_CATEGORY = 'flag';
export const FLAG_EVENT_TYPES: ReadonlySet<string> = new Set<FlagEvent['type']>([
  'FlagCreated',
  'FlagDetailsChanged',
  'FlagTargetingChanged',
  'FlagToggled',
  'FlagArchived',
  'FlagRestored',
  'FlagRolledBack',
  'FlagTargetingRolledBack',
]);
