import { TooManyRequestsError } from '../shared/errors.ts';

export interface RateLimit {
  /** Sustained units per second (requests, or events for ingestion). */
  readonly perSecond: number;
  /** How many units may arrive at once after a quiet spell. */
  readonly burst: number;
  /**
   * At most this many keys are remembered; past it the oldest is dropped. For keys a client chooses (its address):
   * spread over enough of them, it could otherwise grow the map without bound.
   */
  readonly maxKeys?: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per key (an admin token, an SDK key, a client address): each key may spend `burst` at once and
 * earns `perSecond` back. In memory and per process: with N processes behind a balancer a key gets up to N times
 * the rate, which is what a limit meant to protect each process (not to bill) wants. Keys idle long enough to be
 * full again are forgotten, so the map stays as small as the set of active keys.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep: number;

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(limit.perSecond > 0) || !(limit.burst >= 1)) throw new Error('a rate limit needs perSecond > 0 and burst >= 1');
    if (limit.maxKeys !== undefined && !(limit.maxKeys >= 1)) throw new Error('a rate limit needs maxKeys >= 1');
    this.lastSweep = now();
  }

  /** Takes `cost` units for `key`, or throws TooManyRequestsError saying when that many will be there. */
  take(key: string, cost = 1, what = 'requests'): void {
    const now = this.now();
    this.sweep(now);
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: this.limit.burst, updatedAt: now };
      this.remember(key, bucket);
    } else if (this.limit.maxKeys !== undefined) {
      // Most recently used last, so the key dropped when full is the least recently used.
      this.buckets.delete(key);
      this.buckets.set(key, bucket);
    }
    this.refill(bucket, now);
    if (cost > this.limit.burst) {
      throw new TooManyRequestsError(`At most ${this.limit.burst} ${what} fit in one request for this key`, (cost / this.limit.perSecond));
    }
    this.ensure(bucket, cost, what);
    bucket.tokens -= cost;
  }

  /**
   * Throws like `take` when `key` has fewer than `cost` units, but takes nothing. A key never taken from passes
   * without being remembered (nothing allocated), so checking every request costs one map lookup.
   */
  check(key: string, cost = 1, what = 'requests'): void {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) return;
    this.refill(bucket, this.now());
    this.ensure(bucket, cost, what);
  }

  get size(): number {
    return this.buckets.size;
  }

  private refill(bucket: Bucket, now: number): void {
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.limit.perSecond);
    bucket.updatedAt = now;
  }

  private ensure(bucket: Bucket, cost: number, what: string): void {
    if (bucket.tokens >= cost) return;
    const wait = (cost - bucket.tokens) / this.limit.perSecond;
    throw new TooManyRequestsError(`Rate limit of ${this.limit.perSecond} ${what}/s for this key exceeded; retry in ${Math.ceil(wait)} s`, wait);
  }

  private remember(key: string, bucket: Bucket): void {
    const max = this.limit.maxKeys;
    // Full: drop the least recently used key (a Map iterates in insertion order), not sweep the whole map for
    // every new key. Its client starts afresh, which a client spreading over more than maxKeys keys could anyway.
    if (max !== undefined && this.buckets.size >= max) this.buckets.delete(this.buckets.keys().next().value as string);
    this.buckets.set(key, bucket);
  }

  private sweep(now: number): void {
    const refill = (this.limit.burst / this.limit.perSecond) * 1000;
    if (now - this.lastSweep < refill) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) if (now - bucket.updatedAt >= refill) this.buckets.delete(key);
  }
}
