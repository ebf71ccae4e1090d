import {
  OpenFeatureEventEmitter,
  ProviderEvents,
  ProviderFatalError,
  type ErrorCode,
  type EvaluationContext,
  type FlagMetadata,
  type JsonValue,
  type Provider,
  type ProviderMetadata,
  type ResolutionDetails,
  type TrackingEventDetails,
} from '@openfeature/server-sdk';
import type { EvaluationResult } from '../evaluation/evaluation-result.ts';
import { FlagstaffClient, type EvaluationDetails, type FlagstaffClientOptions } from './flagstaff-client.ts';

/**
 * `flagstaff/openfeature`: an OpenFeature server provider on the Flagstaff SDK, so evaluation is local and
 * current. Provider events: READY (a configuration, also again after STALE), ERROR (none could be loaded, or
 * the server refused the key later: revoked), STALE (the server went away; the last good configuration keeps
 * serving), CONFIGURATION_CHANGED with the flags whose evaluation may differ. `track()` sends a metric event for
 * the context's targeting key.
 */
export class FlagstaffProvider implements Provider {
  readonly metadata: ProviderMetadata = { name: 'Flagstaff' };
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  readonly client: FlagstaffClient;
  private readonly ownsClient: boolean;
  private readonly unsubscribe: (() => void)[] = [];
  /** Until initialize() has settled, the OpenFeature SDK reports READY or ERROR itself. */
  private initialized = false;

  /** Given options, the provider owns its client and closes it with itself; given a client, its owner does. */
  constructor(clientOrOptions: FlagstaffClient | FlagstaffClientOptions) {
    this.ownsClient = !(clientOrOptions instanceof FlagstaffClient);
    this.client = clientOrOptions instanceof FlagstaffClient ? clientOrOptions : new FlagstaffClient(clientOrOptions);
    const client = this.client;
    this.unsubscribe.push(
      // The SDK emits READY itself when initialize() resolves; after that, READY means "recovered".
      client.on('ready', () => this.initialized && this.events.emit(ProviderEvents.Ready)),
      client.on('live', () => this.events.emit(ProviderEvents.Ready)),
      client.on('stale', ({ error }) => this.events.emit(ProviderEvents.Stale, { message: error?.message ?? 'the Flagstaff server is unreachable' })),
      client.on('changed', ({ flagKeys, revision }) => this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: [...flagKeys], metadata: { revision } })),
      // Only an error that leaves nothing to evaluate is the provider's ERROR; a failed event send is not.
      client.on('error', (error) => client.status === 'not-ready' && this.initialized && this.events.emit(ProviderEvents.Error, { message: error.message })),
      // A key refused after initialisation (revoked) is final for the client. ERROR, not PROVIDER_FATAL: the
      // OpenFeature SDK answers every evaluation of a FATAL provider with the default, and the last good
      // configuration is a better answer. Refused during initialize(), it is FATAL (below): nothing was loaded.
      client.on('unauthorized', ({ status, error }) =>
        this.initialized && this.events.emit(ProviderEvents.Error, { message: `Flagstaff refused the SDK key (HTTP ${status}): ${error.message}; no more updates, the last configuration keeps serving` }),
      ),
    );
  }

  async initialize(): Promise<void> {
    try {
      await this.client.ready();
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 401 || status === 403) throw new ProviderFatalError((error as Error).message);
      throw error;
    } finally {
      this.initialized = true;
    }
  }

  async onClose(): Promise<void> {
    for (const off of this.unsubscribe) off();
    if (this.ownsClient) await this.client.close();
  }

  async resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>> {
    return resolution(this.client.getBooleanDetails(flagKey, defaultValue, plainContext(context)));
  }

  async resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext): Promise<ResolutionDetails<string>> {
    return resolution(this.client.getStringDetails(flagKey, defaultValue, plainContext(context)));
  }

  async resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext): Promise<ResolutionDetails<number>> {
    return resolution(this.client.getNumberDetails(flagKey, defaultValue, plainContext(context)));
  }

  async resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext): Promise<ResolutionDetails<T>> {
    // JsonValue includes scalars, so any JSON default is the right type here: Flagstaff's json flags hold objects or
    // arrays, and a scalar default still gets them (the client, asked with a stand-in, would refuse the scalar).
    const stand = typeof defaultValue === 'object' && defaultValue !== null ? defaultValue : {};
    const details = this.client.getObjectDetails(flagKey, stand, plainContext(context));
    return resolution({ ...details, value: (details.errorCode === undefined ? details.value : defaultValue) as T });
  }

  /** OpenFeature's tracking API: a metric event named `trackingEventName` for the context's unit, with `value`. */
  track(trackingEventName: string, context: EvaluationContext, details: TrackingEventDetails): void {
    const unit = context.targetingKey ?? context['userId'];
    if (typeof unit !== 'string' || unit.length === 0) return; // no unit, nothing to attribute the event to
    this.client.track(unit, trackingEventName, typeof details?.value === 'number' ? details.value : undefined);
  }
}

function resolution<T>(details: EvaluationDetails<T>): ResolutionDetails<T> {
  const flagMetadata: FlagMetadata = { revision: details.revision };
  const result = details as EvaluationResult;
  if (result.ruleId !== undefined) flagMetadata['ruleId'] = result.ruleId;
  if (result.experimentKey !== undefined) flagMetadata['experimentKey'] = result.experimentKey;
  return {
    value: details.value,
    reason: details.reason,
    flagMetadata,
    ...(details.variant === undefined ? {} : { variant: details.variant }),
    ...(details.errorCode === undefined ? {} : { errorCode: details.errorCode as ErrorCode }),
    ...(details.errorMessage === undefined ? {} : { errorMessage: details.errorMessage }),
  };
}

/** OpenFeature contexts may hold Dates; Flagstaff's operators (before, after) compare ISO strings and numbers. */
function plainContext(context: EvaluationContext): Record<string, unknown> {
  let plain: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(context)) {
    if (value instanceof Date) (plain ??= { ...context })[key] = value.toISOString();
  }
  return plain ?? context;
}
