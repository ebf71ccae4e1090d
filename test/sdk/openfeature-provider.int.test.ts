import fs from 'node:fs/promises';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { ErrorCode, OpenFeature, ProviderEvents, ProviderStatus, type EventDetails } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlagstaffProvider } from '../../src/sdk/openfeature-provider.ts';
import { eventually } from '../support/eventually.ts';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';
import { createFlag, createServerKey, freePort, setTargeting, startOnDisk, tempDir, toggle } from './sdk-fixtures.ts';

let server: TestServer;
let sdkKey: string;
const fast = { reconnect: { initialDelayMs: 50, maxDelayMs: 400 }, pollIntervalMs: 300, initTimeoutMs: 2_000 };

beforeAll(async () => {
  server = await startTestServer({ sseHeartbeatMs: 500 });
  sdkKey = await createServerKey(server);
  await createFlag(server, { key: 'new-checkout' });
  await setTargeting(server, 'new-checkout', 'production', {
    enabled: true,
    offVariant: 'off',
    targets: [{ variant: 'on', units: ['user-1'] }],
    rules: [{ id: 'us-premium', conditions: [{ attribute: 'country', operator: 'in', values: ['US'] }, { attribute: 'plan', operator: 'eq', values: ['premium'] }], serve: { variant: 'on' } }],
    defaultServe: { split: [{ variant: 'on', weight: 25_000 }, { variant: 'off', weight: 75_000 }] },
  });
  await createFlag(server, { key: 'banner', type: 'string', variants: { blue: 'Blue', red: 'Red' } });
  await toggle(server, 'banner', true);
  await createFlag(server, { key: 'page-size', type: 'number', variants: { small: 10, large: 50 } });
  await setTargeting(server, 'page-size', 'production', { enabled: true, offVariant: 'small', defaultServe: { variant: 'large' } });
  await createFlag(server, { key: 'layout', type: 'json', variants: { grid: { columns: 3 }, list: { columns: 1 } } });
  await setTargeting(server, 'layout', 'production', { enabled: true, offVariant: 'list', defaultServe: { variant: 'grid' } });
  await server.projection.caughtUp();
});
afterAll(async () => {
  await OpenFeature.close();
  await server.close();
});

describe('FlagstaffProvider, through the OpenFeature SDK', () => {
  it('resolves every type with reason, variant and flag metadata (revision, ruleId)', async () => {
    await OpenFeature.setProviderAndWait('details', new FlagstaffProvider({ url: server.url, sdkKey, ...fast }));
    const client = OpenFeature.getClient('details');
    const revision = server.projection.model.revisionOf('production');

    const rule = await client.getBooleanDetails('new-checkout', false, { targetingKey: 'user-7', country: 'US', plan: 'premium' });
    expect(rule).toMatchObject({ flagKey: 'new-checkout', value: true, variant: 'on', reason: 'TARGETING_MATCH', flagMetadata: { revision, ruleId: 'us-premium' } });
    expect(rule.errorCode).toBeUndefined();
    expect(await client.getBooleanDetails('new-checkout', true, { targetingKey: 'user-1' })).toMatchObject({ value: true, reason: 'TARGETING_MATCH', flagMetadata: { revision } });
    expect((await client.getBooleanDetails('new-checkout', true, { targetingKey: 'user-9', country: 'FR' })).reason).toBe('SPLIT');
    expect(await client.getStringDetails('banner', 'none', { targetingKey: 'u' })).toMatchObject({ value: 'Blue', variant: 'blue', reason: 'DEFAULT' });
    expect(await client.getNumberDetails('page-size', 0, { targetingKey: 'u' })).toMatchObject({ value: 50, variant: 'large', reason: 'DEFAULT' });
    expect(await client.getObjectDetails('layout', {}, { targetingKey: 'u' })).toMatchObject({ value: { columns: 3 }, variant: 'grid' });
    // An OpenFeature context may carry Dates; they reach the engine as ISO strings rather than breaking it.
    expect((await client.getStringDetails('banner', 'none', { targetingKey: 'u', signedUpAt: new Date() })).value).toBe('Blue');
  });

  it('gives the default with ERROR and the error code for a missing flag, a type mismatch and a missing targeting key', async () => {
    const client = OpenFeature.getClient('details');
    expect(await client.getBooleanDetails('no-such-flag', true, { targetingKey: 'u' })).toMatchObject({ value: true, reason: 'ERROR', errorCode: ErrorCode.FLAG_NOT_FOUND });
    expect(await client.getNumberDetails('banner', 7, { targetingKey: 'u' })).toMatchObject({ value: 7, reason: 'ERROR', errorCode: ErrorCode.TYPE_MISMATCH });
    expect(await client.getStringDetails('layout', 'x', { targetingKey: 'u' })).toMatchObject({ value: 'x', errorCode: ErrorCode.TYPE_MISMATCH });
    expect(await client.getBooleanDetails('new-checkout', false, { country: 'FR' })).toMatchObject({ value: false, reason: 'ERROR', errorCode: ErrorCode.TARGETING_KEY_MISSING });
    // Hooks see the error too, as with any provider.
    const errors: string[] = [];
    await client.getBooleanValue('no-such-flag', false, {}, { hooks: [{ error: (_hook, error) => void errors.push((error as Error).message) }] });
    expect(errors[0]).toMatch(/no-such-flag/);
  });

  it('emits READY, CONFIGURATION_CHANGED with the flags changed, STALE when the server goes away, READY again when it is back', async () => {
    // The provider talks to a server of its own, on disk, so that it can go away and come back with the same key.
    const dataDir = await tempDir('flagstaff-openfeature-');
    const port = await freePort();
    const own = await startOnDisk(dataDir, port);
    const key = await createServerKey(own);
    await createFlag(own, { key: 'kill-switch' });
    await own.projection.caughtUp();

    const seen: { event: ProviderEvents; details?: EventDetails }[] = [];
    const client = OpenFeature.getClient('events');
    for (const event of [ProviderEvents.Ready, ProviderEvents.ConfigurationChanged, ProviderEvents.Stale, ProviderEvents.Error]) {
      client.addHandler(event, (details) => void seen.push({ event, ...(details ? { details } : {}) }));
    }
    await OpenFeature.setProviderAndWait('events', new FlagstaffProvider({ url: own.url, sdkKey: key, ...fast }));
    await eventually(async () => expect(seen.map((s) => s.event)).toEqual([ProviderEvents.Ready]));

    await toggle(own, 'kill-switch', true);
    await eventually(async () => expect(seen.find((s) => s.event === ProviderEvents.ConfigurationChanged)?.details?.flagsChanged).toEqual(['kill-switch']));
    expect(await client.getBooleanValue('kill-switch', false, { targetingKey: 'u' })).toBe(true);

    await own.close();
    await eventually(async () => expect(client.providerStatus).toBe(ProviderStatus.STALE));
    expect(seen.at(-1)?.event).toBe(ProviderEvents.Stale);
    // Stale, not broken: the last good configuration still answers.
    expect(await client.getBooleanDetails('kill-switch', false, { targetingKey: 'u' })).toMatchObject({ value: true, reason: 'DEFAULT' });

    const back = await startOnDisk(dataDir, port);
    try {
      await eventually(async () => expect(client.providerStatus).toBe(ProviderStatus.READY), 15_000);
      expect(seen.map((s) => s.event)).toEqual([ProviderEvents.Ready, ProviderEvents.ConfigurationChanged, ProviderEvents.Stale, ProviderEvents.Ready]);
      await toggle(back, 'kill-switch', false);
      await eventually(async () => expect(await client.getBooleanDetails('kill-switch', true, { targetingKey: 'u' })).toMatchObject({ value: false, reason: 'DISABLED' }));
    } finally {
      await OpenFeature.clearProviders();
      await back.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  it('reports ERROR when no configuration can be loaded, then READY when the server appears', async () => {
    const dataDir = await tempDir('flagstaff-openfeature-down-');
    const port = await freePort();
    const seed = await startOnDisk(dataDir, port);
    const key = await createServerKey(seed);
    await createFlag(seed, { key: 'kill-switch' });
    await seed.close();

    const provider = new FlagstaffProvider({ url: `http://127.0.0.1:${port}`, sdkKey: key, ...fast, initTimeoutMs: 300 });
    await expect(OpenFeature.setProviderAndWait('down', provider)).rejects.toThrow(/no configuration/);
    const client = OpenFeature.getClient('down');
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
    expect(await client.getBooleanDetails('kill-switch', true, { targetingKey: 'u' })).toMatchObject({ value: true, reason: 'ERROR', errorCode: ErrorCode.PROVIDER_NOT_READY });

    const up = await startOnDisk(dataDir, port);
    try {
      await eventually(async () => expect(client.providerStatus).toBe(ProviderStatus.READY), 15_000);
      expect(await client.getBooleanDetails('kill-switch', true, { targetingKey: 'u' })).toMatchObject({ value: false, reason: 'DISABLED' });
    } finally {
      await OpenFeature.clearProviders();
      await up.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  it('maps track() to a metric event that reaches the server', async () => {
    const provider = new FlagstaffProvider({ url: server.url, sdkKey, ...fast, events: { flushIntervalMs: 50 } });
    await OpenFeature.setProviderAndWait('tracking', provider);
    const client = OpenFeature.getClient('tracking');
    const before = (await server.analytics.eventCounts()).metricEvents;
    client.track('purchase', { targetingKey: 'user-42' }, { value: 19.99 });
    client.track('signup', { targetingKey: 'user-43' });
    client.track('no-unit', {}); // nothing to attribute it to: ignored, not thrown
    await provider.client.flush();
    expect(provider.client.eventStats).toMatchObject({ sent: 2, dropped: 0, pending: 0 });
    await eventually(async () => expect((await server.analytics.eventCounts()).metricEvents).toBe(before + 2));
  });
});

describe("OpenFeature's own OFREP provider against /ofrep/v1", () => {
  it('resolves boolean, string, number and object flags, and a missing flag has FLAG_NOT_FOUND', async () => {
    await OpenFeature.setProviderAndWait('ofrep', new OFREPProvider({ baseUrl: server.url, headers: [['Authorization', `Bearer ${sdkKey}`]] }));
    const client = OpenFeature.getClient('ofrep');
    const revision = server.projection.model.revisionOf('production');
    expect(await client.getBooleanDetails('new-checkout', false, { targetingKey: 'user-7', country: 'US', plan: 'premium' })).toMatchObject({
      value: true,
      variant: 'on',
      reason: 'TARGETING_MATCH',
      flagMetadata: { revision, ruleId: 'us-premium' },
    });
    expect(await client.getStringDetails('banner', 'none', { targetingKey: 'u' })).toMatchObject({ value: 'Blue', variant: 'blue', reason: 'DEFAULT' });
    expect(await client.getNumberValue('page-size', 0, { targetingKey: 'u' })).toBe(50);
    expect(await client.getObjectValue('layout', {}, { targetingKey: 'u' })).toEqual({ columns: 3 });
    expect(await client.getBooleanDetails('no-such-flag', true, { targetingKey: 'u' })).toMatchObject({ value: true, reason: 'ERROR', errorCode: ErrorCode.FLAG_NOT_FOUND });
    expect(await client.getNumberDetails('banner', 1, { targetingKey: 'u' })).toMatchObject({ value: 1, reason: 'ERROR', errorCode: ErrorCode.TYPE_MISMATCH });
  });
});
