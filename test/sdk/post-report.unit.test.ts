import { describe, expect, it } from 'vitest';
import { httpEventSender } from '../../src/sdk/event-batcher.ts';
import { reportPoster } from '../../src/sdk/post-report.ts';
import { SdkHttpError } from '../../src/sdk/sdk-errors.ts';
import type { TrackedEvent } from '../../src/shared/tracked-events.ts';
import { httpUsageSender } from '../../src/sdk/usage-reporter.ts';

/** A fetch that records each request and answers with the status and body given (or fails, like a network error). */
function fakeFetch(answer: { status: number; body?: string } | Error) {
  const requests: { url: string; init: RequestInit }[] = [];
  const fetchFn = (async (url: URL | string, init?: RequestInit) => {
    requests.push({ url: String(url), init: init! });
    if (answer instanceof Error) throw answer;
    return new Response(answer.body ?? '', { status: answer.status });
  }) as typeof fetch;
  return { fetchFn, requests };
}

const target = (fetchFn: typeof fetch) => ({ url: 'http://flagstaff.test/base/', sdkKey: 'sdk-secret', fetch: fetchFn, timeoutMs: 1_000 });

describe('reportPoster, the POST the SDK sends events and usage with', () => {
  it('posts the payload as JSON to the path with the SDK key, and reads 2xx as accepted', async () => {
    const { fetchFn, requests } = fakeFetch({ status: 202 });
    expect(await reportPoster(target(fetchFn), '/api/v1/usage', 'usage')({ a: 1 })).toEqual({ kind: 'accepted' });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.url).toBe('http://flagstaff.test/api/v1/usage');
    expect(requests[0]!.init.method).toBe('POST');
    expect(requests[0]!.init.headers).toEqual({ authorization: 'Bearer sdk-secret', 'content-type': 'application/json' });
    expect(requests[0]!.init.body).toBe('{"a":1}');
  });

  it.each([500, 503, 408, 429])('reads %i as worth another try, naming what was sent', async (status) => {
    const { fetchFn } = fakeFetch({ status, body: 'busy' });
    const outcome = await reportPoster(target(fetchFn), '/api/v1/events', 'events')({});
    expect(outcome.kind).toBe('retry');
    const error = outcome.kind === 'retry' ? outcome.error : undefined;
    expect(error).toBeInstanceOf(SdkHttpError);
    expect([error?.message, error?.status]).toEqual([`events: HTTP ${status} busy`, status]);
  });

  it('reads a network failure as worth another try, without a status', async () => {
    const { fetchFn } = fakeFetch(new Error('connect ECONNREFUSED'));
    const outcome = await reportPoster(target(fetchFn), '/api/v1/usage', 'usage')({});
    expect(outcome.kind).toBe('retry');
    expect(outcome.kind === 'retry' && [outcome.error.message, outcome.error.status]).toEqual(['usage: connect ECONNREFUSED', undefined]);
  });

  it('hands other refusals back with their status and body', async () => {
    const { fetchFn } = fakeFetch({ status: 403, body: '{"title":"Forbidden"}' });
    const outcome = await reportPoster(target(fetchFn), '/api/v1/usage', 'usage')({});
    expect(outcome).toMatchObject({ kind: 'refused', status: 403, body: '{"title":"Forbidden"}' });
  });
});

describe('the senders built on it', () => {
  const events = [{}, {}, {}] as unknown as TrackedEvent[];

  it('usage: a refusal is final (rejected), a 5xx is tried again', async () => {
    const report = { start: '2026-01-01T00:00:00.000Z', stop: '2026-01-01T00:01:00.000Z', flags: {} };
    expect((await httpUsageSender(target(fakeFetch({ status: 401 }).fetchFn))(report)).kind).toBe('rejected');
    expect((await httpUsageSender(target(fakeFetch({ status: 502 }).fetchFn))(report)).kind).toBe('retry');
  });

  it('events: a 400 naming events by index drops just those; one about the envelope refuses the batch', async () => {
    const byIndex = JSON.stringify({ errors: [{ pointer: '#/events/1/timestamp' }] });
    const partly = await httpEventSender(target(fakeFetch({ status: 400, body: byIndex }).fetchFn))(events);
    expect(partly.kind === 'partly-invalid' && [...partly.invalid]).toEqual([1]);
    const envelope = JSON.stringify({ errors: [{ pointer: '#/events' }] });
    expect((await httpEventSender(target(fakeFetch({ status: 400, body: envelope }).fetchFn))(events)).kind).toBe('rejected');
    expect((await httpEventSender(target(fakeFetch({ status: 429 }).fetchFn))(events)).kind).toBe('retry');
  });
});
