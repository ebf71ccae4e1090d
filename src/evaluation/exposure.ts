import { randomUUID } from 'node:crypto';
import type { ExposureEvent } from '../shared/tracked-events.ts';
import type { EvaluationResult } from './evaluation-result.ts';

/**
 * The exposure an evaluation assigned by an experiment stands for, as the server and the SDK both send it: the
 * revision and rule reproduce the assignment (time travel), the random event id makes a resend harmless.
 */
export function exposureOf(result: EvaluationResult, variant: string, unitId: string, environment: string): ExposureEvent {
  return {
    type: 'exposure',
    eventId: randomUUID(),
    flagKey: result.flagKey,
    ...(result.experimentKey === undefined ? {} : { experimentKey: result.experimentKey }),
    environment,
    variant,
    unitId,
    revision: result.revision,
    ...(result.ruleId === undefined ? {} : { ruleId: result.ruleId }),
    reason: result.reason,
    timestamp: new Date().toISOString(),
  };
}
