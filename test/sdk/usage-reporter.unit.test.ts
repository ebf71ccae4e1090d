import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EvaluationResult } from '../../src/evaluation/evaluation-result.ts';
import { SdkHttpError } from '../../src/sdk/sdk-errors.ts';
import { UsageReporter, type UsageReport, type UsageSendOutcome } from '../../src/sdk/usage-reporter.ts';

const result = (flagKey: string, variant: string, reason: EvaluationResult['reason'] = 'DEFAULT', revision = 1): EvaluationResult =>
  Object.freeze({ flagKey, value: variant === 'on', variant, reason, revision });

/** A reporter on a clock the test moves, sending to a recorder that answers what the test queues. */
function reporter(answers: UsageSendOutcome[] = []) {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const sent: UsageReport[] = [];
  const errors: Error[] = [];
  const usage = new UsageReporter(
    async (report) => {
      sent.push(structuredClone(report));
      return answers.shift() ?? { kind: 'accepted' };
    },
    { flushIntervalMs: 60_000, now: () => new Date(now) },
    (error) => errors.push(error),
  );
  return { usage, sent, errors, advance: (ms: number) => (now += ms) };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the SDK usage reporter', () => {
  it('sends counts per flag and variant over the period, results with the same variant summed, then starts over', async () => {
    const { usage, sent, advance } = reporter();
    const on = result('checkout', 'on');
    const onByRule = result('checkout', 'on', 'TARGETING_MATCH');
    const off = result('checkout', 'off');
    const blue = result('color', 'blue', 'SPLIT');
    for (let i = 0; i < 5; i++) usage.count(on);
    usage.count(onByRule);
    usage.count(off);
    usage.count(blue);
    advance(60_000);
    await usage.flush();
    expect(sent).toEqual([{ start: '2026-01-01T00:00:00.000Z', stop: '2026-01-01T00:01:00.000Z', flags: { checkout: { on: 6, off: 1 }, color: { blue: 1 } } }]);

    usage.count(off);
    advance(60_000);
    await usage.flush();
    expect(sent[1]).toEqual({ start: '2026-01-01T00:01:00.000Z', stop: '2026-01-01T00:02:00.000Z', flags: { checkout: { off: 1 } } });
    advance(60_000);
    await usage.flush();
    expect(sent).toHaveLength(2); // nothing counted: nothing sent
  });

  it('counts with one Map lookup and no new entry once a result has been seen', () => {
    const { usage } = reporter();
    const on = result('checkout', 'on');
    usage.count(on);
    const set = vi.spyOn(Map.prototype, 'set');
    const get = vi.spyOn(Map.prototype, 'get');
    for (let i = 0; i < 1_000; i++) usage.count(on);
    expect(set).not.toHaveBeenCalled();
    expect(get).toHaveBeenCalledTimes(1_000);
  });

  it('keeps what a failed send carried and sends it with the next period, from the first start', async () => {
    const { usage, sent, errors, advance } = reporter([{ kind: 'retry', error: new SdkHttpError('usage: HTTP 503', 503) }]);
    usage.count(result('checkout', 'on'));
    advance(60_000);
    await usage.flush();
    expect(errors.map((e) => e.message)).toEqual(['usage: HTTP 503']);
    usage.count(result('checkout', 'on'));
    usage.count(result('checkout', 'off'));
    advance(60_000);
    await usage.flush();
    expect(sent[1]).toEqual({ start: '2026-01-01T00:00:00.000Z', stop: '2026-01-01T00:02:00.000Z', flags: { checkout: { on: 2, off: 1 } } });
    advance(60_000);
    await usage.flush();
    expect(sent).toHaveLength(2); // accepted: nothing is sent twice
  });

  it('drops a report the server refused (retrying cannot help), reporting the error', async () => {
    const { usage, sent, errors, advance } = reporter([{ kind: 'rejected', error: new SdkHttpError('usage: HTTP 400', 400) }]);
    usage.count(result('checkout', 'on'));
    advance(1_000);
    await usage.flush();
    usage.count(result('checkout', 'off'));
    advance(1_000);
    await usage.flush();
    expect(sent.map((r) => r.flags)).toEqual([{ checkout: { on: 1 } }, { checkout: { off: 1 } }]);
    expect(errors).toHaveLength(1);
  });

  it('a thrown send is a retry, not a crash', async () => {
    const errors: Error[] = [];
    let calls = 0;
    const usage = new UsageReporter(
      async () => {
        if (calls++ === 0) throw new Error('socket hang up');
        return { kind: 'accepted' };
      },
      { flushIntervalMs: 60_000 },
      (error) => errors.push(error),
    );
    usage.count(result('checkout', 'on'));
    await usage.flush();
    await usage.flush();
    expect(calls).toBe(2);
    expect(errors.map((e) => e.message)).toEqual(['socket hang up']);
  });

  it('sends what was counted on close, and nothing after; abandon sends nothing', async () => {
    const { usage, sent } = reporter();
    usage.count(result('checkout', 'on'));
    await usage.close(5_000);
    expect(sent.map((r) => r.flags)).toEqual([{ checkout: { on: 1 } }]);
    usage.count(result('checkout', 'on'));
    await usage.flush();
    expect(sent).toHaveLength(1);

    const other = reporter();
    other.usage.count(result('checkout', 'on'));
    other.usage.abandon();
    await other.usage.flush();
    await other.usage.close(5_000);
    expect(other.sent).toEqual([]);
  });

  it('close waits at most its timeout for a server that does not answer', async () => {
    const usage = new UsageReporter(() => new Promise<UsageSendOutcome>(() => {}), { flushIntervalMs: 60_000 });
    usage.count(result('checkout', 'on'));
    // Resolves although the send never does (the long timer only tells a hang from a close).
    let hang: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([usage.close(20).then(() => 'closed'), new Promise((resolve) => (hang = setTimeout(resolve, 30_000, 'hung')))]);
    clearTimeout(hang);
    expect(outcome).toBe('closed');
  });
});
