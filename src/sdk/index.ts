/** `flagstaff/sdk`: the Node SDK (local evaluation on a streamed snapshot; exposures and metric events batched). */
export { createFlagstaffClient, FlagstaffClient, NO_REVISION } from './flagstaff-client.ts';
export { SdkHttpError } from './sdk-errors.ts';
export type { ClientStatus, EvaluationDetails, FlagstaffClientEvents, FlagstaffClientOptions } from './flagstaff-client.ts';
export type { EventBatcherStats } from './event-batcher.ts';
export type { BackoffOptions } from './backoff.ts';
export type { EvaluationContext, EvaluationResult, ErrorCode, Reason } from '../evaluation/evaluation-result.ts';
export type { EnvironmentSnapshot } from '../shared/snapshot.ts';
