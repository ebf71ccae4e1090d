import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/event-store/event-store.ts';
import { ReadModel, type StoredFlag } from '../../src/read/read-model.ts';
import type { FlagEvent } from '../../src/shared/flag-events.ts';
import { evolveFlag, evolveFlagDefinition, targetingIn, type Flag, type FlagDefinition } from '../../src/shared/flag-evolution.ts';
import { withRuleIds, type Targeting } from '../../src/shared/targeting.ts';
import { mulberry32 } from '../analytics/store/analytics-dataset.ts';
import { ENVIRONMENTS, pick, randomTargeting } from '../support/random-configuration.ts';

const FLAG_KEYS = ['a', 'b', 'c'];
/** The three the model knows (one created midway), and one it never hears of. */
const TARGETED_ENVIRONMENTS = [...ENVIRONMENTS, 'qa'];

interface Sequence {
  readonly events: StoredEvent[];
  /** The flag events alone, by flag, as each stream holds them. */
  readonly streams: Map<string, FlagEvent[]>;
}

/**
 * Random flag streams interleaved in one log, with what the write side would never append as well as what it
 * would: events before a flag's creation, a creation again, targeting of an environment the model does not
 * know, toggles of environments never set, rollbacks, reservations. Each event's data is parsed on its own, as
 * a store gives it.
 */
function randomSequence(seed: number, length: number): Sequence {
  const random = mulberry32(seed);
  const events: StoredEvent[] = [];
  const streams = new Map<string, FlagEvent[]>();
  const variantsOf = new Map<string, string[]>();
  const append = (streamId: string, type: string, data: object): void => {
    const version = events.filter((e) => e.streamId === streamId).length + 1;
    const position = events.length + 1;
    events.push({ streamId, version, position, type, data: JSON.parse(JSON.stringify(data)), metadata: {}, recordedAt: new Date(position * 1_000) });
  };
  append('environment-development', 'EnvironmentCreated', { key: 'development', name: 'D', production: false });
  append('environment-production', 'EnvironmentCreated', { key: 'production', name: 'P', production: true });
  const created = (key: string): FlagEvent => {
    const boolean = random() < 0.5;
    const names = boolean ? ['on', 'off'] : ['red', 'green', 'blue'].slice(0, 2 + Math.floor(random() * 2));
    variantsOf.set(key, names);
    const variants = Object.fromEntries(names.map((name) => [name, boolean ? name === 'on' : `value-${name}`]));
    return { type: 'FlagCreated', data: { key, type: boolean ? 'boolean' : 'string', description: `about ${key}`, tags: random() < 0.5 ? ['t'] : [], variants, hashVersion: 1 } };
  };
  const targeting = (key: string): Targeting => withRuleIds(randomTargeting(random, { key, variants: variantsOf.get(key) ?? ['on', 'off'] }, [], []));
  for (let i = 0; i < length; i++) {
    if (i === Math.floor(length / 2)) append('environment-staging', 'EnvironmentCreated', { key: 'staging', name: 'S', production: false });
    const key = pick(random, FLAG_KEYS);
    const known = variantsOf.has(key);
    const roll = random();
    let event: FlagEvent;
    if (!known ? roll < 0.7 : roll < 0.03) event = created(key);
    else if (roll < 0.35) event = { type: 'FlagTargetingChanged', data: { environment: pick(random, TARGETED_ENVIRONMENTS), targeting: targeting(key) } };
    else if (roll < 0.5) event = { type: 'FlagToggled', data: { environment: pick(random, TARGETED_ENVIRONMENTS), enabled: random() < 0.5 } };
    else if (roll < 0.57) event = { type: 'FlagTargetingRolledBack', data: { environment: pick(random, TARGETED_ENVIRONMENTS), toTime: '2025-01-01T00:00:00.000Z', targeting: targeting(key) } };
    else if (roll < 0.64) {
      const names = [...(variantsOf.get(key) ?? ['on', 'off'])].reverse(); // another declared order: another default
      variantsOf.set(key, names);
      event = { type: 'FlagDetailsChanged', data: { description: 'changed', tags: ['u'], variants: Object.fromEntries(names.map((name) => [name, name])) } };
    } else if (roll < 0.72) event = { type: random() < 0.5 ? 'FlagArchived' : 'FlagRestored', data: {} };
    else if (roll < 0.8) {
      const environments = Object.fromEntries(TARGETED_ENVIRONMENTS.filter(() => random() < 0.4).map((environment) => [environment, targeting(key)]));
      event = { type: 'FlagRolledBack', data: { toVersion: 1, description: 'rolled back', tags: [], variants: Object.fromEntries((variantsOf.get(key) ?? ['on', 'off']).map((n) => [n, n])), archived: random() < 0.3, environments } };
    } else if (roll < 0.9) event = { type: 'FlagExperimentAttached', data: { environment: pick(random, ENVIRONMENTS), experimentKey: `exp-${i}`, experimentVersion: i } };
    else event = { type: 'FlagPrerequisiteClaimed', data: { dependentKey: pick(random, FLAG_KEYS), dependentVersion: i } };
    append(`flag-${key}`, event.type, event.data);
    streams.set(key, [...(streams.get(key) ?? []), events.at(-1) as unknown as FlagEvent]);
  }
  return { events, streams };
}

/** What evaluation reads of a stored flag, compared as values. */
function definitionOf(flag: FlagDefinition | undefined): unknown {
  if (flag === undefined) return undefined;
  const { key, type, variants, hashVersion, archived } = flag;
  return { key, type, variants: Object.entries(variants), hashVersion, archived, targeting: Object.fromEntries(TARGETED_ENVIRONMENTS.map((env) => [env, targetingIn(flag, env)])) };
}

/** The shared evolution alone, tolerating what the read model tolerates. */
function foldDefinition(stream: readonly FlagEvent[]): FlagDefinition | undefined {
  return stream.reduce<FlagDefinition | undefined>((state, event) => evolveFlagDefinition(state, event) ?? state, undefined);
}

const RESERVATIONS = new Set(['FlagExperimentAttached', 'FlagPrerequisiteClaimed']);

describe('the read model and the shared flag evolution', () => {
  it('agree on every flag of random event sequences, applied live, saved and loaded, or resumed', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 60 }), (seed, length) => {
        const { events, streams } = randomSequence(seed, length);
        const model = new ReadModel();
        // Batches of random sizes, as a subscription delivers them.
        for (let i = 0; i < events.length; i += 1 + (seed >>> 0) % 7) model.apply(events.slice(i, i + 1 + (seed >>> 0) % 7));
        const loaded = new ReadModel(JSON.parse(JSON.stringify(model.toState())));
        const resumed = ReadModel.resume(model.toState());
        for (const key of FLAG_KEYS) {
          const stream = streams.get(key) ?? [];
          const expected = definitionOf(foldDefinition(stream));
          for (const [name, m] of [['live', model], ['loaded', loaded], ['resumed', resumed]] as const) {
            expect(definitionOf(m.storedFlag(key)), `${name} ${key}`).toEqual(expected);
          }
        }
        expect(loaded.hash()).toBe(model.hash());
      }),
      { numRuns: 300 },
    );
  });

  it('keep as the version the last event that changed the definition, a reservation being none', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 60 }), (seed, length) => {
        const { events } = randomSequence(seed, length);
        const model = new ReadModel();
        model.apply(events);
        for (const key of FLAG_KEYS) {
          let state: FlagDefinition | undefined;
          let version: number | undefined;
          for (const event of events.filter((e) => e.streamId === `flag-${key}`)) {
            state = evolveFlagDefinition(state, event as unknown as FlagEvent) ?? state;
            if (state !== undefined && !RESERVATIONS.has(event.type)) version = event.version;
          }
          expect((model.storedFlag(key) as StoredFlag | undefined)?.version).toBe(version);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('announce exactly the environments an event changes: one for targeting and toggles, every one for the rest, none for reservations or unknown flags', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 60 }), (seed, length) => {
        const { events } = randomSequence(seed, length);
        const model = new ReadModel();
        const created = new Set<string>();
        for (const event of events) {
          const existing = model.environments();
          const changed = model.apply([event]).environments.map((change) => change.environment);
          if (!event.streamId.startsWith('flag-')) continue;
          if (event.type === 'FlagCreated') created.add(event.streamId);
          const data = event.data as { environment?: string };
          const expected = !created.has(event.streamId) || RESERVATIONS.has(event.type)
            ? []
            : ['FlagTargetingChanged', 'FlagTargetingRolledBack', 'FlagToggled'].includes(event.type)
              ? existing.filter((environment) => environment === data.environment)
              : existing;
          expect(changed, `${event.type} on ${event.streamId}`).toEqual(expected);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('serve, in every environment, the flag the shared evolution folds', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 60 }), (seed, length) => {
        const { events, streams } = randomSequence(seed, length);
        const model = new ReadModel();
        // Snapshots built along the way, so that later ones reuse what the dirty tracking says is unchanged.
        for (const event of events) {
          model.apply([event]);
          for (const environment of model.environments()) model.snapshot(environment);
        }
        for (const environment of model.environments()) {
          const snapshot = model.snapshot(environment)!;
          for (const key of FLAG_KEYS) {
            const flag = foldDefinition(streams.get(key) ?? []);
            const expected = flag === undefined || flag.archived ? undefined : { key, type: flag.type, variants: flag.variants, hashVersion: flag.hashVersion, ...targetingIn(flag, environment) };
            expect(snapshot.flags[key], `${key} in ${environment}`).toEqual(expected);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('agree with the write side on what a created flag is, the write side refusing events before the creation', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 60 }), (seed, length) => {
        const { events, streams } = randomSequence(seed, length);
        const model = new ReadModel();
        model.apply(events);
        for (const key of FLAG_KEYS) {
          const stream = streams.get(key) ?? [];
          const first = stream.findIndex((event) => event.type === 'FlagCreated');
          if (first > 0) expect(() => stream.slice(0, first).reduce<Flag | undefined>(evolveFlag, undefined)).toThrow(`${stream[0]!.type} before FlagCreated`);
          if (first < 0) continue;
          const written = stream.slice(first).reduce<Flag | undefined>(evolveFlag, undefined);
          expect(definitionOf(model.storedFlag(key)), key).toEqual(definitionOf(written));
        }
      }),
      { numRuns: 200 },
    );
  });
});
