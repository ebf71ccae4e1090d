import { TooManyRequestsError } from '../shared/errors.ts';

export interface RateLimit {
  /** Sustained units per second (requests, or events for ingestion). */
  readonly perSecond: number;
  /** How many units may arrive at once after a quiet spell. */
  readonly burst: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per key (an admin token, an SDK key): each key may spend `burst` at once and earns `perSecond`
 * back. In memory and per process: with N processes behind a balancer a key gets up to N times the rate, which
 * is what a limit meant to protect each process (not to bill) wants. Keys idle long enough to be full again are
 * forgotten, so the map stays as small as the set of active keys.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep: number;

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(limit.perSecond > 0) || !(limit.burst >= 1)) throw new Error('a rate limit needs perSecond > 0 and burst >= 1');
    this.lastSweep = now();
  }

  /** Takes `cost` units for `key`, or throws TooManyRequestsError saying when that many will be there. */
  take(key: string, cost = 1, what = 'requests'): void {
    const now = this.now();
    this.sweep(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burst, updatedAt: now };
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.limit.perSecond);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (cost > this.limit.burst) {
      throw new TooManyRequestsError(`At most ${this.limit.burst} ${what} fit in one request for this key`, (cost / this.limit.perSecond));
    }
    if (bucket.tokens < cost) {
      const wait = (cost - bucket.tokens) / this.limit.perSecond;
      throw new TooManyRequestsError(`Rate limit of ${this.limit.perSecond} ${what}/s for this key exceeded; retry in ${Math.ceil(wait)} s`, wait);
    }
    bucket.tokens -= cost;
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    const refill = (this.limit.burst / this.limit.perSecond) * 1000;
    if (now - this.lastSweep < refill) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) if (now - bucket.updatedAt >= refill) this.buckets.delete(key);
  }
}
