import { describe, expect, it } from 'vitest';
import { boundAddress } from '../../src/root/start-http.ts';

describe('the address the server says it is bound to', () => {
  it('is the bound host and port, an IPv6 host in brackets', () => {
    expect(boundAddress({ address: '0.0.0.0', family: 'IPv4', port: 8080 })).toBe('0.0.0.0:8080');
    expect(boundAddress({ address: '::', family: 'IPv6', port: 8080 })).toBe('[::]:8080');
    expect(boundAddress({ address: '127.0.0.1', family: 'IPv4', port: 41234 })).toBe('127.0.0.1:41234');
  });
});
