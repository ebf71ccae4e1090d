import { describe, expect, it } from 'vitest';
import { eventLabel } from './event-label.ts';

describe('eventLabel', () => {
  it('turns event types into sentences, keeping acronyms', () => {
    expect(eventLabel('SegmentChanged')).toBe('Segment changed');
    expect(eventLabel('FlagTargetingRolledBack')).toBe('Flag targeting rolled back');
    expect(eventLabel('ApiKeyIssued')).toBe('API key issued');
  });

  it('leaves a type it cannot split alone', () => {
    expect(eventLabel('custom-event')).toBe('custom-event');
  });
});
