import type { IncomingMessage } from 'node:http';
import { TooManyRequestsError } from '../shared/errors.ts';
import { addressBlock, clientAddress } from './client-address.ts';
import { RateLimiter } from './rate-limiter.ts';

/** Client addresses remembered at once (~100 bytes each); past it the least recently failing is forgotten. */
const MAX_ADDRESSES = 50_000;

/**
 * Failed authentication (a wrong or revoked admin token or SDK key) per client address (an IPv6 client's /64), on
 * both APIs: an address may fail a burst of 30 seconds' worth, then `perSecond`; past that every request from it
 * is a 429 problem with Retry-After, before its credentials are even looked up, so it can neither guess on nor
 * make the server work.
 * Addresses that never failed are not tracked, and a request that authenticates takes nothing: clients of other
 * addresses, and the well-configured ones of this address until it runs out, are unaffected.
 */
export class AuthFailureThrottle {
  private readonly failures: RateLimiter;

  constructor(
    perSecond: number,
    private readonly trustedProxies: number,
    now?: () => number,
  ) {
    this.failures = new RateLimiter({ perSecond, burst: Math.max(1, 30 * perSecond), maxKeys: MAX_ADDRESSES }, now);
  }

  /** Throws a 429 when the request's address has used up its failures. Free while no address has failed. */
  admit(req: IncomingMessage): void {
    if (this.failures.size === 0) return;
    this.refuseOver(() => this.failures.check(this.keyOf(req)));
  }

  /** Counts a failed authentication against the request's address. */
  failed(req: IncomingMessage): void {
    this.refuseOver(() => this.failures.take(this.keyOf(req)));
  }

  private keyOf(req: IncomingMessage): string {
    return addressBlock(clientAddress(req, this.trustedProxies));
  }

  private refuseOver(count: () => void): void {
    try {
      count();
    } catch (error) {
      if (!(error instanceof TooManyRequestsError)) throw error;
      const wait = error.retryAfterSeconds;
      throw new TooManyRequestsError(`Too many failed authentications from this address; retry in ${Math.max(1, Math.ceil(wait))} s`, wait);
    }
  }
}
