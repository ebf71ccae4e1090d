import { randomUUID } from 'node:crypto';
import { compileEnvironment, evaluateFlag, type CompiledEnvironment } from '../evaluation/compile.ts';
import { errorResult, type EvaluationContext, type EvaluationResult } from '../evaluation/evaluation-result.ts';
import { exposureOf } from '../evaluation/exposure.ts';
import type { EnvironmentSnapshot } from '../shared/snapshot.ts';
import type { TrackedEvent } from '../shared/tracked-events.ts';
import type { BackoffOptions } from './backoff.ts';
import { checkSnapshot, loadBootstrap } from './bootstrap.ts';
import { EventBatcher, httpEventSender, type EventBatcherStats } from './event-batcher.ts';
import { Listeners } from './listeners.ts';
import { changedFlagKeys } from './snapshot-delta.ts';
import { isAuthorizationFailure, type SdkHttpError } from './sdk-errors.ts';
import { SnapshotSource } from './snapshot-source.ts';
import { httpUsageSender, UsageReporter } from './usage-reporter.ts';

export interface FlagstaffClientOptions {
  /** The Flagstaff server, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** A server SDK key (`POST /admin/api-keys { kind: "server" }`): it reads the snapshot this SDK evaluates. */
  readonly sdkKey: string;
  /** Checked against the key's environment by the server; the key's own when left out. */
  readonly environment?: string;
  /** A configuration to serve before (or without) the server: a snapshot object or the path of a snapshot file. */
  readonly bootstrap?: string | EnvironmentSnapshot;
  /** Stream changes over SSE (default true); false polls the snapshot every `pollIntervalMs` instead. */
  readonly stream?: boolean;
  /** Polling period, without a stream or while it is down (default 30,000). */
  readonly pollIntervalMs?: number;
  /** Stream reconnection backoff (default 250 ms doubling to 30 s, with full jitter). */
  readonly reconnect?: Partial<BackoffOptions>;
  /** A stream silent for this long (the server sends a heartbeat every 15 s) is reopened (default 60,000). */
  readonly streamIdleTimeoutMs?: number;
  /** `ready()` rejects if no configuration arrived in this time (default 10,000); the client keeps trying. */
  readonly initTimeoutMs?: number;
  readonly events?: {
    /** Default 1,000 ms. */
    readonly flushIntervalMs?: number;
    /** Events buffered at most (default 100,000); beyond, new ones are dropped and counted. */
    readonly maxBuffer?: number;
    /** Events per request, at most 10,000 (default 1,000). */
    readonly maxBatch?: number;
    readonly retry?: Partial<BackoffOptions>;
    /** How long `close()` keeps trying to send what is buffered (default 5,000). */
    readonly closeTimeoutMs?: number;
  };
  /**
   * An experiment assignment is sent as an exposure once per unit, experiment and variant while it is among the
   * last `exposureCacheSize` seen (default 10,000; 0 sends one per evaluation): analysis uses a unit's first
   * exposure, and an application evaluating in a loop should not flood the pipeline.
   */
  readonly exposureCacheSize?: number;
  /**
   * Counts of local evaluations per flag and variant, sent to `POST /api/v1/usage` every `flushIntervalMs`
   * (default 60,000) and on close, so that the stale-flags report sees flags evaluated only in SDKs. On unless
   * `enabled: false`.
   */
  readonly usage?: { readonly enabled?: boolean; readonly flushIntervalMs?: number };
  /** Every error, whatever else listens (the client itself never throws from evaluation). */
  readonly onError?: (error: Error) => void;
  readonly fetch?: typeof fetch;
}

/** `unauthorized`: the server refused the key (revoked, unknown, or a client key); final until close(). */
export type ClientStatus = 'not-ready' | 'ready' | 'stale' | 'unauthorized' | 'closed';

export interface FlagstaffClientEvents {
  /** The first configuration, from the bootstrap or the server. */
  ready: { readonly revision: number; readonly source: 'bootstrap' | 'server' };
  /** A new configuration; `flagKeys` are the flags whose evaluation may differ (segments and prerequisites followed). */
  changed: { readonly flagKeys: readonly string[]; readonly revision: number };
  /** The server is unreachable: evaluation goes on with the last good configuration, which may be out of date. */
  stale: { readonly revision: number; readonly error: Error | undefined };
  /** The server is back after `stale`; what changed meanwhile arrives as `changed`. */
  live: { readonly revision: number };
  /**
   * The server refused the key (HTTP 401 or 403, or it ended the stream because the key was revoked). The client
   * stops for good: no more streaming, polling or event sending; evaluation goes on with the configuration it
   * holds (`revision`; NO_REVISION if none), and `error` is emitted with the same error too.
   */
  unauthorized: { readonly status: 401 | 403; readonly revision: number; readonly error: Error };
  error: Error;
}

/** A result typed for the getter that asked. */
export type EvaluationDetails<T> = Omit<EvaluationResult, 'value'> & { readonly value: T };

/** The revision results carry before any configuration has arrived. */
export const NO_REVISION = -1;

const DEFAULTS = {
  pollIntervalMs: 30_000,
  reconnect: { initialDelayMs: 250, maxDelayMs: 30_000 },
  streamIdleTimeoutMs: 60_000,
  initTimeoutMs: 10_000,
  events: { flushIntervalMs: 1_000, maxBuffer: 100_000, maxBatch: 1_000, retry: { initialDelayMs: 500, maxDelayMs: 30_000 }, closeTimeoutMs: 5_000 },
  exposureCacheSize: 10_000,
  usageFlushIntervalMs: 60_000,
} as const;

const METRIC_NAME = /^[\w.:-]{1,128}$/;

/**
 * The Flagstaff Node SDK: evaluates locally, with the server's own engine, on the environment's snapshot, kept
 * current over SSE (polling while the stream is down), and serves the last good configuration when the server
 * goes away. Evaluation never throws: a problem gives the caller's default with reason ERROR and an error code.
 * Experiment assignments and `track()` events are batched to `POST /api/v1/events`; counts of evaluations per flag
 * and variant go to `POST /api/v1/usage`.
 */
export class FlagstaffClient {
  private compiled: CompiledEnvironment | undefined;
  private currentStatus: ClientStatus = 'not-ready';
  private readonly listeners: Listeners<FlagstaffClientEvents>;
  private readonly source: SnapshotSource;
  private readonly batcher: EventBatcher;
  /** Undefined when usage reporting is off: counting is then a single check of this field. */
  private readonly usage: UsageReporter | undefined;
  private readonly readyPromise: Promise<void>;
  private settleReady!: { resolve: () => void; reject: (error: Error) => void; settled: boolean };
  private readonly initTimer: NodeJS.Timeout | undefined;
  private readonly exposed = new Map<string, true>();
  private readonly closeTimeoutMs: number;

  constructor(private readonly options: FlagstaffClientOptions) {
    // A listener that throws is reported to onError only: through `error` listeners it could loop.
    this.listeners = new Listeners((error) => this.callOnError(asError(error)));
    this.readyPromise = new Promise<void>((resolve, reject) => (this.settleReady = { resolve, reject, settled: false }));
    this.readyPromise.catch(() => {}); // rejection is for those who await ready(); no one else should crash on it
    const fetchFn = options.fetch ?? globalThis.fetch;
    const eventOptions = { ...DEFAULTS.events, ...options.events, retry: { ...DEFAULTS.events.retry, ...options.events?.retry } };
    if (eventOptions.maxBatch > 10_000) throw new RangeError('events.maxBatch is at most 10,000 (the server takes no more per request)');
    this.closeTimeoutMs = eventOptions.closeTimeoutMs;
    this.batcher = new EventBatcher(httpEventSender({ url: options.url, sdkKey: options.sdkKey, fetch: fetchFn, timeoutMs: 30_000 }), eventOptions, (error) =>
      isAuthorizationFailure(error) ? this.deny(error) : this.reportError(error),
    );
    if (options.usage?.enabled !== false) {
      this.usage = new UsageReporter(
        httpUsageSender({ url: options.url, sdkKey: options.sdkKey, fetch: fetchFn, timeoutMs: 30_000 }),
        { flushIntervalMs: options.usage?.flushIntervalMs ?? DEFAULTS.usageFlushIntervalMs },
        (error) => (isAuthorizationFailure(error) ? this.deny(error) : this.reportError(error)),
      );
      this.usage.start();
    }

    let initial: EnvironmentSnapshot | undefined;
    if (options.bootstrap !== undefined) {
      try {
        initial = loadBootstrap(options.bootstrap);
        this.install(initial, 'bootstrap');
      } catch (error) {
        initial = undefined;
        this.reportError(new Error(`bootstrap: ${(error as Error).message}`));
      }
    }
    this.source = new SnapshotSource(
      {
        url: options.url,
        sdkKey: options.sdkKey,
        ...(options.environment === undefined ? {} : { environment: options.environment }),
        stream: options.stream ?? true,
        pollIntervalMs: options.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
        reconnect: { ...DEFAULTS.reconnect, ...options.reconnect },
        streamIdleTimeoutMs: options.streamIdleTimeoutMs ?? DEFAULTS.streamIdleTimeoutMs,
        fetch: fetchFn,
      },
      {
        onSnapshot: (snapshot) => this.onSnapshot(snapshot),
        onStatus: (status, error) => this.onSourceStatus(status, error),
        onDenied: (error) => this.deny(error),
      },
      this.compiled?.snapshot,
    );
    if (this.currentStatus === 'not-ready') {
      this.initTimer = setTimeout(() => this.rejectReady(new Error(`no configuration from ${options.url} within ${options.initTimeoutMs ?? DEFAULTS.initTimeoutMs} ms`)), options.initTimeoutMs ?? DEFAULTS.initTimeoutMs);
      this.initTimer.unref();
    }
    this.source.start();
  }

  get status(): ClientStatus {
    return this.currentStatus;
  }

  /** The revision of the configuration in use, or NO_REVISION. */
  get revision(): number {
    return this.compiled?.revision ?? NO_REVISION;
  }

  /** The configuration in use (e.g. to save as a bootstrap file). */
  get snapshot(): EnvironmentSnapshot | undefined {
    return this.compiled?.snapshot;
  }

  /** Event delivery so far: `dropped` counts what the buffer bound, a 4xx refusal or `close()` cost. */
  get eventStats(): EventBatcherStats {
    return this.batcher.stats;
  }

  /**
   * Resolves once a configuration is loaded (at once with a bootstrap); rejects after `initTimeoutMs`, when the
   * key is refused, or on close. After a timeout the client keeps trying and emits `ready` when it succeeds; a
   * refused key is final (`unauthorized`).
   */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  on<E extends keyof FlagstaffClientEvents>(event: E, listener: (payload: FlagstaffClientEvents[E]) => void): () => void {
    return this.listeners.on(event, listener);
  }

  /** The full result for a flag: value, variant, reason, ruleId, errorCode, revision. Never throws. */
  evaluate(flagKey: string, context: EvaluationContext = {}, defaultValue: unknown = null): EvaluationResult {
    const result = this.resolve(flagKey, context, defaultValue);
    if (result.experimentKey !== undefined) this.expose(result, context);
    return result;
  }

  getBooleanDetails(flagKey: string, defaultValue: boolean, context?: EvaluationContext): EvaluationDetails<boolean> {
    return this.typed(flagKey, defaultValue, context, 'boolean', (v): v is boolean => typeof v === 'boolean');
  }
  getStringDetails(flagKey: string, defaultValue: string, context?: EvaluationContext): EvaluationDetails<string> {
    return this.typed(flagKey, defaultValue, context, 'string', (v): v is string => typeof v === 'string');
  }
  getNumberDetails(flagKey: string, defaultValue: number, context?: EvaluationContext): EvaluationDetails<number> {
    return this.typed(flagKey, defaultValue, context, 'number', (v): v is number => typeof v === 'number');
  }
  /** JSON flags: an object or an array. */
  getObjectDetails<T extends object>(flagKey: string, defaultValue: T, context?: EvaluationContext): EvaluationDetails<T> {
    return this.typed(flagKey, defaultValue, context, 'object', (v): v is T => typeof v === 'object' && v !== null);
  }
  getBooleanValue(flagKey: string, defaultValue: boolean, context?: EvaluationContext): boolean {
    return this.getBooleanDetails(flagKey, defaultValue, context).value;
  }
  getStringValue(flagKey: string, defaultValue: string, context?: EvaluationContext): string {
    return this.getStringDetails(flagKey, defaultValue, context).value;
  }
  getNumberValue(flagKey: string, defaultValue: number, context?: EvaluationContext): number {
    return this.getNumberDetails(flagKey, defaultValue, context).value;
  }
  getObjectValue<T extends object>(flagKey: string, defaultValue: T, context?: EvaluationContext): T {
    return this.getObjectDetails(flagKey, defaultValue, context).value;
  }

  /**
   * Records that a unit did something (`purchase`, with a value for mean and ratio metrics): a metric event for
   * experiment analysis. False, and counted as dropped, when the event is invalid or the buffer is full.
   */
  track(unitId: string, name: string, value?: number, options: { timestamp?: Date } = {}): boolean {
    const problem =
      typeof unitId !== 'string' || unitId.length === 0 || unitId.length > 256
        ? 'unitId must be 1 to 256 characters'
        : typeof name !== 'string' || !METRIC_NAME.test(name)
          ? 'name must be 1 to 128 letters, digits, "_", ".", ":" or "-"'
          : value !== undefined && !Number.isFinite(value)
            ? 'value must be a finite number'
            : options.timestamp !== undefined && Number.isNaN(options.timestamp.getTime?.())
              ? 'timestamp must be a valid Date'
              : undefined;
    if (problem !== undefined) {
      // Sent, it would make the server refuse its whole batch.
      this.batcher.countDropped(1);
      this.reportError(new Error(`track: ${problem}; the event was dropped`));
      return false;
    }
    const event: TrackedEvent = {
      type: 'metric',
      eventId: randomUUID(),
      name,
      unitId,
      ...(value === undefined ? {} : { value }),
      timestamp: (options.timestamp ?? new Date()).toISOString(),
    };
    return this.batcher.push(event);
  }

  /** Sends the buffered events and the evaluation counts now. */
  async flush(): Promise<void> {
    await Promise.all([this.batcher.flush(), this.usage?.flush()]);
  }

  /** Stops updates, sends what is buffered and counted (up to `events.closeTimeoutMs`), and stops. Evaluation keeps working. */
  async close(): Promise<void> {
    if (this.currentStatus === 'closed') return;
    this.currentStatus = 'closed';
    if (this.initTimer) clearTimeout(this.initTimer);
    this.source.close();
    this.rejectReady(new Error('the client was closed'));
    await Promise.all([this.batcher.close(this.closeTimeoutMs), this.usage?.close(this.closeTimeoutMs)]);
    this.listeners.clear();
  }

  private resolve(flagKey: string, context: EvaluationContext, defaultValue: unknown): EvaluationResult {
    const env = this.compiled;
    if (env === undefined) return errorResult(flagKey, defaultValue, 'PROVIDER_NOT_READY', 'no configuration has been loaded yet', NO_REVISION);
    try {
      const result = evaluateFlag(env, flagKey, typeof context === 'object' && context !== null ? context : {}, defaultValue);
      // A variant served is usage (an error serves the caller's default, as an archived flag would).
      if (result.variant !== undefined) this.usage?.count(result);
      return result;
    } catch (error) {
      return errorResult(flagKey, defaultValue, 'GENERAL', (error as Error).message, env.revision);
    }
  }

  private typed<T>(flagKey: string, defaultValue: T, context: EvaluationContext | undefined, typeName: string, is: (value: unknown) => value is T): EvaluationDetails<T> {
    if (!is(defaultValue)) return this.refuseDefault(flagKey, defaultValue, typeName);
    const result = this.resolve(flagKey, context ?? {}, defaultValue);
    if (result.errorCode !== undefined) return result as EvaluationDetails<T>;
    if (!is(result.value)) {
      const actual = result.value === null ? 'null' : typeof result.value;
      return errorResult(flagKey, defaultValue, 'TYPE_MISMATCH', `flag ${flagKey} serves a ${actual}, not a ${typeName}`, result.revision) as EvaluationDetails<T>;
    }
    if (result.experimentKey !== undefined) this.expose(result, context ?? {});
    return result as EvaluationDetails<T>;
  }

  /**
   * A default of the wrong type is a mistake in the caller's code (`getBooleanValue(key, context, false)` passes the
   * context as the default, and an object is truthy): answering it would hide the mistake behind a plausible value.
   * The default comes back unchanged, as OpenFeature answers errors, but the result says ERROR / TYPE_MISMATCH,
   * nothing is evaluated (no exposure), and onError hears of it.
   */
  private refuseDefault<T>(flagKey: string, defaultValue: T, typeName: string): EvaluationDetails<T> {
    const actual = defaultValue === null ? 'null' : Array.isArray(defaultValue) ? 'array' : typeof defaultValue;
    const message = `the default value given for flag ${flagKey} is a ${actual}, not a ${typeName}: check the argument order (key, defaultValue, context)`;
    this.reportError(new TypeError(message));
    return { flagKey, value: defaultValue, reason: 'ERROR', errorCode: 'TYPE_MISMATCH', errorMessage: message, revision: this.revision };
  }

  /** The same exposure the server records when it evaluates (src/read/exposure-publisher.ts). */
  private expose(result: EvaluationResult, context: EvaluationContext): void {
    try {
      const env = this.compiled;
      const unitId = env?.flags.get(result.flagKey)?.unitOf(context);
      if (env === undefined || unitId === undefined || result.variant === undefined) return;
      const cacheSize = this.options.exposureCacheSize ?? DEFAULTS.exposureCacheSize;
      if (cacheSize > 0) {
        const key = `${result.experimentKey}\u0000${result.variant}\u0000${unitId}`;
        if (this.exposed.has(key)) return;
        this.exposed.set(key, true);
        // Oldest first: a Map iterates in insertion order.
        if (this.exposed.size > cacheSize) this.exposed.delete(this.exposed.keys().next().value!);
      }
      this.batcher.push(exposureOf(result, result.variant, unitId, env.environment));
    } catch (error) {
      this.reportError(asError(error));
    }
  }

  private onSnapshot(snapshot: EnvironmentSnapshot): void {
    try {
      this.install(checkSnapshot(snapshot, 'the server’s snapshot'), 'server');
    } catch (error) {
      // The last good configuration stays in use.
      this.reportError(new Error(`configuration at revision ${snapshot.revision} could not be used: ${(error as Error).message}`));
    }
  }

  /** Compiles and switches to a configuration; the previous compilation lends what did not change. */
  private install(snapshot: EnvironmentSnapshot, origin: 'bootstrap' | 'server'): void {
    const previous = this.compiled;
    const compiled = compileEnvironment(snapshot, previous?.environment === snapshot.environment ? previous : undefined);
    const flagKeys = changedFlagKeys(previous?.snapshot, snapshot);
    this.compiled = compiled;
    if (this.currentStatus === 'not-ready') {
      this.currentStatus = 'ready';
      if (this.initTimer) clearTimeout(this.initTimer);
      this.settleReady.settled = true;
      this.settleReady.resolve();
      this.listeners.emit('ready', { revision: compiled.revision, source: origin });
    } else if (flagKeys.length > 0) {
      this.listeners.emit('changed', { flagKeys, revision: compiled.revision });
    }
  }

  private onSourceStatus(status: 'live' | 'interrupted', error: Error | undefined): void {
    if (this.currentStatus === 'closed' || this.currentStatus === 'unauthorized') return;
    if (status === 'interrupted') {
      if (error) this.reportError(error);
      if (this.currentStatus === 'ready') {
        this.currentStatus = 'stale';
        this.listeners.emit('stale', { revision: this.revision, error });
      }
    } else if (this.currentStatus === 'stale') {
      this.currentStatus = 'ready';
      this.listeners.emit('live', { revision: this.revision });
    }
  }

  /**
   * The server refused the key: it will not start working by itself, and retrying would only hammer the server
   * with requests it refuses (a revoked key's SDK in every process of a fleet). Stop, keep what is loaded, say so.
   */
  private deny(error: SdkHttpError & { readonly status: 401 | 403 }): void {
    if (this.currentStatus === 'closed' || this.currentStatus === 'unauthorized') return;
    this.currentStatus = 'unauthorized';
    if (this.initTimer) clearTimeout(this.initTimer);
    this.source.close();
    this.batcher.abandon();
    this.usage?.abandon();
    this.rejectReady(error);
    this.reportError(error);
    this.listeners.emit('unauthorized', { status: error.status, revision: this.revision, error });
  }

  private rejectReady(error: Error): void {
    if (this.settleReady.settled) return;
    this.settleReady.settled = true;
    this.settleReady.reject(error);
  }

  private reportError(error: Error): void {
    this.callOnError(error);
    this.listeners.emit('error', error);
  }

  private callOnError(error: Error): void {
    try {
      this.options.onError?.(error);
    } catch {
      // An application's error handler that throws must not break the client either.
    }
  }
}

export function createFlagstaffClient(options: FlagstaffClientOptions): FlagstaffClient {
  return new FlagstaffClient(options);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
