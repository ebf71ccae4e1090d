import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { addressBlock, clientAddress } from '../../src/http/client-address.ts';

const request = (remoteAddress: string | undefined, forwardedFor?: string): IncomingMessage =>
  ({ socket: { remoteAddress }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as unknown as IncomingMessage;

describe('clientAddress', () => {
  it('is the socket address, whatever X-Forwarded-For claims, when no proxy is trusted', () => {
    expect(clientAddress(request('10.1.2.3', '203.0.113.9'), 0)).toBe('10.1.2.3');
  });

  it('reads IPv4 addresses mapped into IPv6 as IPv4', () => {
    expect(clientAddress(request('::ffff:10.1.2.3'), 0)).toBe('10.1.2.3');
  });

  it('takes the address the outermost trusted proxy saw, not what the client wrote before it', () => {
    // client → proxy (appends the client's address) → Flagstaff
    expect(clientAddress(request('10.0.0.1', '203.0.113.9'), 1)).toBe('203.0.113.9');
    expect(clientAddress(request('10.0.0.1', '1.1.1.1, 203.0.113.9'), 1)).toBe('203.0.113.9');
    // client → proxy 1 → proxy 2 → Flagstaff
    expect(clientAddress(request('10.0.0.2', 'forged, 203.0.113.9, 10.0.0.1'), 2)).toBe('203.0.113.9');
  });

  it('falls back to the socket address without the header, and to the first hop when there are fewer than trusted', () => {
    expect(clientAddress(request('10.0.0.1'), 1)).toBe('10.0.0.1');
    expect(clientAddress(request('10.0.0.2', '203.0.113.9'), 2)).toBe('203.0.113.9');
  });

  it('names an unknown socket address rather than failing', () => {
    expect(clientAddress(request(undefined), 0)).toBe('unknown');
  });
});

describe('addressBlock', () => {
  it('keeps an IPv4 address as it is', () => {
    expect(addressBlock('203.0.113.9')).toBe('203.0.113.9');
  });

  it('reduces an IPv6 address to its /64, which one client usually holds whole', () => {
    expect(addressBlock('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(addressBlock('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressBlock('2001:0db8:0001:0002:0:0:0:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressBlock('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressBlock('::1')).toBe('0:0:0:0::/64');
    expect(addressBlock('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressBlock('64:ff9b:1:2::192.0.2.33')).toBe('64:ff9b:1:2::/64');
  });

  it('keeps what is no address (an X-Forwarded-For entry a proxy did not write) as it is', () => {
    expect(addressBlock('unknown')).toBe('unknown');
  });
});
