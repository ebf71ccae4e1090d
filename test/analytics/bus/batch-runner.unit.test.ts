import { describe, expect, it } from 'vitest';
import { abandonable, runBatch, type AttemptOutcome, type BatchConsumer, type BatchRunnerHooks } from '../../../src/analytics/bus/batch-runner.ts';
import { BusUnavailableError } from '../../../src/analytics/bus/bus-errors.ts';
import { DEAD_LETTER_HEADERS } from '../../../src/analytics/bus/dead-letters.ts';
import { AnalyticsStoreUnavailableError } from '../../../src/analytics/store/errors.ts';
import { ValidationError } from '../../../src/shared/errors.ts';
import type { BusMessage, ConsumedMessage, Topic } from '../../../src/shared/event-bus.ts';

// The runner both buses use, driven without a bus: waits return at once and are only recorded, so every test
// is about which attempts happen and what the batch's end is, never about time.

const batch = (topic: Topic = 'metrics'): ConsumedMessage[] => [
  { topic, partition: 2, offset: '40', key: 'u-1', value: 'one', headers: { trace: 't-1' } },
  { topic, partition: 2, offset: '41', index: 3, key: 'u-2', value: 'two' },
];

const refused = new ValidationError('the store refuses this batch');

interface Run {
  readonly calls: number;
  readonly errors: unknown[];
  readonly delays: number[];
  readonly published: { topic: Topic; messages: readonly BusMessage[] }[];
  readonly deadLettered: { messages: readonly ConsumedMessage[]; reason: string }[];
}

/** Runs `messages` through a handler failing with `failures[i]` on call i (resolving past the list). */
async function run(
  failures: readonly unknown[],
  overrides: Partial<BatchRunnerHooks> & { messages?: ConsumedMessage[]; publishFailures?: unknown[] } = {},
): Promise<Run & { end: string }> {
  const state = { calls: 0, errors: [] as unknown[], delays: [] as number[], published: [] as Run['published'], deadLettered: [] as Run['deadLettered'] };
  const publishFailures = [...(overrides.publishFailures ?? [])];
  const consumer: BatchConsumer = {
    onBatch: async () => {
      const failure = failures[state.calls++];
      if (failure !== undefined) throw failure;
    },
    onError: (error) => state.errors.push(error),
    onDeadLetter: (messages, reason) => state.deadLettered.push({ messages, reason }),
  };
  const hooks: BatchRunnerHooks = {
    redelivery: { initialMs: 100, maxMs: 400, maxAttempts: 3 },
    publish: async (topic, messages) => {
      const failure = publishFailures.shift();
      if (failure !== undefined) throw failure;
      state.published.push({ topic, messages });
    },
    attempt: (work) => abandonable(work, () => {}),
    wait: async (delayMs) => (state.delays.push(delayMs), true),
    active: () => true,
    ...overrides,
  };
  const end = await runBatch(overrides.messages ?? batch(), consumer, hooks);
  return { end, ...state };
}

/** The doubling delays, without their ±10% jitter. */
const nominal = (delays: readonly number[]): number[] => delays.map((delay) => [100, 200, 400].find((d) => delay >= d * 0.9 && delay <= d * 1.1) ?? delay);

describe('the bus batch runner', () => {
  it('commits a batch whose handler resolves at once, with no wait and no dead letter', async () => {
    expect(await run([])).toEqual({ end: 'commit', calls: 1, errors: [], delays: [], published: [], deadLettered: [] });
  });

  it('offers a failed batch again after a doubling, capped delay, and commits it once the handler resolves', async () => {
    const down = new AnalyticsStoreUnavailableError();
    const result = await run([down, down, down, down]);
    expect(result.end).toBe('commit');
    expect(result.calls).toBe(5);
    expect(result.errors).toEqual([down, down, down, down]);
    expect(nominal(result.delays)).toEqual([100, 200, 400, 400]);
  });

  it('dead-letters a batch the handler refused maxAttempts times in a row, with the reason and the source, and commits it', async () => {
    const result = await run([refused, refused, refused, refused]);
    expect(result.end).toBe('commit');
    expect(result.calls).toBe(3);
    expect(result.errors).toEqual([refused, refused, refused]);
    expect(nominal(result.delays)).toEqual([100, 200]);
    const reason = 'handler failed 3 times: ValidationError: the store refuses this batch';
    expect(result.published).toEqual([
      {
        topic: 'dead-letters',
        messages: [
          {
            key: 'u-1',
            value: 'one',
            headers: {
              trace: 't-1',
              [DEAD_LETTER_HEADERS.reason]: reason,
              [DEAD_LETTER_HEADERS.topic]: 'metrics',
              [DEAD_LETTER_HEADERS.partition]: '2',
              [DEAD_LETTER_HEADERS.offset]: '40',
            },
          },
          {
            key: 'u-2',
            value: 'two',
            headers: {
              [DEAD_LETTER_HEADERS.reason]: reason,
              [DEAD_LETTER_HEADERS.topic]: 'metrics',
              [DEAD_LETTER_HEADERS.partition]: '2',
              [DEAD_LETTER_HEADERS.offset]: '41',
              [DEAD_LETTER_HEADERS.index]: '3',
            },
          },
        ],
      },
    ]);
    expect(result.deadLettered).toEqual([{ messages: batch(), reason }]);
  });

  it('describes a thrown non-Error in the reason as it is', async () => {
    const result = await run(['nope', 'nope', 'nope']);
    expect(result.deadLettered.map((d) => d.reason)).toEqual(['handler failed 3 times: nope']);
  });

  it('keeps the reason within 1,000 characters', async () => {
    const huge = new Error('x'.repeat(5_000));
    const result = await run([huge, huge, huge]);
    const reason = result.deadLettered[0]!.reason;
    expect(reason).toHaveLength(1_000);
    expect(reason.startsWith('handler failed 3 times: Error: xxx')).toBe(true);
    expect(reason.endsWith('…')).toBe(true);
    expect(result.published[0]!.messages[0]!.headers?.[DEAD_LETTER_HEADERS.reason]).toBe(reason);
  });

  it.each([
    ['the analytics store', new AnalyticsStoreUnavailableError()],
    ['the bus', new BusUnavailableError()],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' })],
    ['a cause that is unavailable', new Error('insert failed', { cause: new AnalyticsStoreUnavailableError() })],
  ])('never dead-letters a batch because %s is down: it is retried past maxAttempts', async (_what, down) => {
    const result = await run(Array.from({ length: 12 }, () => down));
    expect(result.end).toBe('commit');
    expect(result.calls).toBe(13);
    expect(result.published).toEqual([]);
    expect(result.deadLettered).toEqual([]);
  });

  it('counts only refusals in a row: an outage in between starts the count again', async () => {
    const down = new AnalyticsStoreUnavailableError();
    const result = await run([refused, refused, down, refused, refused, down, refused, refused]);
    expect(result.end).toBe('commit');
    expect(result.calls).toBe(9);
    expect(result.deadLettered).toEqual([]);
  });

  it('treats what the adapter calls unavailable as unavailable', async () => {
    const brokerDown = new Error('KafkaJSConnectionError');
    const result = await run([brokerDown, brokerDown, brokerDown, brokerDown], { isUnavailable: (error) => error === brokerDown });
    expect({ end: result.end, calls: result.calls, published: result.published }).toEqual({ end: 'commit', calls: 5, published: [] });
  });

  it('never gives up with maxAttempts Infinity', async () => {
    const result = await run(Array.from({ length: 20 }, () => refused), { redelivery: { initialMs: 100, maxMs: 400, maxAttempts: Infinity } });
    expect({ end: result.end, calls: result.calls, published: result.published }).toEqual({ end: 'commit', calls: 21, published: [] });
  });

  it('gives up after 10 refusals when maxAttempts is not set', async () => {
    const result = await run(Array.from({ length: 20 }, () => refused), { redelivery: undefined });
    expect(result.calls).toBe(10);
    expect(result.deadLettered.map((d) => d.reason)).toEqual(['handler failed 10 times: ValidationError: the store refuses this batch']);
  });

  it('never dead-letters a batch read from the dead letters: there is nowhere further to put it', async () => {
    const result = await run(Array.from({ length: 8 }, () => refused), { messages: batch('dead-letters') });
    expect({ end: result.end, calls: result.calls, published: result.published }).toEqual({ end: 'commit', calls: 9, published: [] });
  });

  it('retries publishing the dead letters while the bus refuses them, and tells onError each time', async () => {
    const busDown = new BusUnavailableError();
    const result = await run([refused, refused, refused], { publishFailures: [busDown, busDown] });
    expect(result.end).toBe('commit');
    expect(result.calls).toBe(3);
    expect(result.errors).toEqual([refused, refused, refused, busDown, busDown]);
    // The backoff goes on from where the handler's attempts left it.
    expect(nominal(result.delays)).toEqual([100, 200, 400, 400]);
    expect(result.published).toHaveLength(1);
    expect(result.deadLettered).toHaveLength(1);
  });

  it('leaves the batch uncommitted when the consumer stops during a wait', async () => {
    const result = await run([refused, refused], { wait: async () => false });
    expect({ end: result.end, calls: result.calls, published: result.published }).toEqual({ end: 'leave', calls: 1, published: [] });
  });

  it('leaves the batch uncommitted without an attempt when the consumer is no longer active', async () => {
    const result = await run([], { active: () => false });
    expect({ end: result.end, calls: result.calls }).toEqual({ end: 'leave', calls: 0 });
  });

  it('leaves the batch uncommitted, unpublished, when the consumer stops while the dead letters wait', async () => {
    let waits = 0;
    const result = await run([refused, refused, refused], { publishFailures: [new BusUnavailableError()], wait: async () => ++waits < 3 });
    expect({ end: result.end, calls: result.calls, published: result.published, deadLettered: result.deadLettered }).toEqual({
      end: 'leave',
      calls: 3,
      published: [],
      deadLettered: [],
    });
  });

  it('asks whether it is still active before every attempt, the dead letters included', async () => {
    let asked = 0;
    const result = await run([refused, refused, refused], { active: () => ++asked <= 3 });
    expect({ end: result.end, calls: result.calls, published: result.published, asked }).toEqual({ end: 'leave', calls: 3, published: [], asked: 4 });
  });

  it('leaves the batch uncommitted when an attempt is abandoned', async () => {
    const abandoned = async (): Promise<AttemptOutcome> => ({ kind: 'abandoned' });
    const result = await run([], { attempt: abandoned });
    expect(result.end).toBe('leave');
    expect(result.calls).toBe(0);
  });
});

describe('abandonable', () => {
  it('resolves ok or failed with the work, and hands out the abandon function only while it runs', async () => {
    const held: ((() => void) | undefined)[] = [];
    expect(await abandonable(async () => {}, (abandon) => held.push(abandon))).toEqual({ kind: 'ok' });
    const failure = new Error('no');
    expect(
      await abandonable(
        async () => {
          throw failure;
        },
        (abandon) => held.push(abandon),
      ),
    ).toEqual({ kind: 'failed', error: failure });
    expect(held.map((abandon) => typeof abandon)).toEqual(['function', 'undefined', 'function', 'undefined']);
  });

  it('resolves abandoned when abandoned, although the work never ends', async () => {
    let abandon: (() => void) | undefined;
    const outcome = abandonable(
      () => new Promise<void>(() => {}),
      (a) => {
        abandon ??= a;
      },
    );
    abandon!();
    expect(await outcome).toEqual({ kind: 'abandoned' });
  });

  it('turns a synchronous throw of the work into a failed attempt', async () => {
    const failure = new Error('sync');
    const work = (): Promise<void> => {
      throw failure;
    };
    expect(await abandonable(work, () => {})).toEqual({ kind: 'failed', error: failure });
  });
});
