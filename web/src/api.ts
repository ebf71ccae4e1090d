import { forgetToken, storedToken } from './session.ts';

/** One field-level problem of an RFC 9457 response: `#/rules/0/conditions/1/values`. */
export interface FieldIssue {
  pointer: string;
  detail: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: FieldIssue[];
}

/** A refused request, carrying the server's problem so forms can place each error on its field. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.status = problem.status;
    this.problem = problem;
  }
  get issues(): FieldIssue[] {
    return this.problem.errors ?? [];
  }
}

export interface Versioned<T> {
  body: T;
  /** The `ETag` header, e.g. `W/"7"`: sent back as If-Match on the next update. */
  etag: string | null;
}

/** Called when the server says the token is not (or no longer) valid: the app goes back to sign-in. */
let onUnauthorized: () => void = () => undefined;
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

export async function apiRequest<T>(
  method: string,
  path: string,
  options: { body?: unknown; ifMatch?: string | null; token?: string } = {},
): Promise<Versioned<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = options.token ?? storedToken();
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.ifMatch) headers['if-match'] = options.ifMatch;
  const response = await fetch(path, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = { status: response.status, detail: text };
  }
  if (!response.ok) {
    const problem = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Partial<Problem>;
    if (response.status === 401 && options.token === undefined) {
      forgetToken();
      onUnauthorized();
    }
    throw new ApiError({ ...problem, status: response.status });
  }
  return { body: parsed as T, etag: response.headers.get('etag') };
}

/** Fetches a file the API makes (an export) with the token, and hands it to the browser as a download. */
export async function download(path: string, fallbackName: string): Promise<void> {
  const token = storedToken();
  const response = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as Partial<Problem>;
    throw new ApiError({ ...problem, status: response.status });
  }
  const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // The click has started the download; the object URL is no longer needed.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const api = {
  get: <T>(path: string) => apiRequest<T>('GET', path),
  post: <T>(path: string, body?: unknown, ifMatch?: string | null) => apiRequest<T>('POST', path, { body: body ?? {}, ifMatch: ifMatch ?? null }),
  put: <T>(path: string, body: unknown, ifMatch: string | null) => apiRequest<T>('PUT', path, { body, ifMatch }),
};

/** Builds a query string from the defined, non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
  const s = search.toString();
  return s ? `?${s}` : '';
}

export function etagOf(version: number): string {
  return `W/"${version}"`;
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
