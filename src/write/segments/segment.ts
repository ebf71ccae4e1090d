import type { SegmentDefinition, SegmentEvent } from '../../shared/segment-events.ts';

export interface Segment extends SegmentDefinition {
  readonly key: string;
  readonly archived: boolean;
}

export function evolveSegment(state: Segment | undefined, event: SegmentEvent): Segment {
  if (event.type === 'SegmentCreated') return { ...event.data, archived: false };
  if (state === undefined) throw new Error(`${event.type} before SegmentCreated`);
  switch (event.type) {
    case 'SegmentChanged':
      return { ...state, ...event.data };
    case 'SegmentArchived':
      return { ...state, archived: true };
    case 'SegmentRestored':
      return { ...state, archived: false };
    default: {
      const exhaustive: never = event;
      throw new Error(`unknown segment event ${(exhaustive as SegmentEvent).type}`);
    }
  }
}
