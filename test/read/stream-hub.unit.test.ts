import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/event-store/event-store.ts';
import { ReadModel } from '../../src/read/read-model.ts';
import { StreamHub } from '../../src/read/stream-hub.ts';

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

/** A response that records what is written to it. */
function response(): ServerResponse & { text: () => string } {
  const chunks: string[] = [];
  const res = {
    writableLength: 0,
    writeHead: () => res,
    write: (chunk: string) => chunks.push(chunk) > 0,
    on: () => res,
    end: () => undefined,
    destroy: () => undefined,
    text: () => chunks.join(''),
  };
  return res as unknown as ServerResponse & { text: () => string };
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
      hub!.open(res, 'production', 'server', lastEventId);
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
