import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/event-store/event-store.ts';
import { ReadModel } from '../../src/read/read-model.ts';
import { StreamHub } from '../../src/read/stream-hub.ts';
import { applyDelta } from '../../src/sdk/snapshot-delta.ts';
import type { EnvironmentSnapshot, SnapshotDelta } from '../../src/shared/snapshot.ts';

let position = 0;
const event = (streamId: string, type: string, data: Record<string, unknown>): StoredEvent => ({
  streamId,
  version: 1,
  position: ++position,
  type,
  data,
  metadata: { actor: 't' },
  recordedAt: new Date(position * 1000),
});

/** A response that records what is written to it, and whether it was ended. */
function response(): ServerResponse & { text: () => string; ended: boolean } {
  const chunks: string[] = [];
  const res = {
    writableLength: 0,
    ended: false,
    writeHead: () => res,
    write: (chunk: string) => chunks.push(chunk) > 0,
    on: () => res,
    end: (chunk?: string) => {
      if (chunk !== undefined) chunks.push(chunk);
      res.ended = true;
    },
    destroy: () => undefined,
    text: () => chunks.join(''),
  };
  return res as unknown as ServerResponse & { text: () => string; ended: boolean };
}

const eventsOf = (text: string): { id: number; event: string }[] =>
  [...text.matchAll(/^id: (\d+)\nevent: (\w+)\n/gm)].map((match) => ({ id: Number(match[1]), event: match[2]! }));

let hub: StreamHub | undefined;
afterEach(() => hub?.close());

describe('stream hub: changes kept for reconnecting clients', () => {
  const setUp = (variantBytes: number) => {
    position = 0;
    const model = new ReadModel();
    hub = new StreamHub(() => model);
    const apply = (events: StoredEvent[]) => hub!.publish(model.apply(events));
    apply([
      event('environment-production', 'EnvironmentCreated', { key: 'production', name: 'P', production: true }),
      event('flag-big', 'FlagCreated', { key: 'big', type: 'string', description: '', tags: [], variants: { a: 'x'.repeat(variantBytes), b: 'B' }, hashVersion: 1 }),
    ]);
    const revisions: number[] = [];
    for (let i = 0; i < 6; i++) {
      apply([event('flag-big', 'FlagToggled', { environment: 'production', enabled: i % 2 === 0 })]);
      revisions.push(position);
    }
    return { revisions, stream: (lastEventId: number) => {
      const res = response();
      hub!.open(res, { keyId: 'k', environment: 'production', kind: 'server' }, lastEventId);
      return eventsOf(res.text());
    } };
  };

  it('sends a reconnecting client only the changes it missed', () => {
    const { revisions, stream } = setUp(100);
    expect(stream(revisions[2]!)).toEqual(revisions.slice(3).map((id) => ({ id, event: 'change' })));
    expect(stream(revisions[5]!)).toEqual([]);
  });

  it('keeps at most about a megabyte of them, oldest dropped first, and sends a snapshot to a client from before', () => {
    const { revisions, stream } = setUp(300_000); // every change carries the whole flag: ~300 kB
    expect(stream(revisions[0]!)).toEqual([{ id: revisions[5], event: 'snapshot' }]);
    expect(stream(revisions[3]!)).toEqual(revisions.slice(4).map((id) => ({ id, event: 'change' })));
  });
});

describe('stream hub: what a server key is sent', () => {
  it('names the flags and segments that left the configuration, so the snapshot with every change applied is the configuration now', () => {
    position = 0;
    const model = new ReadModel();
    hub = new StreamHub(() => model);
    const apply = (events: StoredEvent[]) => hub!.publish(model.apply(events));
    const created = (key: string) => event(`flag-${key}`, 'FlagCreated', { key, type: 'boolean', description: '', tags: [], variants: { on: true, off: false }, hashVersion: 1 });
    apply([
      event('environment-production', 'EnvironmentCreated', { key: 'production', name: 'P', production: true }),
      created('kept'),
      created('gone'),
      event('segment-beta', 'SegmentCreated', { key: 'beta', description: '', conditions: [], included: ['u-1'], excluded: [] }),
      event('segment-staff', 'SegmentCreated', { key: 'staff', description: '', conditions: [], included: ['u-2'], excluded: [] }),
    ]);
    const res = response();
    hub.open(res, { keyId: 'k', environment: 'production', kind: 'server' }, undefined);
    const opened = position;
    apply([event('flag-gone', 'FlagArchived', {})]);
    const flagArchived = position;
    apply([event('segment-beta', 'SegmentArchived', {})]);

    const frames = [...res.text().matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((match) => ({ event: match[1], data: JSON.parse(match[2]!) as unknown }));
    expect(frames.map((frame) => frame.event)).toEqual(['snapshot', 'change', 'change']);
    const snapshot = frames[0]!.data as EnvironmentSnapshot;
    const [flagGone, segmentGone] = frames.slice(1).map((frame) => frame.data as SnapshotDelta);
    expect(Object.keys(snapshot.flags)).toEqual(['kept', 'gone']);
    expect(flagGone).toEqual({ previousRevision: opened, revision: flagArchived, flags: {}, deletedFlags: ['gone'], segments: {}, deletedSegments: [] });
    expect(segmentGone).toEqual({ previousRevision: flagArchived, revision: position, flags: {}, deletedFlags: [], segments: {}, deletedSegments: ['beta'] });
    expect(applyDelta(applyDelta(snapshot, flagGone!), segmentGone!)).toEqual(model.snapshot('production'));
  });
});

describe('stream hub: the streams of a revoked key', () => {
  it('ends every stream of that key at once with a final frame saying why, and leaves the other keys streaming', () => {
    position = 0;
    const model = new ReadModel();
    hub = new StreamHub(() => model);
    const apply = (events: StoredEvent[]) => hub!.publish(model.apply(events));
    const issued = (id: string, kind: 'server' | 'client') =>
      event(`apikey-${id}`, 'ApiKeyIssued', { id, name: id, environment: 'production', kind, keyHash: `hash-${id}` });
    apply([event('environment-production', 'EnvironmentCreated', { key: 'production', name: 'P', production: true }), issued('doomed', 'server'), issued('kept', 'client')]);
    const open = (keyId: string, kind: 'server' | 'client') => {
      const res = response();
      hub!.open(res, { keyId, environment: 'production', kind }, undefined);
      return res;
    };
    const doomed = [open('doomed', 'server'), open('doomed', 'client')];
    const kept = open('kept', 'client');
    expect(hub.streamsOf('doomed')).toBe(2);

    apply([event('apikey-doomed', 'ApiKeyRevoked', { id: 'doomed' })]);
    for (const res of doomed) {
      expect(res.ended).toBe(true);
      expect(res.text()).toMatch(/event: end\ndata: \{"status":401,"reason":"revoked",[^\n]*\}\n\n$/);
    }
    expect(kept.ended).toBe(false);
    expect(hub.streamsOf('doomed')).toBe(0);
    expect(hub.size).toBe(1);

    const before = doomed.map((res) => res.text());
    apply([event('flag-x', 'FlagCreated', { key: 'x', type: 'boolean', description: '', tags: [], variants: { on: true, off: false }, hashVersion: 1 })]);
    expect(eventsOf(kept.text()).at(-1)).toEqual({ id: position, event: 'revision' });
    expect(doomed.map((res) => res.text())).toEqual(before);
  });
});
