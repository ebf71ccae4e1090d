import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/http/rate-limiter.ts';
import { TooManyRequestsError } from '../../src/shared/errors.ts';

describe('RateLimiter', () => {
  it('allows a burst, then the sustained rate, per key', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 10, burst: 5 }, () => now);
    for (let i = 0; i < 5; i++) limiter.take('a');
    expect(() => limiter.take('a')).toThrow(TooManyRequestsError);
    limiter.take('b'); // another key has its own bucket
    now += 100; // one token earned
    limiter.take('a');
    expect(() => limiter.take('a')).toThrow(TooManyRequestsError);
  });

  it('says when enough will be there, as Retry-After in whole seconds', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 2, burst: 4 }, () => now);
    limiter.take('k', 4);
    try {
      limiter.take('k', 3);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TooManyRequestsError);
      expect((error as TooManyRequestsError).retryAfterSeconds).toBeCloseTo(1.5);
      expect((error as TooManyRequestsError).headers).toEqual({ 'retry-after': '2' });
      expect((error as TooManyRequestsError).status).toBe(429);
    }
    now += 1_500;
    limiter.take('k', 3);
  });

  it('refuses a single cost above the burst outright', () => {
    const limiter = new RateLimiter({ perSecond: 100, burst: 10 }, () => 0);
    expect(() => limiter.take('k', 11, 'events')).toThrow(/At most 10 events/);
  });

  it('forgets keys that are full again', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 10, burst: 10 }, () => now);
    for (let i = 0; i < 100; i++) limiter.take(`key-${i}`);
    expect(limiter.size).toBe(100);
    now += 2_000;
    limiter.take('fresh');
    expect(limiter.size).toBe(1);
  });

  it('checks a key without taking from it, and without remembering a key it never saw', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 1, burst: 2 }, () => now);
    limiter.check('never-seen');
    expect(limiter.size).toBe(0);
    limiter.take('k');
    limiter.check('k');
    limiter.check('k'); // checking takes nothing
    limiter.take('k');
    expect(() => limiter.check('k', 1, 'failed authentications')).toThrow(TooManyRequestsError);
    now += 1_000;
    limiter.check('k');
  });

  it('keeps at most maxKeys keys however many arrive, dropping the oldest', () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 1, maxKeys: 1_000 }, () => 0);
    for (let i = 0; i < 50_000; i++) {
      try {
        limiter.take(`10.0.${i >> 8}.${i & 255}`);
      } catch {
        // every key is fresh: nothing to refuse
      }
    }
    expect(limiter.size).toBe(1_000);
    expect(() => limiter.take('10.0.195.79')).toThrow(TooManyRequestsError); // the newest is still remembered
    limiter.take('10.0.0.0'); // the oldest was dropped
  });
});
