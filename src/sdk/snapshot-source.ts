import { EventSource } from 'eventsource';
import type { EnvironmentSnapshot } from '../shared/snapshot.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { isAuthorizationFailure, SdkHttpError } from './sdk-errors.ts';
import { applyDelta, type SnapshotDelta } from './snapshot-delta.ts';

export interface SnapshotSourceOptions {
  readonly url: string;
  readonly sdkKey: string;
  /** Sent as `?environment=`; the server refuses one that is not the key's. The key's own when left out. */
  readonly environment?: string;
  /** Stream over SSE (default); polling is then only the fallback while the stream is down. */
  readonly stream: boolean;
  readonly pollIntervalMs: number;
  readonly reconnect: BackoffOptions;
  /** With no byte (not even a heartbeat comment) for this long, the stream is deemed dead and reopened. */
  readonly streamIdleTimeoutMs: number;
  readonly fetch: typeof fetch;
}

export type SourceStatus = 'live' | 'interrupted';

export interface SnapshotSourceHandlers {
  /** A newer configuration: from the stream (whole or a delta applied), or from a poll. */
  onSnapshot(snapshot: EnvironmentSnapshot): void;
  /** `live` once the stream is open (or a poll succeeded while it is down); `interrupted` when it is lost. */
  onStatus(status: SourceStatus, error?: Error): void;
  /**
   * The server refused the key (401 or 403 from the stream or a poll, or it ended the stream because the key was
   * revoked): the source has stopped for good, since retrying a refused key only hammers the server.
   */
  onDenied(error: SdkHttpError & { readonly status: 401 | 403 }): void;
}

/**
 * Keeps a configuration up to date: the SSE stream (`snapshot`, then `change` deltas, resumed with Last-Event-ID
 * after a reconnect, so a short outage costs only the missed deltas), reconnected with exponential backoff and
 * jitter; while it is down, polls `GET /api/v1/snapshot` with If-None-Match (304 while nothing changed).
 * The reconnect policy is ours, not eventsource's (a fixed interval taken from the server's `retry:`): on any
 * error the EventSource is closed and a new one opened after the backoff. A refused key is the exception: it
 * stops the source (stream, reconnects and polling alike).
 */
export class SnapshotSource {
  private current: EnvironmentSnapshot | undefined;
  private events: EventSource | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private lastActivity = 0;
  private status: SourceStatus | undefined;
  private streamOpen = false;
  /** How the last poll since the stream went down fared; undefined when none has run since. */
  private lastPollOk: boolean | undefined;
  private polling = false;
  private pollInFlight = false;
  /** Set when a delta did not follow on from what we hold: the next connection asks for a whole snapshot. */
  private resync = false;
  /** The revision the stream last gave; undefined until it gave one (a bootstrap is not resumed from). */
  private lastStreamedRevision: number | undefined;
  private closed = false;

  constructor(
    private readonly options: SnapshotSourceOptions,
    private readonly handlers: SnapshotSourceHandlers,
    initial?: EnvironmentSnapshot,
  ) {
    this.current = initial;
  }

  start(): void {
    if (this.options.stream) this.connect();
    else this.startPolling(0);
  }

  /** Polls once now (tests, and an application that knows something changed). */
  async refresh(): Promise<void> {
    await this.poll();
  }

  close(): void {
    this.closed = true;
    this.events?.close();
    this.events = undefined;
    for (const timer of [this.reconnectTimer, this.pollTimer, this.idleTimer]) if (timer) clearTimeout(timer);
  }

  private connect(): void {
    if (this.closed) return;
    const url = new URL('/api/v1/stream', this.options.url);
    if (this.options.environment) url.searchParams.set('environment', this.options.environment);
    // The revision we hold, not eventsource's own last id: a poll may have moved us on while the stream was down.
    // A bootstrap's revision is not trusted to come from this server, so the first connection asks for everything.
    const resumeFrom = this.resync || this.lastStreamedRevision === undefined ? undefined : this.current?.revision;
    const events = new EventSource(url, { fetch: (input, init) => this.streamFetch(input, init, resumeFrom) });
    this.events = events;
    events.addEventListener('open', () => {
      if (this.events !== events) return;
      this.attempt = 0;
      this.resync = false;
      this.streamOpen = true;
      this.lastPollOk = undefined;
      this.stopPolling();
      this.armIdleTimer();
      this.updateStatus();
    });
    events.addEventListener('snapshot', (event) => {
      if (this.events !== events) return;
      this.accept(JSON.parse(event.data) as EnvironmentSnapshot);
    });
    events.addEventListener('change', (event) => {
      if (this.events !== events) return;
      this.onDelta(JSON.parse(event.data) as SnapshotDelta);
    });
    events.addEventListener('revision', () => {
      if (this.events !== events) return;
      // Client keys only learn that something changed; local evaluation needs the configuration itself.
      this.fail(events, new SdkHttpError('this SDK evaluates locally and needs a server key; a client key only gets revision numbers', 403));
    });
    // The server's last frame before it ends a stream on purpose (`{ status, reason, detail }`), e.g. because the
    // key was revoked: without it, the end of the response would look like a network blip worth reconnecting for.
    events.addEventListener('end', (event) => {
      if (this.events !== events) return;
      const ended = parseEnd(event.data);
      this.fail(events, new SdkHttpError(`stream ended by the server: ${ended.detail ?? ended.reason ?? 'no reason given'}`, ended.status));
    });
    events.addEventListener('error', (event) => {
      if (this.events !== events) return;
      const status = (event as { code?: number }).code;
      const message = (event as { message?: string }).message ?? 'stream error';
      this.fail(events, new SdkHttpError(`stream: ${message}`, status));
    });
  }

  private onDelta(delta: SnapshotDelta): void {
    const current = this.current;
    if (current !== undefined && delta.previousRevision === current.revision) {
      this.accept(applyDelta(current, delta));
      return;
    }
    if (current !== undefined && delta.revision <= current.revision) return; // a poll got there first
    // A gap: reconnect and ask for a whole snapshot rather than evaluate on a configuration we cannot vouch for.
    this.resync = true;
    if (this.events) this.fail(this.events, new SdkHttpError(`stream: a change from revision ${delta.previousRevision} does not follow revision ${current?.revision}`));
  }

  private accept(snapshot: EnvironmentSnapshot): void {
    this.lastStreamedRevision = snapshot.revision;
    this.deliver(snapshot);
  }

  private deliver(snapshot: EnvironmentSnapshot): void {
    if (this.closed) return; // a poll that was in flight when the source stopped
    if (this.current !== undefined && this.current.revision === snapshot.revision && this.current.environment === snapshot.environment) return;
    this.current = snapshot;
    this.handlers.onSnapshot(snapshot);
  }

  /** Closes a failed stream, reports it, and schedules the next attempt; polling covers the gap. */
  private fail(events: EventSource, error: SdkHttpError): void {
    events.close();
    if (this.events === events) this.events = undefined;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.closed) return;
    if (isAuthorizationFailure(error)) return this.deny(error);
    this.streamOpen = false;
    this.updateStatus(error);
    const delay = backoffDelay(this.attempt++, this.options.reconnect);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
    this.reconnectTimer.unref();
    if (!this.polling) this.startPolling(this.attempt === 1 ? Math.min(delay, this.options.pollIntervalMs) : this.options.pollIntervalMs);
  }

  private async streamFetch(input: string | URL, init: RequestInit | undefined, resumeFrom: number | undefined): Promise<Response> {
    const headers: Record<string, string> = { ...(init?.headers as Record<string, string> | undefined), authorization: `Bearer ${this.options.sdkKey}` };
    if (resumeFrom !== undefined) headers['last-event-id'] = String(resumeFrom);
    const response = await this.options.fetch(input, { ...init, headers });
    if (!response.body) return response;
    // Heartbeats are SSE comments, which EventSource swallows: watch the bytes themselves to tell a quiet stream
    // from a dead one (a half-open TCP connection never errors on its own).
    const tap = new TransformStream<Uint8Array, Uint8Array>({
      transform: (chunk, controller) => {
        this.lastActivity = Date.now();
        controller.enqueue(chunk);
      },
    });
    return new Response(response.body.pipeThrough(tap), { status: response.status, statusText: response.statusText, headers: response.headers });
  }

  private armIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.lastActivity = Date.now();
    const check = (): void => {
      const events = this.events;
      if (!events || this.closed) return;
      const idle = Date.now() - this.lastActivity;
      if (idle >= this.options.streamIdleTimeoutMs) return this.fail(events, new SdkHttpError(`stream: nothing received for ${idle} ms`));
      this.idleTimer = setTimeout(check, this.options.streamIdleTimeoutMs - idle);
      this.idleTimer.unref();
    };
    this.idleTimer = setTimeout(check, this.options.streamIdleTimeoutMs);
    this.idleTimer.unref();
  }

  private startPolling(firstDelayMs: number): void {
    this.polling = true;
    const tick = async (): Promise<void> => {
      this.pollTimer = undefined;
      if (!this.polling || this.closed) return;
      await this.poll();
      if (!this.polling || this.closed) return;
      this.pollTimer = setTimeout(() => void tick(), this.options.pollIntervalMs);
      this.pollTimer.unref();
    };
    this.pollTimer = setTimeout(() => void tick(), firstDelayMs);
    this.pollTimer.unref();
  }

  private stopPolling(): void {
    this.polling = false;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }

  private async poll(): Promise<void> {
    if (this.pollInFlight || this.closed) return;
    this.pollInFlight = true;
    try {
      const url = new URL('/api/v1/snapshot', this.options.url);
      if (this.options.environment) url.searchParams.set('environment', this.options.environment);
      const headers: Record<string, string> = { authorization: `Bearer ${this.options.sdkKey}`, 'accept-encoding': 'gzip' };
      if (this.current !== undefined && !this.resync) headers['if-none-match'] = `W/"${this.current.revision}"`;
      const response = await this.options.fetch(url, { headers, signal: AbortSignal.timeout(Math.max(5_000, this.options.pollIntervalMs)) });
      if (response.status === 304) {
        await response.body?.cancel();
      } else if (response.status === 200) {
        const snapshot = (await response.json()) as EnvironmentSnapshot;
        this.resync = false;
        this.deliver(snapshot);
      } else {
        const text = await response.text().catch(() => '');
        throw new SdkHttpError(`snapshot: HTTP ${response.status} ${text.slice(0, 200)}`, response.status);
      }
      this.lastPollOk = true;
      this.updateStatus();
    } catch (error) {
      const failure = error instanceof SdkHttpError ? error : new SdkHttpError(`snapshot: ${(error as Error).message}`);
      if (isAuthorizationFailure(failure)) return this.deny(failure);
      this.lastPollOk = false;
      this.updateStatus(failure);
    } finally {
      this.pollInFlight = false;
    }
  }

  /** Stops everything (stream, reconnects, polls) and tells the client, once. */
  private deny(error: SdkHttpError & { readonly status: 401 | 403 }): void {
    if (this.closed) return;
    this.close();
    this.handlers.onDenied(error);
  }

  /**
   * Live while the stream is open, or, while it is down (or by choice absent), while polls succeed: a stream
   * that keeps failing to reconnect does not flap the status as long as polling keeps the configuration fresh.
   */
  private updateStatus(error?: Error): void {
    const status: SourceStatus = this.streamOpen || this.lastPollOk === true ? 'live' : 'interrupted';
    if (this.status === status) return;
    this.status = status;
    this.handlers.onStatus(status, error);
  }
}

/** The `end` frame's data; a frame this SDK cannot read still ends the stream, as a failure worth a reconnect. */
function parseEnd(data: string): { status?: number; reason?: string; detail?: string } {
  try {
    const parsed = JSON.parse(data) as { status?: unknown; reason?: unknown; detail?: unknown };
    return {
      ...(typeof parsed.status === 'number' ? { status: parsed.status } : {}),
      ...(typeof parsed.reason === 'string' ? { reason: parsed.reason } : {}),
      ...(typeof parsed.detail === 'string' ? { detail: parsed.detail } : {}),
    };
  } catch {
    return {};
  }
}
