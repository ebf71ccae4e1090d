import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.ts';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';
import { dropSchema, postgresStore } from '../support/postgres.ts';

const SCHEMA = 'e2e_flag_schedules';
const servers: TestServer[] = [];
beforeAll(async () => {
  await dropSchema(SCHEMA);
  // Three processes in effect: each its own write model, scheduler and timer, one log on PostgreSQL.
  for (let i = 0; i < 3; i++) servers.push(await startTestServer({ store: await postgresStore(SCHEMA) }));
});
afterAll(async () => {
  for (const server of servers) await server.close();
  await dropSchema(SCHEMA);
});

describe('scheduled changes on PostgreSQL, three processes', () => {
  it('applies each schedule exactly once, whichever process gets there first', async () => {
    const [first, second, third] = servers as [TestServer, TestServer, TestServer];
    const flags = ['sched-a', 'sched-b', 'sched-c', 'sched-d'];
    for (const key of flags) expect((await first.api('POST', '/admin/flags', { body: { key } })).status).toBe(201);

    // One schedule per flag and environment, all due together, made through different processes: each process's
    // timer fires for every one of them. Each turns its environment on, a change whichever order they land in.
    const made: { key: string; env: string; id: string }[] = [];
    const at = new Date(Date.now() + 2_000).toISOString();
    for (const [i, key] of flags.entries()) {
      for (const [j, env] of ['development', 'staging', 'production'].entries()) {
        const response = await servers[(i + j) % 3]!.api('POST', `/admin/flags/${key}/environments/${env}/schedules`, { body: { at, change: { enabled: true }, reason: `open ${env}` } });
        expect(response.status).toBe(201);
        made.push({ key, env, id: response.body.id });
      }
    }

    // Wait until every process's write model sees each one settled (each of them raced for it).
    for (const server of [first, second, third]) {
      for (const { key, env, id } of made) {
        await eventually(async () => {
          const list = await server.api('GET', `/admin/flags/${key}/environments/${env}/schedules`);
          expect(list.body.schedules.find((s: { id: string }) => s.id === id).status).toBe('applied');
        });
      }
    }
    for (const key of flags) {
      const events = await first.store.readStream(`flag-${key}`);
      for (const { id } of made.filter((m) => m.key === key)) {
        expect(events.filter((e) => e.type === 'FlagScheduleApplied' && e.data['scheduleId'] === id)).toHaveLength(1);
        expect(events.filter((e) => e.type === 'FlagToggled' && e.data['scheduleId'] === id)).toHaveLength(1);
        expect(events.some((e) => e.type === 'FlagScheduleFailed')).toBe(false);
      }
      const flag = await third.api('GET', `/admin/flags/${key}`);
      for (const env of ['development', 'staging', 'production']) expect(flag.body.environments[env].enabled).toBe(true);
    }
  });
});
