/** What applications pass in: OpenFeature's evaluation context, flat attributes plus `targetingKey`. */
export type EvaluationContext = Readonly<Record<string, unknown>>;

/** The reasons of the evaluation order (docs/api.md), named as OpenFeature names them where it has a name. */
export type Reason = 'DISABLED' | 'PREREQUISITE_FAILED' | 'TARGETING_MATCH' | 'SPLIT' | 'DEFAULT' | 'ERROR';

/** OpenFeature's error codes. */
export type ErrorCode = 'FLAG_NOT_FOUND' | 'TARGETING_KEY_MISSING' | 'TYPE_MISMATCH' | 'PARSE_ERROR' | 'PROVIDER_NOT_READY' | 'GENERAL';

export interface EvaluationResult {
  readonly flagKey: string;
  readonly value: unknown;
  readonly variant?: string;
  readonly reason: Reason;
  readonly ruleId?: string;
  /** Set when a running experiment assigned the unit: such an evaluation is an exposure. */
  readonly experimentKey?: string;
  readonly errorCode?: ErrorCode;
  readonly errorMessage?: string;
  /** The configuration's position in the event store: replaying the log up to it reproduces this result. */
  readonly revision: number;
}

export function errorResult(flagKey: string, defaultValue: unknown, errorCode: ErrorCode, errorMessage: string, revision: number): EvaluationResult {
  return { flagKey, value: defaultValue ?? null, reason: 'ERROR', errorCode, errorMessage, revision };
}
