import { describe, expect, it } from 'vitest';
import { describeStaleness } from './staleness.ts';

describe('describeStaleness', () => {
  it('says a flag nobody asked for was not evaluated over the period', () => {
    expect(describeStaleness({ reason: 'not-evaluated', staleDays: 30, evaluations: 0, variants: {}, lastEvaluatedAt: null })).toBe('not evaluated in 30 days');
  });

  it('names the one variant served, and how often', () => {
    expect(describeStaleness({ reason: 'single-variant', staleDays: 7, evaluations: 1234, variants: { on: 1234 }, lastEvaluatedAt: '2026-12-07T10:00:00Z' })).toBe('served on to everyone (1,234 evaluations)');
  });
});
