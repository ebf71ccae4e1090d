import { SdkHttpError } from './sdk-errors.ts';

/** Where and how an SDK sends what it collected (events, usage counts) to the server. */
export interface ReportTarget {
  readonly url: string;
  readonly sdkKey: string;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
}

/**
 * What one POST came to: accepted (2xx); worth another try (no answer, 5xx, 408, 429); or refused, with the
 * status and body for the caller to read (a 400 may name which parts were at fault).
 */
export type PostOutcome =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'retry'; readonly error: SdkHttpError }
  | { readonly kind: 'refused'; readonly status: number; readonly body: string; readonly error: SdkHttpError };

/**
 * POSTs `payload` as JSON to `path` with the SDK key; `label` ("events", "usage") starts each error message.
 * Never throws: a network failure or timeout is an outcome like any other.
 */
export function reportPoster(target: ReportTarget, path: string, label: string): (payload: unknown) => Promise<PostOutcome> {
  const endpoint = new URL(path, target.url);
  return async (payload) => {
    let response: Response;
    try {
      response = await target.fetch(endpoint, {
        method: 'POST',
        headers: { authorization: `Bearer ${target.sdkKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(target.timeoutMs),
      });
    } catch (error) {
      return { kind: 'retry', error: new SdkHttpError(`${label}: ${(error as Error).message}`) };
    }
    const body = await response.text().catch(() => '');
    if (response.status >= 200 && response.status < 300) return { kind: 'accepted' };
    const error = new SdkHttpError(`${label}: HTTP ${response.status} ${body.slice(0, 300)}`, response.status);
    if (response.status >= 500 || response.status === 408 || response.status === 429) return { kind: 'retry', error };
    return { kind: 'refused', status: response.status, body, error };
  };
}
