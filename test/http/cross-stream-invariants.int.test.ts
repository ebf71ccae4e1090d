import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveAgainstPrerequisites, archiveAgainstStarts, twentyStartsOnOneFlag } from '../support/cross-stream-races.ts';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.close());

const metadata = { actor: 'crashed-process', correlationId: 'c', timestamp: new Date().toISOString(), schemaVersion: 1 };
const design = {
  flagKey: 'held',
  environment: 'production',
  hypothesis: 'h',
  controlVariant: 'off',
  variants: [{ variant: 'off', weight: 50_000 }, { variant: 'on', weight: 50_000 }],
  trafficPercent: 100,
  primaryMetric: 'clicks',
  method: 'frequentist',
};

describe('invariants that span streams, decided by the event store', () => {
  it('runs one of twenty experiments started at once on one flag and environment', async () => {
    await twentyStartsOnOneFlag({ servers: [server], prefix: 'starts' });
  });

  it('either archives a flag or starts one experiment on it, when both are asked at once', async () => {
    await archiveAgainstStarts({ servers: [server], prefix: 'archive-start' });
  });

  it('either archives a flag or lets others depend on it, when both are asked at once', async () => {
    await archiveAgainstPrerequisites({ servers: [server], prefix: 'archive-prerequisite' });
  });

  it('refuses to archive a flag while an experiment on it runs, and frees it once the experiment stops', async () => {
    expect((await server.api('POST', '/admin/flags', { body: { key: 'held' } })).status).toBe(201);
    expect((await server.api('POST', '/admin/metrics', { body: { key: 'clicks', kind: 'binomial', event: 'click' } })).status).toBe(201);
    expect((await server.api('POST', '/admin/experiments', { body: { key: 'holder', ...design } })).status).toBe(201);
    expect((await server.api('POST', '/admin/experiments', { body: { key: 'next', ...design } })).status).toBe(201);
    expect((await server.api('POST', '/admin/experiments/holder/start')).status).toBe(200);

    const refused = await server.api('DELETE', '/admin/flags/held');
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/holder is running on held in production/);
    expect((await server.api('GET', '/admin/flags/held')).body.archived).toBe(false);

    expect((await server.api('POST', '/admin/experiments/holder/stop')).status).toBe(200);
    expect((await server.api('POST', '/admin/experiments/next/start')).body.status).toBe('running');
    expect((await server.api('POST', '/admin/experiments/next/stop')).status).toBe(200);
    expect((await server.api('DELETE', '/admin/flags/held')).body.archived).toBe(true);
  });

  it('after a crash between reserving a flag and starting, holds the flag until the start is retried or the experiment changes', async () => {
    expect((await server.api('POST', '/admin/flags', { body: { key: 'cut' } })).status).toBe(201);
    const cut = { ...design, flagKey: 'cut' };
    expect((await server.api('POST', '/admin/experiments', { body: { key: 'cut-short', ...cut } })).status).toBe(201);
    expect((await server.api('POST', '/admin/experiments', { body: { key: 'cut-next', ...cut } })).status).toBe(201);
    // What a process that died right after its reservation leaves behind: the flag reserved, the experiment a draft.
    await server.store.append('flag-cut', [{ type: 'FlagExperimentAttached', data: { environment: 'production', experimentKey: 'cut-short', experimentVersion: 1 }, metadata }], {
      expectedVersion: 1,
    });

    const blocked = await server.api('POST', '/admin/experiments/cut-next/start');
    expect(blocked.status).toBe(422);
    expect(blocked.body.errors[0].detail).toMatch(/cut-short is already starting on cut in production/);
    expect((await server.api('DELETE', '/admin/flags/cut')).status).toBe(409);

    const retried = await server.api('POST', '/admin/experiments/cut-short/start');
    expect(retried.body.status).toBe('running');
    expect((await server.api('POST', '/admin/experiments/cut-short/stop')).status).toBe(200);
    expect((await server.api('POST', '/admin/experiments/cut-next/start')).body.status).toBe('running');
  });

  it('after a crash between claiming a prerequisite and the change, refuses to archive it until the dependent moves on', async () => {
    expect((await server.api('POST', '/admin/flags', { body: { key: 'claimed' } })).status).toBe(201);
    expect((await server.api('POST', '/admin/flags', { body: { key: 'claimer' } })).status).toBe(201);
    await server.store.append('flag-claimed', [{ type: 'FlagPrerequisiteClaimed', data: { dependentKey: 'claimer', dependentVersion: 1 }, metadata }], {
      expectedVersion: 1,
    });

    const refused = await server.api('DELETE', '/admin/flags/claimed');
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/prerequisite of claimer/);
    expect((await server.api('POST', '/admin/flags/claimer/environments/production/toggle', { body: { enabled: true } })).status).toBe(200);
    expect((await server.api('DELETE', '/admin/flags/claimed')).body.archived).toBe(true);
  });
});
