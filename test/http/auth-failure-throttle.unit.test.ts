import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { AuthFailureThrottle } from '../../src/http/auth-failure-throttle.ts';
import { TooManyRequestsError } from '../../src/shared/errors.ts';

const from = (remoteAddress: string): IncomingMessage => ({ socket: { remoteAddress }, headers: {} }) as unknown as IncomingMessage;

describe('AuthFailureThrottle', () => {
  it('counts the failures of every address of one IPv6 /64 together', () => {
    const throttle = new AuthFailureThrottle(0.1, 0, () => 0); // a budget of 3
    for (const host of ['1', '2', '3']) throttle.failed(from(`2001:db8:5:6::${host}`));
    expect(() => throttle.admit(from('2001:db8:5:6::ffff'))).toThrow(TooManyRequestsError);
    throttle.admit(from('2001:db8:5:7::1')); // the next /64 is another client
  });

  it('says when to retry, in a message about the address', () => {
    let now = 0;
    const throttle = new AuthFailureThrottle(0.1, 0, () => now);
    for (let i = 0; i < 3; i++) throttle.failed(from('198.51.100.1'));
    expect(() => throttle.failed(from('198.51.100.1'))).toThrow(/Too many failed authentications from this address; retry in 10 s/);
    now += 10_000;
    throttle.admit(from('198.51.100.1'));
  });
});
