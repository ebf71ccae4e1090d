import { describe, expect, it } from 'vitest';
import { exposureOf } from '../../src/evaluation/exposure.ts';
import type { EvaluationResult } from '../../src/evaluation/evaluation-result.ts';
import { exposureEventSchema } from '../../src/shared/tracked-events.ts';

describe('the exposure an evaluation stands for', () => {
  it('names the flag, experiment, rule, revision and reason that reproduce the assignment, under a fresh event id', () => {
    const result: EvaluationResult = { flagKey: 'checkout', value: true, variant: 'on', reason: 'SPLIT', ruleId: 'experiment', experimentKey: 'exp-checkout', revision: 42 };
    const before = Date.now();
    const event = exposureOf(result, 'on', 'user-1', 'production');
    const after = Date.now();
    expect(exposureEventSchema.parse(event)).toEqual(event);
    expect(event).toStrictEqual({
      type: 'exposure',
      eventId: event.eventId,
      flagKey: 'checkout',
      experimentKey: 'exp-checkout',
      environment: 'production',
      variant: 'on',
      unitId: 'user-1',
      revision: 42,
      ruleId: 'experiment',
      reason: 'SPLIT',
      timestamp: event.timestamp,
    });
    expect(event.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(exposureOf(result, 'on', 'user-1', 'production').eventId).not.toBe(event.eventId); // a resend is told apart by its id
    expect(Date.parse(event.timestamp)).toBeGreaterThanOrEqual(before); // sent at evaluation time
    expect(Date.parse(event.timestamp)).toBeLessThanOrEqual(after);
  });

  it('leaves out the experiment and the rule when the evaluation had none, rather than sending them empty', () => {
    const result: EvaluationResult = { flagKey: 'checkout', value: false, variant: 'off', reason: 'DEFAULT', revision: 7 };
    const event = exposureOf(result, 'off', 'user-2', 'staging');
    expect(Object.keys(event).sort()).toEqual(['environment', 'eventId', 'flagKey', 'reason', 'revision', 'timestamp', 'type', 'unitId', 'variant']);
    expect(event).toMatchObject({ flagKey: 'checkout', environment: 'staging', variant: 'off', unitId: 'user-2', revision: 7, reason: 'DEFAULT' });
  });
});
