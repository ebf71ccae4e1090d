import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readInBackground } from '../../src/observability/background-reading.ts';

/** A read whose every call the test settles by hand. */
function manualRead() {
  const pending: { resolve: (value: number) => void; reject: (error: Error) => void }[] = [];
  return {
    read: () => new Promise<number>((resolve, reject) => pending.push({ resolve, reject })),
    get calls() {
      return pending.length;
    },
    settle: async (outcome: number | Error) => {
      const call = pending.at(-1)!;
      if (outcome instanceof Error) call.reject(outcome);
      else call.resolve(outcome);
      await vi.advanceTimersByTimeAsync(0);
    },
  };
}

beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
afterEach(() => vi.useRealTimers());

describe('a reading kept current in the background', () => {
  it('reads at once, then everyMs after each read settles, never two at a time; asking for it reads nothing', async () => {
    const source = manualRead();
    const reading = readInBackground(source.read, { everyMs: 5_000, onError: () => {} });
    expect(source.calls).toBe(1);
    expect(reading.latest()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(60_000); // however long the first read takes, no second one starts
    expect(source.calls).toBe(1);
    await source.settle(42);
    expect(reading.latest()).toEqual({ value: 42, readAt: 1_060_000 });
    for (let i = 0; i < 10; i++) reading.latest();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(source.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(source.calls).toBe(2);
    await source.settle(7);
    expect(reading.latest()).toEqual({ value: 7, readAt: 1_065_000 });
    reading.stop();
  });

  it('keeps the last reading while reads fail, reports the first failure of a run once, and says when it recovers', async () => {
    const source = manualRead();
    const errors: string[] = [];
    let recovered = 0;
    const reading = readInBackground(source.read, { everyMs: 1_000, onError: (e) => errors.push((e as Error).message), onRecovered: () => recovered++ });
    await source.settle(3);
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(1_000);
      await source.settle(new Error(`broker down ${i}`));
    }
    expect(errors).toEqual(['broker down 0']);
    expect(reading.latest()).toEqual({ value: 3, readAt: 1_000_000 });
    await vi.advanceTimersByTimeAsync(1_000);
    await source.settle(0);
    expect(recovered).toBe(1);
    expect(reading.latest()).toEqual({ value: 0, readAt: 1_004_000 });
    await vi.advanceTimersByTimeAsync(1_000);
    await source.settle(new Error('broker down again'));
    expect(errors).toEqual(['broker down 0', 'broker down again']);
    reading.stop();
  });

  it('reads no more once stopped, and drops what a read under way brings', async () => {
    const source = manualRead();
    const reading = readInBackground(source.read, { everyMs: 1_000, onError: () => {} });
    await source.settle(5);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(source.calls).toBe(2);
    reading.stop();
    await source.settle(9);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(source.calls).toBe(2);
    expect(reading.latest()).toEqual({ value: 5, readAt: 1_000_000 });
  });

  it('never holds the process open: its timer is unref’d', async () => {
    vi.useRealTimers();
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    try {
      const reading = readInBackground(async () => 1, { everyMs: 60_000, onError: () => {} });
      await new Promise((resolve) => setImmediate(resolve));
      const scheduled = setTimeoutSpy.mock.calls.findIndex(([, ms]) => ms === 60_000);
      expect(scheduled).toBeGreaterThanOrEqual(0);
      expect((setTimeoutSpy.mock.results[scheduled]!.value as NodeJS.Timeout).hasRef()).toBe(false);
      reading.stop();
    } finally {
      setTimeoutSpy.mockRestore();
    }
  });
});
