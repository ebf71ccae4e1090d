import type { DomainEvent } from './domain-event.ts';
import type { Condition } from './targeting.ts';

/** A segment matches a unit that is included, or not excluded and meeting every condition. (A type, not an
 * interface, so it fits the store's JSON payload type.) */
export type SegmentDefinition = {
  description: string;
  conditions: Condition[];
  included: string[];
  excluded: string[];
};

export type SegmentCreated = DomainEvent<'SegmentCreated', { key: string } & SegmentDefinition>;
export type SegmentChanged = DomainEvent<'SegmentChanged', SegmentDefinition>;
export type SegmentArchived = DomainEvent<'SegmentArchived', Record<string, never>>;
export type SegmentRestored = DomainEvent<'SegmentRestored', Record<string, never>>;

export type SegmentEvent = SegmentCreated | SegmentChanged | SegmentArchived | SegmentRestored;

export const SEGMENT_CATEGORY = 'segment';
