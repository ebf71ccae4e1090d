import { describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/event-store/event-store.ts';
import { createInMemoryEventStore } from '../../src/event-store/in-memory-event-store.ts';
import { startFlagScheduler } from '../../src/write/flags/flag-scheduler.ts';
import { WriteModel } from '../../src/write/write-model.ts';

describe('the flag scheduler', () => {
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
