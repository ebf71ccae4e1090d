import { describe, expect, it } from 'vitest';
import { recordOutcome } from '../../../src/analytics/sink/record-outcome.ts';
import { exposure, metric } from './tracked-event-fixtures.ts';

describe('recordOutcome', () => {
  it('maps an exposure to its row, with the defaults for what it left out', () => {
    expect(recordOutcome(JSON.stringify(exposure('e-1')))).toEqual({
      outcome: 'ok',
      kind: 'exposure',
      row: {
        eventId: 'e-1',
        experimentKey: '',
        flagKey: 'new-checkout',
        environment: '',
        variant: 'on',
        unitId: 'user-e-1',
        revision: null,
        timestamp: new Date('2024-01-02T03:04:05.000Z'),
      },
    });
  });

  it('keeps what an exposure did carry, and reads timestamps with an offset', () => {
    const value = JSON.stringify(
      exposure('e-2', { experimentKey: 'checkout-test', environment: 'production', revision: 42, ruleId: 'us', reason: 'SPLIT', timestamp: '2024-01-02T05:04:05+02:00' }),
    );
    expect(recordOutcome(value)).toMatchObject({
      outcome: 'ok',
      row: { experimentKey: 'checkout-test', environment: 'production', revision: 42, timestamp: new Date('2024-01-02T03:04:05.000Z') },
    });
  });

  it('maps a metric event; its value is 1 when it carried none, its environment empty when it was published without one', () => {
    expect(recordOutcome(JSON.stringify(metric('m-1')))).toEqual({
      outcome: 'ok',
      kind: 'metric',
      row: { eventId: 'm-1', name: 'purchase', unitId: 'user-m-1', environment: '', value: 1, timestamp: new Date('2024-01-02T04:00:00.000Z') },
    });
    expect(recordOutcome(JSON.stringify(metric('m-4', { environment: 'staging' })))).toMatchObject({ row: { environment: 'staging' } });
    expect(recordOutcome(JSON.stringify(metric('m-2', { value: 0 })))).toMatchObject({ row: { value: 0 } });
    expect(recordOutcome(JSON.stringify(metric('m-3', { value: -12.5 })))).toMatchObject({ row: { value: -12.5 } });
  });

  it('stores any timestamp the edge accepted, however much later it runs: the future-skew check is the edge\'s alone', () => {
    for (const timestamp of [new Date(Date.now() + 59 * 60_000).toISOString(), '2001-01-01T00:00:00Z', '9999-12-31T23:59:59Z']) {
      expect(recordOutcome(JSON.stringify(metric('m-t', { timestamp }))).outcome).toBe('ok');
      expect(recordOutcome(JSON.stringify(exposure('e-t', { timestamp }))).outcome).toBe('ok');
    }
  });

  it.each([
    ['not JSON at all', 'not json', /^invalid JSON: /],
    ['truncated JSON', '{"type":"metric"', /^invalid JSON: /],
    ['an empty value', '', /^invalid JSON: /],
    ['a JSON number', '42', /^invalid event: # /],
    ['JSON null', 'null', /^invalid event: # /],
    ['an unknown type', JSON.stringify({ ...metric('m'), type: 'click' }), /^invalid event: #\/type /],
    ['a bad timestamp', JSON.stringify(exposure('e', { timestamp: 'yesterday' })), /^invalid event: #\/timestamp /],
    ['a missing event id', JSON.stringify({ ...metric('m'), eventId: undefined }), /^invalid event: #\/eventId /],
    ['an event id with spaces', JSON.stringify(metric('a b')), /^invalid event: #\/eventId /],
    ['a string value', JSON.stringify(metric('m', { value: '3' })), /^invalid event: #\/value /],
    ['an unknown field', JSON.stringify(exposure('e', { colour: 'red' })), /^invalid event: # .*colour/],
    ['an upper-case flag key', JSON.stringify(exposure('e', { flagKey: 'Checkout' })), /^invalid event: #\/flagKey /],
  ])('sends %s to the dead letters, saying why', (_what, value, reason) => {
    const outcome = recordOutcome(value);
    expect(outcome.outcome).toBe('dlq');
    expect(outcome.outcome === 'dlq' && outcome.reason).toMatch(reason);
  });

  it('names every offending field, and keeps the reason short', () => {
    const outcome = recordOutcome(JSON.stringify(metric('m', { timestamp: 'x', unitId: '', value: 'y' })));
    expect(outcome).toMatchObject({ outcome: 'dlq' });
    const reason = outcome.outcome === 'dlq' ? outcome.reason : '';
    for (const pointer of ['#/timestamp', '#/unitId', '#/value']) expect(reason).toContain(pointer);

    const huge = recordOutcome(JSON.stringify(exposure('e', Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`field${i}`, i])))));
    expect(huge.outcome === 'dlq' && huge.reason.length).toBeLessThanOrEqual(1_000);
  });
});
