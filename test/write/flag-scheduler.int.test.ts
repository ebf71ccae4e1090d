import { describe, expect, it, vi } from 'vitest';
import type { EventStore } from '../../src/event-store/event-store.ts';
import { createInMemoryEventStore } from '../../src/event-store/in-memory-event-store.ts';
import { startFlagScheduler } from '../../src/write/flags/flag-scheduler.ts';
import { WriteModel } from '../../src/write/write-model.ts';

const AT = '2030-01-01T09:00:00.000Z';

/** A store holding one flag with a toggle scheduled for AT, written as the schedule route writes it. */
async function storeWithSchedule(): Promise<EventStore> {
  const store = createInMemoryEventStore();
  const created = { key: 'launch', type: 'boolean', description: '', tags: [], variants: { on: true, off: false }, hashVersion: 1 };
  const scheduled = { scheduleId: 's1', environment: 'production', at: AT, change: { enabled: true }, ifVersion: null, createdBy: 'alice', reason: 'launch' };
  await store.append('environment-production', [{ type: 'EnvironmentCreated', data: { key: 'production', name: 'Production' } }], { expectedVersion: 'no_stream' });
  await store.append(
    'flag-launch',
    [
      { type: 'FlagCreated', data: created, metadata: { actor: 'alice' } },
      { type: 'FlagChangeScheduled', data: scheduled, metadata: { actor: 'alice' } },
    ],
    { expectedVersion: 'no_stream' },
  );
  return store;
}

describe('the flag scheduler', () => {
  it('learns the pending schedules from the store without folding the write model, which it folds only to apply one', async () => {
    const store = await storeWithSchedule();
    const model = new WriteModel(store);
    const early = startFlagScheduler({ store, model }, { now: () => new Date(Date.parse(AT) - 3_600_000) });
    await early.started;
    await early.stop();
    // A process serving no admin request keeps no aggregate in memory (the read-memory benchmark's figure).
    expect(model.flagsByKey.size).toBe(0);
    expect((await store.readStream('flag-launch')).map((e) => e.type)).toEqual(['FlagCreated', 'FlagChangeScheduled']);

    const due = startFlagScheduler({ store, model }, { now: () => new Date(Date.parse(AT) + 500) });
    await due.started;
    await vi.waitFor(async () => expect((await store.readStream('flag-launch')).map((e) => e.type)).toContain('FlagScheduleApplied'));
    await due.stop();
    expect((await store.readStream('flag-launch')).map((e) => e.type)).toEqual(['FlagCreated', 'FlagChangeScheduled', 'FlagToggled', 'FlagScheduleApplied']);
  });

  it('stops at once while the store it waits for never becomes reachable', async () => {
    const reachable = createInMemoryEventStore();
    const unreachable: EventStore = Object.assign(Object.create(reachable) as EventStore, { ready: new Promise<void>(() => {}) });
    const scheduler = startFlagScheduler({ store: unreachable, model: new WriteModel(unreachable) });
    let started = false;
    void scheduler.started.then(() => (started = true));
    await scheduler.stop(); // a hang here is caught by the test's timeout
    expect(started).toBe(true); // `started` settles too: nothing is left waiting
  });
});
