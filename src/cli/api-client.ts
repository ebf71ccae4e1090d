import { ApiError, UnavailableError, UsageError, type Problem } from './cli-errors.ts';

export interface ApiClientOptions {
  baseUrl: string;
  token: string | undefined;
  /** Per request; a rebuild of a large log may need more. */
  timeoutMs: number;
  /** Attempts for idempotent reads (GET) when the server is unreachable or answers 502/503/504. */
  readAttempts?: number;
  /** Waits between read attempts, doubling each time. */
  retryDelayMs?: number;
  fetch?: typeof fetch;
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  /** The version this command is based on, sent as `If-Match: W/"<version>"`. */
  ifMatch?: number;
  query?: Record<string, string | number | boolean | undefined>;
  idempotencyKey?: string;
  /** No timeout (a rebuild runs as long as the log is long). */
  noTimeout?: boolean;
}

const RETRIABLE = new Set([502, 503, 504]);

/**
 * The admin API over fetch. Reads are retried a few times with backoff (they change nothing, so a retry is
 * always safe); commands are sent once, since a blind retry of a non-idempotent command could apply it twice.
 * A problem answer becomes an ApiError carrying the problem; an unreachable server an UnavailableError.
 */
export class ApiClient {
  private readonly baseUrl: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
    if (!/^https?:\/\/[^/]+/.test(this.baseUrl)) throw new UsageError(`--url must be an http(s) URL, not ${JSON.stringify(options.baseUrl)}`);
  }

  get<T = unknown>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request<T>('GET', path, options);
  }

  post<T = unknown>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request<T>('POST', path, options);
  }

  put<T = unknown>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request<T>('PUT', path, options);
  }

  delete<T = unknown>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    return this.request<T>('DELETE', path, options);
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const attempts = method === 'GET' ? Math.max(1, this.options.readAttempts ?? 3) : 1;
    let delay = this.options.retryDelayMs ?? 200;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once<T>(method, path, options);
      } catch (error) {
        const retriable = error instanceof UnavailableError || (error instanceof ApiError && RETRIABLE.has(error.problem.status));
        if (!retriable || attempt >= attempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay *= 2;
      }
    }
  }

  private async once<T>(method: string, path: string, options: RequestOptions): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (this.options.token) headers['authorization'] = `Bearer ${this.options.token}`;
    if (options.ifMatch !== undefined) headers['if-match'] = `W/"${options.ifMatch}"`;
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const url = this.baseUrl + path + queryString(options.query);
    let response: Response;
    try {
      response = await this.fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(options.noTimeout ? {} : { signal: AbortSignal.timeout(this.options.timeoutMs) }),
      });
    } catch (error) {
      throw new UnavailableError(`Cannot reach ${this.baseUrl}: ${networkReason(error)}`);
    }
    const text = await response.text();
    let parsed: unknown = undefined;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (response.status >= 400) throw new ApiError(method, path, asProblem(response.status, response.statusText, parsed));
    return { status: response.status, headers: response.headers, body: parsed as T };
  }
}

/** The version in a weak ETag (`W/"7"` → 7). */
export function versionOf(response: ApiResponse): number | undefined {
  const match = /^(?:W\/)?"(\d+)"$/.exec(response.headers.get('etag') ?? '');
  return match ? Number(match[1]) : undefined;
}

function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** A proxy's HTML 502 or a bare 500 is no problem document: build one so every failure renders alike. */
function asProblem(status: number, statusText: string, body: unknown): Problem {
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    if (typeof (body as { status?: unknown }).status === 'number') return body as Problem;
    // A JSON answer that is no problem (a rebuild's report with a 500) keeps its fields as extensions.
    return { status, title: statusText || `HTTP ${status}`, ...(body as Record<string, unknown>) };
  }
  return { status, title: statusText || `HTTP ${status}`, ...(typeof body === 'string' && body.length > 0 ? { detail: body.slice(0, 500) } : {}) };
}

function networkReason(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'the request timed out';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error);
}
