import { expect } from 'vitest';
import { request, type ApiResponse, type TestServer } from './flagstaff.ts';

/**
 * Races over invariants that span streams (one running experiment per flag and environment; no archived flag
 * under a running experiment or a prerequisite), run against one server or several sharing one store. Each
 * sends twenty requests at once, spread over the servers, and checks both the answers and the log.
 */
export interface Race {
  readonly servers: readonly TestServer[];
  /** Prefix of every key the race creates, so races can share a store. */
  readonly prefix: string;
}

const design = (flagKey: string, metric: string) => ({
  flagKey,
  environment: 'production',
  hypothesis: 'one of many',
  controlVariant: 'off',
  variants: [{ variant: 'off', weight: 50_000 }, { variant: 'on', weight: 50_000 }],
  trafficPercent: 100,
  primaryMetric: metric,
  method: 'frequentist',
});

function at(race: Race, i: number): string {
  return race.servers[i % race.servers.length]!.url;
}

async function created(response: Promise<ApiResponse>): Promise<void> {
  expect((await response).status).toBe(201);
}

/** A flag, a metric and `count` draft experiments on the flag in production. */
async function experimentsOnOneFlag(race: Race, count: number): Promise<{ flag: string; experiments: string[] }> {
  const [server] = race.servers;
  const flag = `${race.prefix}-flag`;
  const metric = `${race.prefix}-metric`;
  await created(server!.api('POST', '/admin/flags', { body: { key: flag } }));
  await created(server!.api('POST', '/admin/metrics', { body: { key: metric, kind: 'binomial', event: 'purchase' } }));
  const experiments = Array.from({ length: count }, (_, i) => `${race.prefix}-e${i}`);
  for (const key of experiments) await created(server!.api('POST', '/admin/experiments', { body: { key, ...design(flag, metric) } }));
  return { flag, experiments };
}

async function eventsOf(race: Race, types: string[]): Promise<{ streamId: string; type: string }[]> {
  const all = await race.servers[0]!.store.readAll({ limit: 1_000_000 });
  return all.filter((e) => types.includes(e.type) && e.streamId.includes(race.prefix));
}

function expectProblems(responses: ApiResponse[], status: number): void {
  for (const response of responses) {
    expect(response.status, JSON.stringify(response.body)).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
  }
}

/** Twenty experiments on one flag and environment start at once: one runs, nineteen get a 422 naming it. */
export async function twentyStartsOnOneFlag(race: Race): Promise<void> {
  const { experiments } = await experimentsOnOneFlag(race, 20);
  const responses = await Promise.all(experiments.map((key, i) => request(at(race, i), 'POST', `/admin/experiments/${key}/start`)));

  const winners = responses.filter((r) => r.status === 200);
  expect(winners).toHaveLength(1);
  const winner = winners[0]!.body.key as string;
  const losers = responses.filter((r) => r.status !== 200);
  expectProblems(losers, 422);
  // A loser may have met the winner's reservation before the winner's start landed.
  for (const loser of losers) expect(loser.body.errors[0]).toMatchObject({ pointer: '#/flagKey', detail: expect.stringMatching(new RegExp(`^${winner} is already (running|starting)`)) });

  expect(await eventsOf(race, ['ExperimentStarted'])).toEqual([expect.objectContaining({ streamId: `experiment-${winner}` })]);
  for (const server of race.servers) {
    const listed = await server.api('GET', '/admin/experiments');
    const running = listed.body.experiments.filter((e: { key: string; status: string }) => e.key.startsWith(race.prefix) && e.status === 'running');
    expect(running.map((e: { key: string }) => e.key)).toEqual([winner]);
  }
}

/** Archiving the flag races nineteen experiment starts on it: either the flag is archived or one experiment runs. */
export async function archiveAgainstStarts(race: Race): Promise<void> {
  const { flag, experiments } = await experimentsOnOneFlag(race, 19);
  const [archive, ...starts] = await Promise.all([
    request(at(race, 0), 'DELETE', `/admin/flags/${flag}`),
    ...experiments.map((key, i) => request(at(race, i + 1), 'POST', `/admin/experiments/${key}/start`)),
  ]);

  const effects = await eventsOf(race, ['FlagArchived', 'ExperimentStarted']);
  expect(effects).toHaveLength(1);
  if (archive!.status === 200) {
    expect(effects[0]!.type).toBe('FlagArchived');
    // Whether a start met the archive in the flag's stream or saw it in the model first, it is the same refusal.
    expectProblems(starts, 422);
    for (const start of starts) expect(start.body.errors[0]).toMatchObject({ pointer: '#/flagKey', detail: expect.stringMatching(/^names no live flag/) });
  } else {
    expectProblems([archive!], 409);
    expect(effects[0]!.type).toBe('ExperimentStarted');
    expect(starts.filter((r) => r.status === 200)).toHaveLength(1);
    expectProblems(starts.filter((r) => r.status !== 200), 422);
  }
}

/** Nineteen flags are made to depend on one flag while it is archived: either it is archived or they all depend on it. */
export async function archiveAgainstPrerequisites(race: Race): Promise<void> {
  const [server] = race.servers;
  const flag = `${race.prefix}-base`;
  await created(server!.api('POST', '/admin/flags', { body: { key: flag } }));
  const dependents = Array.from({ length: 19 }, (_, i) => `${race.prefix}-d${i}`);
  for (const key of dependents) await created(server!.api('POST', '/admin/flags', { body: { key } }));
  const targeting = { enabled: true, offVariant: 'off', prerequisites: [{ flagKey: flag, variant: 'on' }], defaultServe: { variant: 'on' } };

  const [archive, ...changes] = await Promise.all([
    request(at(race, 0), 'DELETE', `/admin/flags/${flag}`),
    ...dependents.map((key, i) =>
      request(at(race, i + 1), 'PUT', `/admin/flags/${key}/environments/production`, { body: targeting, headers: { 'if-match': 'W/"1"' } }),
    ),
  ]);

  const archived = (await eventsOf(race, ['FlagArchived'])).length;
  const dependentsNow = await Promise.all(dependents.map(async (key) => (await server!.api('GET', `/admin/flags/${key}`)).body));
  const depending = dependentsNow.filter((d) => d.environments.production.prerequisites.length > 0).length;
  if (archive!.status === 200) {
    expect({ archived, depending }).toEqual({ archived: 1, depending: 0 });
    expectProblems(changes, 422);
  } else {
    expectProblems([archive!], 409);
    expect({ archived, depending }).toEqual({ archived: 0, depending: 19 });
    expect(changes.map((r) => r.status)).toEqual(dependents.map(() => 200));
  }
}
