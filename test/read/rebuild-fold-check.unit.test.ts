import { afterEach, describe, expect, it } from 'vitest';
import { createInMemoryEventStore } from '../../src/event-store/in-memory-event-store.ts';
import type { EventStore } from '../../src/event-store/event-store.ts';
import { FlagStreamsFold } from '../../src/read/flag-streams-fold.ts';
import { ReadModel, type ReadModelState } from '../../src/read/read-model.ts';
import { memoryReadModelPersistence } from '../../src/read/read-model-persistence.ts';
import { rebuildAndCompare, startReadProjection, type ReadProjection } from '../../src/read/read-projection.ts';
import type { Targeting } from '../../src/shared/targeting.ts';

const serving = (variant: string, enabled = true): Targeting => ({
  enabled,
  offVariant: 'off',
  bucketBy: 'targetingKey',
  prerequisites: [],
  targets: [],
  rules: [],
  defaultServe: { variant },
});
const created = (key: string) => ({ type: 'FlagCreated', data: { key, type: 'boolean', description: '', tags: [], variants: { on: true, off: false }, hashVersion: 1 } });

/** Two environments, three flags, a change of each kind the rebuild meets. */
async function seededStore(): Promise<EventStore> {
  const store = createInMemoryEventStore();
  await store.append('environment-production', [{ type: 'EnvironmentCreated', data: { key: 'production', name: 'P', production: true } }], { expectedVersion: 'no_stream' });
  await store.append('environment-staging', [{ type: 'EnvironmentCreated', data: { key: 'staging', name: 'S', production: false } }], { expectedVersion: 'no_stream' });
  await store.append('flag-a', [created('a'), { type: 'FlagTargetingChanged', data: { environment: 'production', targeting: serving('on') } }], { expectedVersion: 'no_stream' });
  await store.append('flag-b', [created('b'), { type: 'FlagToggled', data: { environment: 'staging', enabled: true } }, { type: 'FlagArchived', data: {} }], { expectedVersion: 'no_stream' });
  await store.append('flag-c', [created('c'), { type: 'FlagExperimentAttached', data: { environment: 'production', experimentKey: 'e', experimentVersion: 1 } }], { expectedVersion: 'no_stream' });
  return store;
}

let projection: ReadProjection | undefined;
afterEach(async () => {
  await projection?.stop();
  projection = undefined;
});

async function liveProjection(store: EventStore): Promise<ReadProjection> {
  projection = await startReadProjection({ store, persistence: memoryReadModelPersistence() });
  await projection.caughtUp();
  return projection;
}

describe('the rebuild check against the fold of the flag streams', () => {
  it('finds no flag differing when the read models are the log', async () => {
    const store = await seededStore();
    const report = await rebuildAndCompare(store, await liveProjection(store));
    expect({ equal: report.equal, flagsDifferingFromFold: report.flagsDifferingFromFold }).toEqual({ equal: true, flagsDifferingFromFold: { live: [], rebuilt: [] } });
    expect(report.liveHash).toBe(report.rebuiltHash);
  });

  it('names the flag of the live read model that drifted from the fold, and reports the models unequal', async () => {
    const store = await seededStore();
    const live = await liveProjection(store);
    // A drift no event explains: the stored flag changed behind the model's back.
    const tampered = live.model.storedFlag('a')! as { environments: Record<string, Targeting> };
    tampered.environments = { ...tampered.environments, production: serving('off') };
    const report = await rebuildAndCompare(store, live);
    expect({ equal: report.equal, flagsDifferingFromFold: report.flagsDifferingFromFold }).toEqual({ equal: false, flagsDifferingFromFold: { live: ['a'], rebuilt: [] } });
    expect(report.liveHash).not.toBe(report.rebuiltHash);
  });
});

describe('a fold of the flag streams', () => {
  async function foldAndModel(): Promise<{ fold: FlagStreamsFold; state: ReadModelState }> {
    const events = await (await seededStore()).readAll({ limit: 100 });
    const fold = new FlagStreamsFold();
    fold.add(events);
    const model = new ReadModel();
    model.apply(events);
    return { fold, state: JSON.parse(JSON.stringify(model.toState())) as ReadModelState };
  }

  it('finds nothing between itself and a read model of the same log', async () => {
    const { fold, state } = await foldAndModel();
    expect(fold.differencesFrom(new ReadModel(state))).toEqual([]);
  });

  it('names, sorted, every flag defined otherwise: archived, variants, hash version, type, targeting, missing or extra', async () => {
    const { fold, state } = await foldAndModel();
    const a = state.flags['a']!;
    const b = state.flags['b']!;
    const drifted: ReadModelState = {
      ...state,
      flags: {
        // key and versions aside, one difference each
        a: { ...a, archived: true },
        b: { ...b, environments: { ...b.environments, staging: { ...b.environments['staging']!, enabled: false } } },
        x: { ...a, key: 'x' },
      },
    };
    expect(fold.differencesFrom(new ReadModel(drifted))).toEqual(['a', 'b', 'c', 'x']);
    for (const change of [{ variants: { off: false, on: true } }, { hashVersion: 2 }, { type: 'string' }, { key: 'z' }]) {
      expect(fold.differencesFrom(new ReadModel({ ...state, flags: { ...state.flags, c: { ...state.flags['c']!, ...change } as never } })), JSON.stringify(change)).toEqual(['c']);
    }
  });

  it('takes an environment set to its default targeting for one never set, and ignores the version', async () => {
    const { fold, state } = await foldAndModel();
    const c = state.flags['c']!;
    const same: ReadModelState = { ...state, flags: { ...state.flags, c: { ...c, version: 99, environments: { staging: serving('on', false) } } } };
    expect(fold.differencesFrom(new ReadModel(same))).toEqual([]);
  });
});
