import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlagstaffClient, type FlagstaffClient } from '../../src/sdk/flagstaff-client.ts';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';
import { createFlag, createServerKey, setTargeting } from './sdk-fixtures.ts';

/**
 * The SDK evaluates locally what the server evaluates: a context is read as its own attributes only (issue 14).
 * Every object inherits `constructor`, `__proto__` and `toString`; a rule `not_exists` on one of them must hold for
 * a context that does not carry it, and fail for one that does.
 */
const FLAGS = [
  { attribute: 'constructor', flagKey: 'no-constructor' },
  { attribute: '__proto__', flagKey: 'no-proto' },
  { attribute: 'toString', flagKey: 'no-tostring' },
];

let server: TestServer;
let sdk: FlagstaffClient;

beforeAll(async () => {
  server = await startTestServer();
  for (const { attribute, flagKey } of FLAGS) {
    await createFlag(server, { key: flagKey });
    await setTargeting(server, flagKey, 'production', {
      enabled: true,
      offVariant: 'off',
      rules: [{ id: `without-${flagKey}`, conditions: [{ attribute, operator: 'not_exists' }], serve: { variant: 'on' } }],
      defaultServe: { variant: 'off' },
    });
  }
  await server.projection.caughtUp();
  sdk = createFlagstaffClient({ url: server.url, sdkKey: await createServerKey(server), events: { flushIntervalMs: 60_000 } });
  await sdk.ready();
});
afterAll(async () => {
  await sdk?.close();
  await server?.close();
});

describe('local evaluation reads a context’s own attributes only', () => {
  it.each(FLAGS)('a rule not_exists on $attribute matches a context without it', ({ flagKey }) => {
    expect(sdk.evaluate(flagKey, { targetingKey: 'u1' })).toMatchObject({ value: true, variant: 'on', reason: 'TARGETING_MATCH', ruleId: `without-${flagKey}` });
    expect(sdk.evaluate(flagKey, {})).toMatchObject({ variant: 'on', ruleId: `without-${flagKey}` });
  });

  it.each(FLAGS)('a rule not_exists on $attribute does not match a context that owns it', ({ attribute, flagKey }) => {
    // Parsed, so that even `__proto__` is an own attribute of the context (an object literal would set the prototype).
    const context = JSON.parse(`{"targetingKey":"u1",${JSON.stringify(attribute)}:"x"}`) as Record<string, unknown>;
    expect(Object.hasOwn(context, attribute)).toBe(true);
    expect(sdk.evaluate(flagKey, context)).toMatchObject({ value: false, variant: 'off', reason: 'DEFAULT' });
  });
});
