import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/root/config.ts';
import { boundAddress } from '../../src/root/start-http.ts';

describe('the address the server says it is bound to', () => {
  it('is the bound host and port, an IPv6 host in brackets', () => {
    expect(boundAddress({ address: '0.0.0.0', family: 'IPv4', port: 8080 })).toBe('0.0.0.0:8080');
    expect(boundAddress({ address: '::', family: 'IPv6', port: 8080 })).toBe('[::]:8080');
    expect(boundAddress({ address: '127.0.0.1', family: 'IPv4', port: 41234 })).toBe('127.0.0.1:41234');
  });
});

describe('FLAGSTAFF_CONSUMER_LAG_INTERVAL_MS', () => {
  it('sets how often the consumer lag is read, 5 s by default, and refuses what is not a positive integer by name', () => {
    expect(loadConfig({}).operations?.consumerLagIntervalMs).toBe(5_000);
    expect(loadConfig({ FLAGSTAFF_CONSUMER_LAG_INTERVAL_MS: '15000' }).operations?.consumerLagIntervalMs).toBe(15_000);
    expect(() => loadConfig({ FLAGSTAFF_CONSUMER_LAG_INTERVAL_MS: '0' })).toThrow(/FLAGSTAFF_CONSUMER_LAG_INTERVAL_MS/);
    expect(() => loadConfig({ FLAGSTAFF_CONSUMER_LAG_INTERVAL_MS: 'soon' })).toThrow(/FLAGSTAFF_CONSUMER_LAG_INTERVAL_MS/);
  });
});
