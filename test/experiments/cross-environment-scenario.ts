import { expect } from 'vitest';
import { eventually } from '../support/eventually.ts';
import { request, type TestServer } from '../support/flagstaff.ts';

/**
 * The audit's finding (issue 14): a development key wrote a production experiment's data, moving its sample-ratio
 * counts from 48/52 to 48/252. Here a production experiment gets 100 units from a production key, then a
 * development key sends 200 exposures and metric events for the same experiment (some for production's own
 * units): claiming `environment: production` is refused as a whole (403, each event named); claiming
 * development, or nothing, is accepted and stored under development; production's results do not move.
 *
 * Shared by the embedded (DuckDB) and the production (Kafka, ClickHouse) pipelines; `prefix` keeps its keys apart
 * from other data in the same server. `published` counts messages the bus received, where a test can observe it.
 */
export async function crossEnvironmentScenario(server: TestServer, prefix: string, published?: () => number): Promise<void> {
  const experimentKey = `${prefix}-test`;
  const event = `${prefix}-signup`;
  const keyOf = async (environment: string): Promise<string> => (await server.api('POST', '/admin/api-keys', { body: { environment, kind: 'server' } })).body.key;
  const production = await keyOf('production');
  const development = await keyOf('development');
  expect((await server.api('POST', '/admin/flags', { body: { key: `${prefix}-flag` } })).status).toBe(201);
  expect((await server.api('POST', '/admin/metrics', { body: { key: event, kind: 'binomial', event } })).status).toBe(201);
  const created = await server.api('POST', '/admin/experiments', {
    body: {
      key: experimentKey,
      flagKey: `${prefix}-flag`,
      environment: 'production',
      controlVariant: 'off',
      variants: [{ variant: 'off', weight: 50_000 }, { variant: 'on', weight: 50_000 }],
      primaryMetric: event,
    },
  });
  expect(created.status).toBe(201);
  expect((await server.api('POST', `/admin/experiments/${experimentKey}/start`)).status).toBe(200);

  const now = Date.now();
  const at = (offsetMs: number): string => new Date(now + offsetMs).toISOString();
  const exposure = (id: string, unitId: string, variant: string, extra: Record<string, string> = {}) => ({
    type: 'exposure',
    eventId: id,
    flagKey: `${prefix}-flag`,
    experimentKey,
    variant,
    unitId,
    timestamp: at(0),
    ...extra,
  });
  const signup = (id: string, unitId: string, extra: Record<string, string> = {}) => ({ type: 'metric', eventId: id, name: event, unitId, timestamp: at(1_000), ...extra });
  const send = (key: string, events: unknown[]) => request(server.url, 'POST', '/api/v1/events', { token: null, headers: { authorization: `Bearer ${key}` }, body: { events } });
  const results = async () => {
    const response = await server.api('GET', `/admin/experiments/${experimentKey}/results`);
    expect(response.status).toBe(200);
    return { observed: response.body.srm.observed, signups: response.body.metrics[0].statistics, multipleExposures: response.body.multipleExposures };
  };

  // Production: 48 units in off, 52 in on; every fourth unit signs up.
  const units = Array.from({ length: 100 }, (_, i) => `${prefix}-p-${i}`);
  const counted = await server.analytics.eventCounts();
  const own = [...units.map((u, i) => exposure(`${u}-x`, u, i < 48 ? 'off' : 'on')), ...units.flatMap((u, i) => (i % 4 === 0 ? [signup(`${u}-m`, u)] : []))];
  expect((await send(production, own)).status).toBe(202);
  await eventually(async () => expect((await server.analytics.eventCounts()).exposures).toBe(counted.exposures + 100), 60_000, 200);
  await eventually(async () => expect((await server.analytics.eventCounts()).metricEvents).toBe(counted.metricEvents + 25), 60_000, 200);
  const before = await results();
  expect(before.observed).toEqual({ off: 48, on: 52 });
  expect(before.signups).toMatchObject({ off: { n: 48, sum: 12 }, on: { n: 52, sum: 13 } });

  // Development claiming production: refused, every claiming event named, nothing published.
  const visitors = Array.from({ length: 200 }, (_, i) => `${prefix}-d-${i}`);
  const publishedBefore = published?.();
  const forged = [
    ...visitors.map((u) => exposure(`${u}-forged-x`, u, 'on', { environment: 'production' })),
    ...units.map((u) => signup(`${u}-forged-m`, u, { environment: 'production' })),
  ];
  const refused = await send(development, forged);
  expect(refused.status).toBe(403);
  expect(refused.headers.get('content-type')).toContain('application/problem+json');
  const pointers = refused.body.errors.map((e: { pointer: string }) => e.pointer);
  expect(pointers).toHaveLength(300);
  expect(pointers).toContain('#/events/7/environment');
  expect(pointers).toContain('#/events/299/environment');
  if (published) expect(published()).toBe(publishedBefore);

  // Development naming itself, or nothing: accepted, and stored under development.
  const honest = [
    ...visitors.map((u, i) => exposure(`${u}-x`, u, 'on', i % 2 === 0 ? { environment: 'development' } : {})),
    ...units.map((u, i) => signup(`${u}-dev-m`, u, i % 2 === 0 ? { environment: 'development' } : {})),
    ...visitors.slice(0, 100).map((u) => signup(`${u}-m`, u)),
  ];
  expect((await send(development, honest)).status).toBe(202);
  await eventually(async () => expect((await server.analytics.eventCounts()).exposures).toBe(counted.exposures + 300), 60_000, 200);
  await eventually(async () => expect((await server.analytics.eventCounts()).metricEvents).toBe(counted.metricEvents + 225), 60_000, 200);

  expect(await results()).toEqual(before);
  const developmentStatistics = await server.analytics.experimentStatistics({
    experimentKey,
    environment: 'development',
    variants: ['off', 'on'],
    metrics: [{ key: event, kind: 'binomial', event, cuped: false }],
    cupedPreWindowDays: 14,
  });
  expect(developmentStatistics.units).toEqual({ off: 0, on: 200 });
  expect(developmentStatistics.metrics[event]).toMatchObject({ on: { n: 200, sum: 100 } });
}
