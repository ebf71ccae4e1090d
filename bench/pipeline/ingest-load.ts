import http from 'node:http';
import { stamp, type BodyTemplate } from './event-bodies.ts';
import type { VisibilityTracker } from './visibility.ts';

/**
 * The load generator: `concurrency` requests to `POST /api/v1/events` in flight, on keep-alive connections, for
 * `seconds`. Without `eventsPerSecond` each connection sends its next request as soon as the previous one is
 * answered (the highest rate the server sustains); with it, requests start on a fixed schedule (open loop), and
 * a request that finds every connection busy starts late (reported as `behindMs`).
 *
 * Every request is stamped with a send time unique to it (see event-bodies.ts) and registered with the tracker
 * before it is sent.
 */
export interface IngestLoadResult {
  readonly requests: number;
  readonly accepted: number;
  readonly acceptedEvents: number;
  /** Status → count for everything that was not a 202. */
  readonly refused: Record<string, number>;
  readonly firstSentAt: number;
  readonly lastAnsweredAt: number;
  /** Acknowledged events per second, from the first request sent to the last one answered. */
  readonly eventsPerSecond: number;
  readonly latenciesMs: number[];
  /** CPU seconds this process spent generating and sending, per second of load. */
  readonly generatorCpu: number;
  /** Open loop only: the latest a request started after its scheduled time. */
  readonly behindMs: number;
  readonly nextSequence: number;
}

export interface IngestLoadOptions {
  readonly url: string;
  readonly sdkKey: string;
  readonly templates: readonly BodyTemplate[];
  readonly concurrency: number;
  readonly seconds: number;
  readonly eventsPerSecond?: number;
  readonly firstSequence: number;
  readonly tracker: VisibilityTracker;
}

let lastStamp = 0;
/** Wall-clock milliseconds, never the same twice: each request's events are told apart by it. */
export function uniqueNow(): number {
  lastStamp = Math.max(Date.now(), lastStamp + 1);
  return lastStamp;
}

export async function ingestLoad(options: IngestLoadOptions): Promise<IngestLoadResult> {
  const { url, sdkKey, templates, concurrency, seconds, tracker } = options;
  const target = new URL('/api/v1/events', url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let sequence = options.firstSequence;
  let requests = 0;
  let accepted = 0;
  let acceptedEvents = 0;
  const refused: Record<string, number> = {};
  const latenciesMs: number[] = [];
  let firstSentAt = Number.POSITIVE_INFINITY;
  let lastAnsweredAt = 0;
  let behindMs = 0;

  const post = async (): Promise<void> => {
    const template = templates[sequence % templates.length]!;
    const seq = sequence++;
    const ts = uniqueNow();
    const count = template.exposures + template.metricEvents;
    tracker.expect(ts, count);
    const body = stamp(template, seq, ts);
    firstSentAt = Math.min(firstSentAt, ts);
    const started = performance.now();
    const { status, text } = await send(target, agent, sdkKey, body);
    latenciesMs.push(performance.now() - started);
    lastAnsweredAt = Date.now();
    requests++;
    if (status === 202) {
      accepted++;
      acceptedEvents += count;
    } else {
      tracker.forget(ts);
      refused[status] = (refused[status] ?? 0) + 1;
      if (Object.values(refused).reduce((a, b) => a + b, 0) <= 3) console.warn(`  POST /api/v1/events: ${status} ${text.slice(0, 300)}`);
    }
  };

  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const endAt = started + seconds * 1000;
  const rate = options.eventsPerSecond;
  if (rate === undefined) {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < endAt) await post();
      }),
    );
  } else {
    const intervalMs = (templates[0]!.exposures + templates[0]!.metricEvents) / (rate / 1000);
    let slot = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (;;) {
          const due = started + slot++ * intervalMs;
          if (due >= endAt) return;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          else behindMs = Math.max(behindMs, -wait);
          await post();
        }
      }),
    );
  }
  const cpu = process.cpuUsage(cpuBefore);
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return {
    requests,
    accepted,
    acceptedEvents,
    refused,
    firstSentAt,
    lastAnsweredAt,
    eventsPerSecond: acceptedEvents / ((lastAnsweredAt - firstSentAt) / 1000),
    latenciesMs,
    generatorCpu: (cpu.user + cpu.system) / 1e6 / elapsed,
    behindMs,
    nextSequence: sequence,
  };
}

function send(target: URL, agent: http.Agent, sdkKey: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      target,
      { method: 'POST', agent, headers: { authorization: `Bearer ${sdkKey}`, 'content-type': 'application/json', 'content-length': body.length } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
