import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/event-store/event-store.ts';
import { evaluateFlag } from '../../src/evaluation/compile.ts';
import { ReadModel } from '../../src/read/read-model.ts';

let position = 0;
const versions = new Map<string, number>();
const event = (streamId: string, type: string, data: Record<string, unknown>): StoredEvent => {
  const version = (versions.get(streamId) ?? 0) + 1;
  versions.set(streamId, version);
  return { streamId, version, position: ++position, type, data, metadata: { actor: 't' }, recordedAt: new Date(position * 1000) };
};
const targeting = (overrides: Record<string, unknown> = {}) => ({
  enabled: true,
  offVariant: 'off',
  bucketBy: 'targetingKey',
  prerequisites: [],
  targets: [],
  rules: [],
  defaultServe: { variant: 'on' },
  ...overrides,
});

describe('read model projection', () => {
  it('builds per-environment snapshots, with revisions that move only for the environments a change touches', () => {
    position = 0;
    versions.clear();
    const model = new ReadModel();
    const production = event('environment-production', 'EnvironmentCreated', { key: 'production', name: 'Production', production: true });
    const staging = event('environment-staging', 'EnvironmentCreated', { key: 'staging', name: 'Staging', production: false });
    const created = event('flag-a', 'FlagCreated', { key: 'a', type: 'boolean', description: '', tags: [], variants: { on: true, off: false }, hashVersion: 1 });
    model.apply([production, staging, created]);
    expect(model.revisionOf('production')).toBe(created.position);
    expect(model.snapshot('production')!.flags['a']).toMatchObject({ enabled: false, offVariant: 'off', defaultServe: { variant: 'on' } });

    const stagingBefore = model.snapshot('staging')!;
    const toggled = event('flag-a', 'FlagToggled', { environment: 'production', enabled: true });
    const changes = model.apply([toggled]);
    expect(changes).toEqual({ environments: [{ environment: 'production', previousRevision: created.position, revision: toggled.position }], revokedKeys: [] });
    expect(model.snapshot('staging')).toBe(stagingBefore);
    expect(evaluateFlag(model.compiledEnvironment('production')!, 'a', { targetingKey: 'u' })).toMatchObject({ value: true, reason: 'DEFAULT', revision: toggled.position });
    expect(evaluateFlag(model.compiledEnvironment('staging')!, 'a', {})).toMatchObject({ reason: 'DISABLED', revision: created.position });
  });

  it('holds equal parts of different flags once, whether applied from events or loaded from a saved state', () => {
    position = 0;
    versions.clear();
    const rule = { id: 'us', conditions: [{ attribute: 'country', operator: 'in', values: ['US', 'CA'] }], serve: { variant: 'on' } };
    const flagEvents = (key: string) => [
      event(`flag-${key}`, 'FlagCreated', { key, type: 'boolean', description: '', tags: [], variants: { on: true, off: false }, hashVersion: 1 }),
      // Each event parsed on its own, as a store gives them: equal values, distinct objects.
      event(`flag-${key}`, 'FlagTargetingChanged', JSON.parse(JSON.stringify({ environment: 'production', targeting: targeting({ rules: [rule] }) }))),
    ];
    const model = new ReadModel();
    model.apply([event('environment-production', 'EnvironmentCreated', { key: 'production', name: 'P', production: true }), ...flagEvents('x'), ...flagEvents('y')]);
    const parts = (m: ReadModel, key: string) => {
      const stored = m.storedFlag(key)!;
      const production = stored.environments['production']!;
      return { variants: stored.variants, condition: production.rules[0]!.conditions[0], serve: production.rules[0]!.serve, targets: production.targets };
    };
    const [x, y] = [parts(model, 'x'), parts(model, 'y')];
    expect(y.condition).toBe(x.condition);
    expect(y.serve).toBe(x.serve);
    expect(y.variants).toBe(x.variants);
    expect(y.targets).toBe(x.targets);

    const loaded = new ReadModel(JSON.parse(JSON.stringify(model.toState())));
    expect(parts(loaded, 'y').condition).toBe(parts(loaded, 'x').condition);
    expect(loaded.hash()).toBe(model.hash());
    expect(evaluateFlag(loaded.compiledEnvironment('production')!, 'y', { targetingKey: 'u', country: 'CA' })).toMatchObject({ variant: 'on', ruleId: 'us' });
  });

  it('ignores events it has already applied, so a batch delivered twice changes nothing', () => {
    position = 0;
    versions.clear();
    const batch = [
      event('environment-production', 'EnvironmentCreated', { key: 'production', name: 'P', production: true }),
      event('flag-b', 'FlagCreated', { key: 'b', type: 'boolean', description: '', tags: [], variants: { on: true, off: false }, hashVersion: 1 }),
      event('flag-b', 'FlagTargetingChanged', { environment: 'production', targeting: targeting() }),
    ];
    const once = new ReadModel();
    once.apply(batch);
    const twice = new ReadModel();
    twice.apply(batch);
    expect(twice.apply(batch)).toEqual({ environments: [], revokedKeys: [] });
    expect(twice.hash()).toBe(once.hash());
  });

  it('reuses unchanged flags across snapshots and recompiles only the changed one', () => {
    position = 0;
    versions.clear();
    const model = new ReadModel();
    model.apply([
      event('environment-production', 'EnvironmentCreated', { key: 'production', name: 'P', production: true }),
      event('flag-x', 'FlagCreated', { key: 'x', type: 'boolean', description: '', tags: [], variants: { on: true, off: false }, hashVersion: 1 }),
      event('flag-y', 'FlagCreated', { key: 'y', type: 'boolean', description: '', tags: [], variants: { on: true, off: false }, hashVersion: 1 }),
    ]);
    const before = model.compiledEnvironment('production')!;
    model.apply([event('flag-x', 'FlagToggled', { environment: 'production', enabled: true })]);
    const after = model.compiledEnvironment('production')!;
    expect(after.flags.get('y')).toBe(before.flags.get('y'));
    expect(after.flags.get('x')).not.toBe(before.flags.get('x'));
  });

  it('drops archived flags and segments, restores them, and gives new environments every flag', () => {
    position = 0;
    versions.clear();
    const model = new ReadModel();
    model.apply([
      event('environment-production', 'EnvironmentCreated', { key: 'production', name: 'P', production: true }),
      event('segment-beta', 'SegmentCreated', { key: 'beta', description: '', conditions: [], included: ['u-1'], excluded: [] }),
      event('flag-s', 'FlagCreated', { key: 's', type: 'boolean', description: '', tags: [], variants: { on: true, off: false }, hashVersion: 1 }),
      event('flag-s', 'FlagTargetingChanged', {
        environment: 'production',
        targeting: targeting({ rules: [{ id: 'r', conditions: [{ operator: 'in_segment', values: ['beta'] }], serve: { variant: 'on' } }], defaultServe: { variant: 'off' } }),
      }),
    ]);
    expect(evaluateFlag(model.compiledEnvironment('production')!, 's', { targetingKey: 'u-1' })).toMatchObject({ variant: 'on', ruleId: 'r' });
    model.apply([event('segment-beta', 'SegmentChanged', { description: '', conditions: [], included: [], excluded: [] })]);
    expect(evaluateFlag(model.compiledEnvironment('production')!, 's', { targetingKey: 'u-1' })).toMatchObject({ variant: 'off', reason: 'DEFAULT' });

    model.apply([event('flag-s', 'FlagArchived', {})]);
    expect(evaluateFlag(model.compiledEnvironment('production')!, 's', {})).toMatchObject({ errorCode: 'FLAG_NOT_FOUND' });
    model.apply([event('flag-s', 'FlagRestored', {})]);
    expect(model.snapshot('production')!.flags['s']!.rules).toHaveLength(1);

    model.apply([event('environment-qa', 'EnvironmentCreated', { key: 'qa', name: 'QA', production: false })]);
    expect(Object.keys(model.snapshot('qa')!.flags)).toEqual(['s']);
    expect(model.snapshot('qa')!.flags['s']!.enabled).toBe(false);
  });

  it('knows SDK keys by hash until they are revoked, and says which keys a batch revoked', () => {
    position = 0;
    versions.clear();
    const model = new ReadModel();
    expect(model.apply([event('apikey-k1', 'ApiKeyIssued', { id: 'k1', name: 'k', environment: 'production', kind: 'server', keyHash: 'abc' })]).revokedKeys).toEqual([]);
    expect(model.apiKey('abc')).toEqual({ id: 'k1', environment: 'production', kind: 'server', revoked: false });
    const revoked = event('apikey-k1', 'ApiKeyRevoked', { id: 'k1' });
    expect(model.apply([revoked]).revokedKeys).toEqual(['k1']);
    expect(model.apiKey('abc')!.revoked).toBe(true);
    expect(model.apply([revoked]).revokedKeys).toEqual([]); // delivered again: already applied
  });

  it('survives a round trip through its persisted state', () => {
    position = 0;
    versions.clear();
    const model = new ReadModel();
    model.apply([
      event('environment-production', 'EnvironmentCreated', { key: 'production', name: 'P', production: true }),
      event('flag-p', 'FlagCreated', { key: 'p', type: 'string', description: '', tags: [], variants: { b: 'B', a: 'A' }, hashVersion: 1 }),
    ]);
    const restored = new ReadModel(JSON.parse(JSON.stringify(model.toState())));
    expect(restored.hash()).toBe(model.hash());
    expect(restored.position).toBe(model.position);
    expect(evaluateFlag(restored.compiledEnvironment('production')!, 'p', {})).toMatchObject({ variant: 'b', value: 'B', reason: 'DISABLED' });
  });
});

describe('read model memory', () => {
  const rules = () => [
    { id: 'pilot', conditions: [{ attribute: 'targetingKey', operator: 'in', values: ['u-1', 'u-2', 'u-3'] }], serve: { variant: 'on' } },
  ];
  const setUp = () => {
    position = 0;
    versions.clear();
    const model = new ReadModel();
    model.apply([
      event('environment-staging', 'EnvironmentCreated', { key: 'staging', name: 'S', production: false }),
      event('environment-production', 'EnvironmentCreated', { key: 'production', name: 'P', production: true }),
      event('flag-m', 'FlagCreated', { key: 'm', type: 'boolean', description: '', tags: [], variants: { on: true, off: false }, hashVersion: 1 }),
      // Each event's payload is its own objects, as events read from a store are.
      event('flag-m', 'FlagTargetingChanged', { environment: 'staging', targeting: targeting({ rules: rules(), defaultServe: { variant: 'off' } }) }),
      event('flag-m', 'FlagTargetingChanged', { environment: 'production', targeting: targeting({ enabled: false, rules: rules(), defaultServe: { variant: 'on' } }) }),
    ]);
    return model;
  };

  it('holds the parts of targeting that environments have in common once, without changing what they say', () => {
    const model = setUp();
    const staging = model.snapshot('staging')!.flags['m']!;
    const production = model.snapshot('production')!.flags['m']!;
    expect(production.rules).toBe(staging.rules);
    expect(production.defaultServe).not.toBe(staging.defaultServe);
    expect([staging.enabled, production.enabled]).toEqual([true, false]);
    expect(production.defaultServe).toEqual({ variant: 'on' });
    expect(evaluateFlag(model.compiledEnvironment('staging')!, 'm', { targetingKey: 'u-2' })).toMatchObject({ variant: 'on', ruleId: 'pilot' });
    expect(evaluateFlag(model.compiledEnvironment('production')!, 'm', { targetingKey: 'u-2' })).toMatchObject({ variant: 'off', reason: 'DISABLED' });

    // A change to one environment's rules leaves the other's alone.
    const changed = [{ ...rules()[0]!, conditions: [{ attribute: 'targetingKey', operator: 'in', values: ['u-9'] }] }];
    model.apply([event('flag-m', 'FlagTargetingChanged', { environment: 'production', targeting: targeting({ rules: changed }) })]);
    expect(model.snapshot('staging')!.flags['m']!.rules[0]!.conditions[0]!.values).toEqual(['u-1', 'u-2', 'u-3']);
    expect(model.snapshot('production')!.flags['m']!.rules[0]!.conditions[0]!.values).toEqual(['u-9']);
  });

  it('shares them again in a state loaded from its persisted JSON, which hashes the same', () => {
    const model = setUp();
    const restored = new ReadModel(JSON.parse(JSON.stringify(model.toState())));
    expect(restored.hash()).toBe(model.hash());
    expect(restored.snapshot('production')!.flags['m']!.rules).toBe(restored.snapshot('staging')!.flags['m']!.rules);
  });

  it('gives a state for persistence that later changes do not reach', () => {
    const model = setUp();
    const saved = model.toState();
    const json = JSON.stringify(saved);
    model.apply([
      event('flag-n', 'FlagCreated', { key: 'n', type: 'boolean', description: '', tags: [], variants: { on: true, off: false }, hashVersion: 1 }),
      event('flag-m', 'FlagToggled', { environment: 'staging', enabled: false }),
      event('apikey-k2', 'ApiKeyIssued', { id: 'k2', name: 'k', environment: 'staging', kind: 'server', keyHash: 'def' }),
    ]);
    expect(JSON.stringify(saved)).toBe(json);
    expect(new ReadModel(JSON.parse(json)).position).toBe(position - 3);
  });
});
