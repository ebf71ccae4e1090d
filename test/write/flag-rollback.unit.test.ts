import { describe, expect, it } from 'vitest';
import { createInMemoryEventStore } from '../../src/event-store/in-memory-event-store.ts';
import { ConflictError, DomainRuleViolation } from '../../src/shared/errors.ts';
import type { FlagEvent } from '../../src/shared/flag-events.ts';
import { withRuleIds, type Targeting } from '../../src/shared/targeting.ts';
import { contextAfter, planEnvironmentRollback } from '../../src/write/environments/environment-rollback.ts';
import { decideFlag, type FlagCommand, type FlagDecisionContext } from '../../src/write/flags/flag-decider.ts';
import { FlagHistory } from '../../src/write/flags/flag-history.ts';
import { WriteModel } from '../../src/write/write-model.ts';
import { evolveFlag, targetingIn, type Flag } from '../../src/shared/flag-evolution.ts';
import { deciderSpec } from '../support/decider-spec.ts';

const created: FlagEvent = { type: 'FlagCreated', data: { key: 'f', type: 'boolean', description: 'one', tags: [], variants: { on: true, off: false }, hashVersion: 1 } };
const withSegment: Targeting = withRuleIds({
  enabled: true,
  offVariant: 'off',
  bucketBy: 'targetingKey',
  prerequisites: [],
  targets: [],
  rules: [{ conditions: [{ operator: 'in_segment', values: ['beta'] }], serve: { variant: 'on' } }],
  defaultServe: { variant: 'off' },
});
const fold = (events: FlagEvent[]): Flag => events.reduce<Flag | undefined>(evolveFlag, undefined)!;

function world(segments: string[], flags: Flag[] = []): FlagDecisionContext {
  return {
    environmentExists: () => true,
    segmentExists: (key) => segments.includes(key),
    flag: (key) => flags.find((f) => f.key === key),
    flags: () => flags,
    flagVersion: () => 1,
    experiment: () => undefined,
  };
}
const spec = (context: FlagDecisionContext) => deciderSpec<Flag, FlagCommand, FlagEvent>({ evolve: evolveFlag, decide: (c, s) => decideFlag(c, s, context) });

describe('flag rollback (decider and evolve)', () => {
  const v2: FlagEvent[] = [created, { type: 'FlagTargetingChanged', data: { environment: 'production', targeting: withSegment } }];
  const v4: FlagEvent[] = [...v2, { type: 'FlagToggled', data: { environment: 'staging', enabled: true } }, { type: 'FlagDetailsChanged', data: { description: 'four', tags: ['t'], variants: { on: true, off: false } } }];

  it('appends one FlagRolledBack carrying the whole state, and folding it gives the old state back', () => {
    const target = fold(v2);
    const events = decideFlag({ type: 'RollbackFlag', data: { toVersion: 2, target } }, fold(v4), world(['beta']));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'FlagRolledBack', data: { toVersion: 2, description: 'one', tags: [], archived: false } });
    const after = evolveFlag(fold(v4), events[0]!);
    expect(after).toEqual(target);
    expect(targetingIn(after, 'staging').enabled).toBe(false); // configured only after version 2: back to the default
  });

  it('refuses when a segment the old version names is gone, naming the rule and value; a no-op rollback appends nothing', () => {
    const error = spec(world([]))(v4).when({ type: 'RollbackFlag', data: { toVersion: 2, target: fold(v2) } }).thenThrows(DomainRuleViolation);
    expect((error as DomainRuleViolation).issues).toEqual([
      { pointer: '#/environments/production/rules/0/conditions/0/values/0', detail: 'names no segment (beta does not exist or is archived)' },
    ]);
    spec(world(['beta']))(v4).when({ type: 'RollbackFlag', data: { toVersion: 4, target: fold(v4) } }).then([]);
  });

  it('refuses to roll back to an archived version while other flags require this one', () => {
    const archived = fold([...v2, { type: 'FlagArchived', data: {} }]);
    const dependent = fold([
      { ...created, data: { ...(created.data as object), key: 'g' } } as FlagEvent,
      { type: 'FlagTargetingChanged', data: { environment: 'production', targeting: { ...withSegment, rules: [], prerequisites: [{ flagKey: 'f', variant: 'on' }] } } },
    ]);
    spec(world(['beta'], [dependent]))(v4).when({ type: 'RollbackFlag', data: { toVersion: 3, target: archived } }).thenThrows(DomainRuleViolation, /prerequisite of g/);
  });

  it('restores one environment with FlagTargetingRolledBack, only on a live flag', () => {
    const old = targetingIn(fold(v2), 'production');
    spec(world(['beta']))(v4).when({ type: 'RollbackTargeting', data: { environment: 'staging', toTime: '2025-01-01T00:00:00Z', targeting: old } }).then([
      { type: 'FlagTargetingRolledBack', data: { environment: 'staging', toTime: '2025-01-01T00:00:00Z', targeting: old } },
    ]);
    spec(world(['beta']))([...v4, { type: 'FlagArchived', data: {} }])
      .when({ type: 'RollbackTargeting', data: { environment: 'staging', toTime: '2025-01-01T00:00:00Z', targeting: old } })
      .thenThrows(ConflictError);
  });

  it('plans an environment rollback: restore what existed, switch off what came later, leave archived and unchanged flags', () => {
    const then = new Map([['f', fold(v2)]]);
    const late = fold([{ ...created, data: { ...(created.data as object), key: 'late' } } as FlagEvent, { type: 'FlagToggled', data: { environment: 'production', enabled: true } }]);
    const gone = fold([{ ...created, data: { ...(created.data as object), key: 'gone' } } as FlagEvent, { type: 'FlagArchived', data: {} }]);
    const now = [fold(v4), late, gone].map((state, i) => ({ state, version: i + 1, createdAt: new Date(0), updatedAt: new Date(0), updatedBy: 'a' }));
    expect(planEnvironmentRollback('production', then, now).map((c) => [c.flagKey, c.action])).toEqual([['late', 'disable']]);
    const staging = planEnvironmentRollback('staging', then, now);
    expect(staging.map((c) => [c.flagKey, c.action, c.targeting.enabled])).toEqual([['f', 'restore', false]]);
    expect(staging[0]!.changes).toEqual([{ path: 'enabled', op: 'changed', before: true, after: false }]);
    const after = contextAfter('staging', staging, world([], [fold(v4)]));
    expect(targetingIn(after.flag('f')!, 'staging').enabled).toBe(false);
  });
});

describe('FlagHistory: any version or time of a flag, from bounded snapshots', () => {
  it('equals a full fold at every version and time, while keeping at most maxSnapshots per stream', async () => {
    let clock = 0;
    const store = createInMemoryEventStore({ now: () => new Date(clock) });
    await store.append('flag-f', [{ type: created.type, data: created.data }], { expectedVersion: 'no_stream' });
    for (let v = 2; v <= 300; v++) {
      clock += 1_000;
      await store.append('flag-f', [{ type: 'FlagToggled', data: { environment: v % 3 === 0 ? 'staging' : 'production', enabled: v % 2 === 0 } }], { expectedVersion: v - 1 });
    }
    const history = new FlagHistory(store, { every: 5, maxSnapshots: 6 });
    const events = await store.readStream('flag-f');
    const fullFold = (n: number): Flag => events.slice(0, n).reduce<Flag | undefined>((s, e) => evolveFlag(s, e as unknown as FlagEvent), undefined)!;
    for (const version of [300, 1, 150, 7, 299, 5, 64, 300, 123]) {
      expect((await history.at('f', { version }))!.state, `version ${version}`).toEqual(fullFold(version));
      expect((await history.at('f', { version }))!.version).toBe(version);
      expect((await history.at('f', { time: events[version - 1]!.recordedAt }))!.state).toEqual(fullFold(version));
      const entry = (history as unknown as { streams: Map<string, { size: number }> }).streams.get('f')!;
      expect(entry.size).toBeGreaterThan(0);
      expect(entry.size).toBeLessThanOrEqual(6);
    }
    expect(await history.at('f', { time: new Date(-1) })).toBeUndefined();
  });

  it('fed by the write model\'s fold, a first read folds only from the nearest snapshot, and still equals a full fold', async () => {
    const store = createInMemoryEventStore();
    await store.append('flag-f', [{ type: created.type, data: created.data }], { expectedVersion: 'no_stream' });
    for (let v = 2; v <= 1_000; v++) {
      await store.append('flag-f', [{ type: 'FlagToggled', data: { environment: 'production', enabled: v % 2 === 0 } }], { expectedVersion: v - 1 });
    }
    const reads: { fromVersion?: number; toVersion?: number }[] = [];
    const spied = { ...store, readStream: (id: string, o?: { fromVersion?: number; toVersion?: number }) => (reads.push(o ?? {}), store.readStream(id, o)) };
    const history = new FlagHistory(spied);
    const model = new WriteModel(store);
    model.onFlagFolded((key, event, flag) => history.observe(key, event.version, event.recordedAt, flag));
    await model.refresh();
    const events = await store.readStream('flag-f');
    const fullFold = (n: number): Flag => events.slice(0, n).reduce<Flag | undefined>((st, e) => evolveFlag(st, e as unknown as FlagEvent), undefined)!;
    expect((await history.at('f', { version: 777 }))!.state).toEqual(fullFold(777));
    expect(reads).toEqual([{ fromVersion: 701, toVersion: 777 }]);
  });
});

