import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDriver } from '../../src/event-store/pglite-driver.ts';
import { createSqlEventStore } from '../../src/event-store/sql-event-store.ts';
import type { StoredEvent } from '../../src/event-store/event-store.ts';
import { eventually } from '../support/eventually.ts';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';

const HOUR = 3_600_000;
const inAnHour = (): string => new Date(Date.now() + HOUR).toISOString();
const SCHEDULES = (key: string, env = 'production') => `/admin/flags/${key}/environments/${env}/schedules`;

/**
 * The scheduler's clock runs `ahead` of the real one: a schedule an hour off is made due by moving the clock
 * past it, not by waiting (no test here depends on how fast the machine is). The scheduler re-arms its timer
 * when a schedule event is folded, so a schedule made on another flag wakes it after the clock moved.
 */
let ahead = 0;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ schedulerClock: () => new Date(Date.now() + ahead) });
  expect((await server.api('POST', '/admin/flags', { body: { key: 'wake-up' } })).status).toBe(201);
});
afterAll(async () => server.close());

async function moveClockPastAnHour(): Promise<void> {
  ahead = HOUR + 60_000;
  const poke = await server.api('POST', SCHEDULES('wake-up'), { body: { at: '2099-01-01T00:00:00Z', change: { enabled: true } } });
  expect(poke.status).toBe(201);
}

async function flagEvents(key: string): Promise<StoredEvent[]> {
  return server.store.readStream(`flag-${key}`);
}

async function createFlag(key: string): Promise<void> {
  expect((await server.api('POST', '/admin/flags', { body: { key } })).status).toBe(201);
}

/** Waits for the schedule to leave `pending`; bounded only by the test's timeout. */
async function settled(key: string, id: string): Promise<Record<string, unknown>> {
  return eventually(async () => {
    const list = await server.api('GET', SCHEDULES(key));
    const found = list.body.schedules.find((s: { id: string }) => s.id === id);
    expect(found.status).not.toBe('pending');
    return found;
  });
}

describe('scheduled changes', () => {
  it('schedules a toggle, lists it pending, and applies it once its time comes, in the name of who scheduled it', async () => {
    await createFlag('launch');
    const at = new Date(Date.now() + 1_000).toISOString();
    const made = await server.api('POST', SCHEDULES('launch'), { body: { at, change: { enabled: true }, reason: 'launch at nine' } });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ flagKey: 'launch', environment: 'production', at, change: { enabled: true }, status: 'pending', reason: 'launch at nine' });
    expect(typeof made.body.createdBy).toBe('string');
    expect(made.headers.get('location')).toBe(`${SCHEDULES('launch')}/${made.body.id}`);
    const listed = await server.api('GET', `${SCHEDULES('launch')}?status=pending`);
    expect(listed.body.schedules.map((s: { id: string }) => s.id)).toContain(made.body.id);

    expect(await settled('launch', made.body.id)).toMatchObject({ status: 'applied' });
    expect((await server.api('GET', '/admin/flags/launch/environments/production')).body.enabled).toBe(true);
    const history = (await server.api('GET', '/admin/flags/launch/history')).body.events;
    const toggle = history.find((e: { type: string }) => e.type === 'FlagToggled');
    expect(toggle).toMatchObject({ actor: made.body.createdBy, reason: 'launch at nine', change: { environment: 'production', enabled: true, scheduleId: made.body.id } });
    expect(history.filter((e: { type: string }) => e.type === 'FlagScheduleApplied')).toEqual([
      expect.objectContaining({ actor: made.body.createdBy, reason: 'launch at nine', change: expect.objectContaining({ scheduleId: made.body.id, changed: true }) }),
    ]);
    // Explain tells the change apart like any other: off as of the schedule's making, on once it applied.
    const explainAt = async (at: Date) =>
      (await server.api('POST', '/admin/explain', { body: { flagKey: 'launch', environment: 'production', context: { targetingKey: 'u-1' }, at: at.toISOString() } })).body.result;
    const events = await flagEvents('launch');
    const madeAt = events.find((e) => e.type === 'FlagChangeScheduled')!.recordedAt;
    const appliedAt = events.find((e) => e.type === 'FlagScheduleApplied')!.recordedAt;
    expect(await explainAt(madeAt)).toMatchObject({ value: false, reason: 'DISABLED' });
    expect(await eventually(async () => {
      const result = await explainAt(appliedAt);
      expect(result.value).toBe(true);
      return result;
    })).toMatchObject({ variant: 'on' });
    const audit = await server.api('GET', '/admin/audit?entity=flag:launch&type=FlagToggled');
    expect(audit.body.entries ?? audit.body.events).toEqual([expect.objectContaining({ reason: 'launch at nine' })]);
  });

  it('applies a scheduled targeting change, as PUT would make it', async () => {
    await createFlag('retarget');
    const targeting = { enabled: true, offVariant: 'off', bucketBy: 'targetingKey', targets: [{ variant: 'on', units: ['u-1'] }], rules: [], defaultServe: { variant: 'off' } };
    const made = await server.api('POST', SCHEDULES('retarget'), { body: { at: new Date().toISOString(), change: { targeting } } });
    expect(made.status).toBe(201);
    expect(await settled('retarget', made.body.id)).toMatchObject({ status: 'applied' });
    expect((await server.api('GET', '/admin/flags/retarget/environments/production')).body).toMatchObject({ enabled: true, targets: [{ variant: 'on', units: ['u-1'] }] });
  });

  it('cancels a pending schedule, which then never applies; cancelling it again is a 409 and appends nothing', async () => {
    await createFlag('called-off');
    const made = await server.api('POST', SCHEDULES('called-off'), { body: { at: inAnHour(), change: { enabled: true } } });
    const cancelled = await server.api('DELETE', `${SCHEDULES('called-off')}/${made.body.id}`, { body: { reason: 'not yet' } });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: made.body.id, status: 'cancelled' });
    const head = await server.store.headPosition();
    const again = await server.api('DELETE', `${SCHEDULES('called-off')}/${made.body.id}`);
    expect(again.status).toBe(409);
    expect(await server.store.headPosition()).toBe(head);
    expect((await server.api('GET', `${SCHEDULES('called-off')}?status=cancelled`)).body.schedules).toEqual([expect.objectContaining({ id: made.body.id })]);
    const cancel = (await flagEvents('called-off')).find((e) => e.type === 'FlagScheduleCancelled');
    expect(cancel?.metadata).toMatchObject({ reason: 'not yet' });
  });

  it('makes one schedule of a request retried with its Idempotency-Key, and answers the retry with it', async () => {
    await createFlag('retried');
    const send = (at: string) => server.api('POST', SCHEDULES('retried'), { body: { at, change: { enabled: true } }, headers: { 'idempotency-key': 'schedule-once' } });
    const at = inAnHour();
    const first = await send(at);
    const retry = await send(at);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect((await flagEvents('retried')).filter((e) => e.type === 'FlagChangeScheduled')).toHaveLength(1);
  });

  it('fails a schedule bound to ifVersion when the flag moved since, with the reason; an unbound one still applies', async () => {
    await createFlag('moving');
    const version = (await server.api('GET', '/admin/flags/moving')).body.version;
    const bound = await server.api('POST', SCHEDULES('moving'), { body: { at: inAnHour(), change: { enabled: true }, ifVersion: version } });
    expect(bound.status).toBe(201);
    const free = await server.api('POST', SCHEDULES('moving', 'staging'), { body: { at: inAnHour(), change: { enabled: true } } });
    expect(free.status).toBe(201);
    expect((await server.api('POST', '/admin/flags/moving/environments/development/toggle', { body: { enabled: true } })).status).toBe(200);
    const never = await server.api('POST', SCHEDULES('moving'), { body: { at: inAnHour(), change: { enabled: false } } });
    expect((await server.api('DELETE', `${SCHEDULES('moving')}/${never.body.id}`)).status).toBe(200);

    await moveClockPastAnHour();
    expect(await settled('moving', bound.body.id)).toMatchObject({ status: 'failed', failure: `the flag changed after version ${version}, which the schedule was bound to` });
    expect((await eventually(async () => {
      const list = await server.api('GET', SCHEDULES('moving', 'staging'));
      expect(list.body.schedules[0].status).toBe('applied');
      return list.body.schedules[0];
    }))).toMatchObject({ id: free.body.id });
    const events = await flagEvents('moving');
    expect(events.filter((e) => e.type === 'FlagScheduleFailed')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'FlagToggled' && e.data['environment'] === 'production')).toEqual([]);
    // The cancelled one never applied, though its time passed too.
    expect(events.some((e) => e.type === 'FlagScheduleApplied' && e.data['scheduleId'] === never.body.id)).toBe(false);
  });

  describe('bad input: a 4xx naming the field, and nothing appended', () => {
    const cases: [string, () => Promise<{ status: number; body: { errors?: { pointer: string }[] } }>, number, string | undefined][] = [
      ['`at` in the past', () => server.api('POST', SCHEDULES('target'), { body: { at: new Date(Date.now() - 60_000).toISOString(), change: { enabled: true } } }), 400, '#/at'],
      ['`at` not a time', () => server.api('POST', SCHEDULES('target'), { body: { at: 'tomorrow', change: { enabled: true } } }), 400, '#/at'],
      ['no change', () => server.api('POST', SCHEDULES('target'), { body: { at: inAnHour(), change: {} } }), 400, '#/change'],
      ['both changes', () => server.api('POST', SCHEDULES('target'), { body: { at: inAnHour(), change: { enabled: true, targeting: { enabled: true, offVariant: 'off', defaultServe: { variant: 'on' } } } } }), 400, '#/change'],
      ['a malformed targeting', () => server.api('POST', SCHEDULES('target'), { body: { at: inAnHour(), change: { targeting: { enabled: true, defaultServe: { variant: 'on' } } } } }), 400, '#/change/targeting/offVariant'],
      ['a targeting naming no variant', () => server.api('POST', SCHEDULES('target'), { body: { at: inAnHour(), change: { targeting: { enabled: true, offVariant: 'off', defaultServe: { variant: 'maybe' } } } } }), 422, '#/change/targeting/defaultServe/variant'],
      ['an ifVersion the flag is not at', () => server.api('POST', SCHEDULES('target'), { body: { at: inAnHour(), change: { enabled: true }, ifVersion: 99 } }), 409, '#/ifVersion'],
      ['an unknown flag', () => server.api('POST', SCHEDULES('nope'), { body: { at: inAnHour(), change: { enabled: true } } }), 404, undefined],
      ['an unknown environment', () => server.api('POST', SCHEDULES('target', 'moon'), { body: { at: inAnHour(), change: { enabled: true } } }), 404, undefined],
      ['a cancel of an unknown schedule', () => server.api('DELETE', `${SCHEDULES('target')}/nope`), 404, undefined],
      ['a cancel under another environment than the schedule\'s', () => server.api('DELETE', `${SCHEDULES('target', 'production')}/${stagingId}`), 404, undefined],
    ];
    let stagingId = '';
    beforeAll(async () => {
      await createFlag('target');
      // Far off: the scheduler's clock was moved an hour ahead above, and nothing may apply during these cases.
      const made = await server.api('POST', SCHEDULES('target', 'staging'), { body: { at: '2099-01-01T00:00:00Z', change: { enabled: true } } });
      expect(made.status).toBe(201);
      stagingId = made.body.id;
    });
    it.each(cases)('%s', async (_name, send, status, pointer) => {
      const head = await server.store.headPosition();
      const response = await send();
      expect(response.status).toBe(status);
      if (pointer !== undefined) expect(response.body.errors?.map((e) => e.pointer)).toContain(pointer);
      expect(await server.store.headPosition()).toBe(head);
    });
  });
});

describe('scheduled changes across a restart (embedded store)', () => {
  it('keeps a pending schedule, and the next start applies it, saying how late', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'flagstaff-schedules-'));
    const first = await startTestServer({ store: await createSqlEventStore(await createPgliteDriver(dataDir)) });
    expect((await first.api('POST', '/admin/flags', { body: { key: 'overnight' } })).status).toBe(201);
    const made = await first.api('POST', SCHEDULES('overnight'), { body: { at: inAnHour(), change: { enabled: true }, reason: 'at dawn' } });
    expect(made.status).toBe(201);
    await first.close();

    // Every process was down when the time came: the next one starts two minutes after it.
    const second = await startTestServer({
      store: await createSqlEventStore(await createPgliteDriver(dataDir)),
      schedulerClock: () => new Date(Date.now() + HOUR + 120_000),
    });
    try {
      const applied = await eventually(async () => {
        const events = await second.store.readStream('flag-overnight');
        const found = events.find((e) => e.type === 'FlagScheduleApplied');
        expect(found).toBeDefined();
        return found!;
      });
      expect(applied.data).toMatchObject({ scheduleId: made.body.id, late: true });
      expect(applied.data['lateByMs']).toBeGreaterThanOrEqual(120_000);
      expect(applied.metadata).toMatchObject({ reason: 'at dawn' });
      expect((await second.api('GET', '/admin/flags/overnight/environments/production')).body.enabled).toBe(true);
    } finally {
      await second.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
