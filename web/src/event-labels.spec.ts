import { describe, expect, it } from 'vitest';
import { eventLabel, knownEventTypes, splitCamelCase } from './event-labels.ts';

describe('eventLabel', () => {
  it('says known event types in plain words', () => {
    expect(eventLabel('FlagTargetingRolledBack')).toBe('Targeting rolled back');
    expect(eventLabel('FlagToggled')).toBe('Switched on or off');
    expect(eventLabel('ApiKeyIssued')).toBe('SDK key issued');
    expect(eventLabel('ExperimentCreated')).toBe('Experiment designed');
  });

  it('splits an unknown type at its capitals', () => {
    expect(eventLabel('IdempotencyKeyClaimed')).toBe('Idempotency key claimed');
    expect(eventLabel('SegmentRulesReordered')).toBe('Segment rules reordered');
  });

  it('labels every known type, and no two alike', () => {
    const known = knownEventTypes();
    expect(known.length).toBeGreaterThan(25);
    for (const { type, label } of known) {
      expect(label).not.toBe(type);
      expect(label).toMatch(/^[A-Z][A-Za-z]*( [a-zA-Z]+)*$/);
    }
    expect(new Set(known.map((k) => k.label)).size).toBe(known.length);
  });
});

describe('splitCamelCase', () => {
  it('keeps acronyms and numbers whole', () => {
    expect(splitCamelCase('SDKKeyIssued')).toBe('SDK key issued');
    expect(splitCamelCase('Schema2Upgraded')).toBe('Schema 2 upgraded');
  });

  it('capitalises a lower-case start and leaves what has no words alone', () => {
    expect(splitCamelCase('flagToggled')).toBe('Flag toggled');
    expect(splitCamelCase('Toggled')).toBe('Toggled');
    expect(splitCamelCase('')).toBe('');
    expect(splitCamelCase('__')).toBe('__');
  });
});
