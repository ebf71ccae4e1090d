import { ErrorCode, OpenFeature } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlagstaffClient, type FlagstaffClient } from '../../src/sdk/flagstaff-client.ts';
import { FlagstaffProvider } from '../../src/sdk/openfeature-provider.ts';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';
import { createFlag, createServerKey, setTargeting } from './sdk-fixtures.ts';

// The mistake this guards against, as the README once printed it: the context passed where the default goes.
// An object is truthy, so `if (flags.getBooleanValue(key, context, false))` was always true, silently.
const context = { targetingKey: 'user-7', country: 'US', plan: 'premium' };

let server: TestServer;
let sdk: FlagstaffClient;
const errors: Error[] = [];

beforeAll(async () => {
  server = await startTestServer();
  const sdkKey = await createServerKey(server);
  await createFlag(server, { key: 'new-checkout' });
  await setTargeting(server, 'new-checkout', 'production', {
    enabled: true,
    offVariant: 'off',
    rules: [{ id: 'us-premium', conditions: [{ attribute: 'country', operator: 'in', values: ['US'] }], serve: { variant: 'on' } }],
    defaultServe: { variant: 'off' },
  });
  await createFlag(server, { key: 'banner', type: 'string', variants: { blue: 'Blue', red: 'Red' } });
  await setTargeting(server, 'banner', 'production', { enabled: true, offVariant: 'blue', defaultServe: { variant: 'red' } });
  await createFlag(server, { key: 'page-size', type: 'number', variants: { small: 10, large: 50 } });
  await setTargeting(server, 'page-size', 'production', { enabled: true, offVariant: 'small', defaultServe: { variant: 'large' } });
  await createFlag(server, { key: 'layout', type: 'json', variants: { grid: { columns: 3 }, list: { columns: 1 } } });
  await setTargeting(server, 'layout', 'production', { enabled: true, offVariant: 'list', defaultServe: { variant: 'grid' } });
  await server.projection.caughtUp();
  sdk = createFlagstaffClient({ url: server.url, sdkKey, onError: (error) => errors.push(error) });
  await sdk.ready();
  await OpenFeature.setProviderAndWait('default-type', new FlagstaffProvider(sdk));
});
afterAll(async () => {
  await OpenFeature.close();
  await sdk.close();
  await server.close();
});

/** Calls a getter the way plain JavaScript (or a cast) can: arguments TypeScript would have refused. */
const untyped = <T>(value: unknown): T => value as T;

describe('the SDK refuses a default whose type does not match the getter', () => {
  it('answers ERROR / TYPE_MISMATCH with the given default unchanged, and tells onError, for each getter', () => {
    const cases = [
      { call: () => sdk.getBooleanDetails('new-checkout', untyped(context), untyped(false)), given: context, typeName: 'boolean', actual: 'object' },
      { call: () => sdk.getBooleanDetails('new-checkout', untyped(undefined), context), given: undefined, typeName: 'boolean', actual: 'undefined' },
      { call: () => sdk.getStringDetails('banner', untyped(7), context), given: 7, typeName: 'string', actual: 'number' },
      { call: () => sdk.getNumberDetails('page-size', untyped('10'), context), given: '10', typeName: 'number', actual: 'string' },
      { call: () => sdk.getObjectDetails('layout', untyped<object>(null), context), given: null, typeName: 'object', actual: 'null' },
      { call: () => sdk.getObjectDetails('layout', untyped<object>('grid'), context), given: 'grid', typeName: 'object', actual: 'string' },
    ];
    for (const { call, given, typeName, actual } of cases) {
      errors.length = 0;
      const details = call();
      expect(details, `${typeName} getter, ${actual} default`).toEqual({
        flagKey: details.flagKey,
        value: given,
        reason: 'ERROR',
        errorCode: 'TYPE_MISMATCH',
        errorMessage: expect.stringContaining(`is a ${actual}, not a ${typeName}`),
        revision: sdk.revision,
      });
      expect(details.value).toBe(given); // the very object, not a copy
      expect(errors.map((e) => e.message)).toEqual([details.errorMessage]);
      expect(errors[0]).toBeInstanceOf(TypeError);
    }
    // The value getters answer the same default: the README's old snippet now returns the context, flagged as an error.
    expect(sdk.getBooleanValue('new-checkout', untyped(context), untyped(false))).toBe(context);
  });

  it('evaluates as before when the default has the right type (arrays count as objects for JSON flags)', () => {
    errors.length = 0;
    expect(sdk.getBooleanDetails('new-checkout', false, context)).toMatchObject({ value: true, variant: 'on', reason: 'TARGETING_MATCH', ruleId: 'us-premium' });
    expect(sdk.getStringValue('banner', 'none', context)).toBe('Red');
    expect(sdk.getNumberValue('page-size', 0, context)).toBe(50);
    expect(sdk.getObjectValue('layout', [], context)).toEqual({ columns: 3 });
    expect(errors).toEqual([]);
  });

  it('does the same through the OpenFeature provider, where any JSON default suits the object getter', async () => {
    const client = OpenFeature.getClient('default-type');
    errors.length = 0;
    expect(await client.getBooleanDetails('new-checkout', untyped(context), untyped({}))).toMatchObject({ value: context, reason: 'ERROR', errorCode: ErrorCode.TYPE_MISMATCH });
    expect(await client.getStringDetails('banner', untyped(1), context)).toMatchObject({ value: 1, reason: 'ERROR', errorCode: ErrorCode.TYPE_MISMATCH });
    expect(await client.getNumberDetails('page-size', untyped(true), context)).toMatchObject({ value: true, reason: 'ERROR', errorCode: ErrorCode.TYPE_MISMATCH });
    expect(errors).toHaveLength(3);
    // OpenFeature's JsonValue includes scalars: a scalar default is legitimate for an object flag and still gets it.
    expect(await client.getObjectDetails('layout', 'none', context)).toMatchObject({ value: { columns: 3 }, variant: 'grid' });
    expect(await client.getBooleanDetails('new-checkout', false, context)).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
    expect(errors).toHaveLength(3);
  });
});
