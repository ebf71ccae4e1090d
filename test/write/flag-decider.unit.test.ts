import { describe, expect, it } from 'vitest';
import { ConflictError, DomainRuleViolation, NotFoundError, ValidationError, type FieldIssue } from '../../src/shared/errors.ts';
import type { FlagCreated, FlagEvent } from '../../src/shared/flag-events.ts';
import { withRuleIds, type Targeting, type TargetingInput } from '../../src/shared/targeting.ts';
import { decideFlag, type ExperimentFacts, type FlagCommand, type FlagDecisionContext } from '../../src/write/flags/flag-decider.ts';
import { evolveFlag, type Flag } from '../../src/shared/flag-evolution.ts';
import { deciderSpec } from '../support/decider-spec.ts';

const created = (key: string, extra: Partial<FlagCreated['data']> = {}): FlagCreated => ({
  type: 'FlagCreated',
  data: { key, type: 'boolean', description: '', tags: [], variants: { on: true, off: false }, hashVersion: 1, ...extra },
});
const colours = created('colour', { type: 'string', variants: { red: 'red', green: 'green', blue: 'blue' } });

/** A world of other flags and segments the decider may look at. */
function world(
  options: { flags?: FlagEvent[][]; segments?: string[]; environments?: string[]; versions?: Record<string, number>; experiments?: Record<string, ExperimentFacts> } = {},
): FlagDecisionContext {
  const flags = new Map<string, Flag>();
  for (const history of options.flags ?? []) {
    const flag = history.reduce<Flag | undefined>(evolveFlag, undefined)!;
    flags.set(flag.key, flag);
  }
  const environments = new Set(options.environments ?? ['development', 'staging', 'production']);
  const segments = new Set(options.segments ?? []);
  return {
    environmentExists: (key) => environments.has(key),
    segmentExists: (key) => segments.has(key),
    flag: (key) => flags.get(key),
    flags: () => flags.values(),
    flagVersion: (key) => options.versions?.[key] ?? (flags.has(key) ? 1 : 0),
    experiment: (key) => options.experiments?.[key],
  };
}

const spec = (context: FlagDecisionContext = world()) =>
  deciderSpec<Flag, FlagCommand, FlagEvent>({ evolve: evolveFlag, decide: (c, s) => decideFlag(c, s, context) });

const targeting = (overrides: Partial<TargetingInput> = {}): TargetingInput => ({
  enabled: true,
  offVariant: 'off',
  bucketBy: 'targetingKey',
  prerequisites: [],
  targets: [],
  rules: [],
  defaultServe: { variant: 'on' },
  ...overrides,
});
const changeTargeting = (t: TargetingInput, environment = 'production'): FlagCommand => ({
  type: 'ChangeTargeting',
  data: { environment, targeting: t },
});
const pointers = (error: Error): string[] => ((error as { issues?: FieldIssue[] }).issues ?? []).map((i) => i.pointer);

describe('flag decider', () => {
  describe('CreateFlag', () => {
    it('gives a boolean flag the variants on and off', () => {
      spec()([])
        .when({ type: 'CreateFlag', data: { key: 'new-checkout', type: 'boolean', description: 'New checkout', tags: ['checkout'] } })
        .then([
          {
            type: 'FlagCreated',
            data: { key: 'new-checkout', type: 'boolean', description: 'New checkout', tags: ['checkout'], variants: { on: true, off: false }, hashVersion: 1 },
          },
        ]);
    });

    it('refuses a flag that exists, archived or not', () => {
      spec()([created('a')]).when({ type: 'CreateFlag', data: { key: 'a', type: 'boolean', description: '', tags: [] } }).thenThrows(ConflictError);
      spec()([created('a'), { type: 'FlagArchived', data: {} }])
        .when({ type: 'CreateFlag', data: { key: 'a', type: 'boolean', description: '', tags: [] } })
        .thenThrows(ConflictError, /archived/);
    });

    it('needs variants for a non-boolean flag, of the flag type', () => {
      spec()([]).when({ type: 'CreateFlag', data: { key: 's', type: 'string', description: '', tags: [] } }).thenThrows(ValidationError, /#\/variants is required/);
      const error = spec()([])
        .when({ type: 'CreateFlag', data: { key: 'n', type: 'number', description: '', tags: [], variants: { low: 1, high: 'x' } } })
        .thenThrows(ValidationError, /must be a number/);
      expect(pointers(error)).toEqual(['#/variants/high']);
      spec()([])
        .when({ type: 'CreateFlag', data: { key: 'b', type: 'boolean', description: '', tags: [], variants: { yes: true, no: false } } })
        .thenThrows(ValidationError, /exactly the variants/);
      spec()([])
        .when({ type: 'CreateFlag', data: { key: 'j', type: 'json', description: '', tags: [], variants: { a: { size: 1 }, b: 3 } } })
        .thenThrows(ValidationError, /#\/variants\/b must be a JSON object/);
    });
  });

  describe('ChangeTargeting', () => {
    it('records the targeting, naming rules that came without an id', () => {
      const input = targeting({
        rules: [
          { id: 'rule-1', conditions: [{ attribute: 'country', operator: 'in', values: ['US'] }], serve: { variant: 'on' } },
          { conditions: [], serve: { split: [{ variant: 'on', weight: 25_000 }, { variant: 'off', weight: 75_000 }] } },
        ],
      });
      const expected: Targeting = {
        ...input,
        rules: [{ ...input.rules[0]!, id: 'rule-1' }, { ...input.rules[1]!, id: 'rule-2' }],
      };
      spec()([created('a')]).when(changeTargeting(input)).then([
        { type: 'FlagTargetingChanged', data: { environment: 'production', targeting: expected } },
      ]);
    });

    it('appends nothing when the targeting is what it already is', () => {
      const t = targeting();
      spec()([created('a'), { type: 'FlagTargetingChanged', data: { environment: 'production', targeting: { ...t, rules: [] } } }])
        .when(changeTargeting(t))
        .then([]);
    });

    it('refuses variants the flag does not have, wherever they are named', () => {
      const error = spec()([colours])
        .when(
          changeTargeting({
            enabled: true,
            offVariant: 'purple',
            bucketBy: 'targetingKey',
            prerequisites: [],
            targets: [{ variant: 'pink', units: ['u1'] }],
            rules: [{ id: 'r', conditions: [], serve: { split: [{ variant: 'red', weight: 50_000 }, { variant: 'cyan', weight: 50_000 }] } }],
            defaultServe: { variant: 'grey' },
          }),
        )
        .thenThrows(DomainRuleViolation, /names no variant of colour: \w+ is not one of red, green, blue/);
      expect(pointers(error)).toEqual(['#/offVariant', '#/targets/0/variant', '#/rules/0/serve/split/1/variant', '#/defaultServe/variant']);
    });

    it('refuses unknown environments and segments', () => {
      spec()([created('a')]).when(changeTargeting(targeting(), 'qa')).thenThrows(NotFoundError, /Environment qa/);
      const error = spec(world({ segments: ['beta'] }))([created('a')])
        .when(
          changeTargeting(
            targeting({ rules: [{ id: 'r', conditions: [{ operator: 'in_segment', values: ['beta', 'ghosts'] }], serve: { variant: 'on' } }] }),
          ),
        )
        .thenThrows(DomainRuleViolation, /ghosts does not exist/);
      expect(pointers(error)).toEqual(['#/rules/0/conditions/0/values/1']);
    });

    it('refuses prerequisites on missing flags, missing variants or itself', () => {
      const context = world({ flags: [[created('b')], [created('gone'), { type: 'FlagArchived', data: {} }]] });
      const error = spec(context)([created('a')])
        .when(
          changeTargeting(
            targeting({
              prerequisites: [
                { flagKey: 'nope', variant: 'on' },
                { flagKey: 'gone', variant: 'on' },
                { flagKey: 'b', variant: 'maybe' },
                { flagKey: 'a', variant: 'on' },
              ],
            }),
          ),
        )
        .thenThrows(DomainRuleViolation);
      expect(pointers(error)).toEqual([
        '#/prerequisites/0/flagKey',
        '#/prerequisites/1/flagKey',
        '#/prerequisites/2/variant',
        '#/prerequisites/3/flagKey',
      ]);
    });

    it('refuses a prerequisite that closes a cycle, in that environment only', () => {
      const requires = (key: string, on: string, environment = 'production'): FlagEvent[] => [
        created(key),
        { type: 'FlagTargetingChanged', data: { environment, targeting: { ...targeting({ prerequisites: [{ flagKey: on, variant: 'on' }] }), rules: [] } } },
      ];
      // b requires c, c requires a: a requiring b closes a → b → c → a.
      const context = world({ flags: [requires('b', 'c'), requires('c', 'a'), [created('a')]] });
      spec(context)([created('a')])
        .when(changeTargeting(targeting({ prerequisites: [{ flagKey: 'b', variant: 'on' }] })))
        .thenThrows(DomainRuleViolation, /cycle: a → b → c → a/);
      // In staging the chain does not exist, so the same prerequisite is fine there.
      const staging = spec(context)([created('a')]).when(changeTargeting(targeting({ prerequisites: [{ flagKey: 'b', variant: 'on' }] }), 'staging'));
      staging.then([
        {
          type: 'FlagTargetingChanged',
          data: { environment: 'staging', targeting: { ...targeting({ prerequisites: [{ flagKey: 'b', variant: 'on' }] }), rules: [] } },
        },
      ]);
    });

    it('refuses changes to an archived flag', () => {
      spec()([created('a'), { type: 'FlagArchived', data: {} }]).when(changeTargeting(targeting())).thenThrows(ConflictError, /archived/);
    });
  });

  describe('ToggleFlag', () => {
    it('switches an environment on, and does nothing when it already is', () => {
      spec()([created('a')])
        .when({ type: 'ToggleFlag', data: { environment: 'production', enabled: true } })
        .then([{ type: 'FlagToggled', data: { environment: 'production', enabled: true } }]);
      spec()([created('a'), { type: 'FlagToggled', data: { environment: 'production', enabled: true } }])
        .when({ type: 'ToggleFlag', data: { environment: 'production', enabled: true } })
        .then([]);
    });

    it('refuses unknown flags and environments', () => {
      spec()([]).when({ type: 'ToggleFlag', data: { environment: 'production', enabled: true } }).thenThrows(NotFoundError, /Flag not found/);
      spec()([created('a')]).when({ type: 'ToggleFlag', data: { environment: 'moon', enabled: true } }).thenThrows(NotFoundError, /moon/);
    });

    it('refuses to switch an archived flag either way: it must be restored first', () => {
      const archived: FlagEvent[] = [created('a'), { type: 'FlagArchived', data: {} }];
      spec()(archived).when({ type: 'ToggleFlag', data: { environment: 'production', enabled: true } }).thenThrows(ConflictError, /archived/);
      spec()(archived).when({ type: 'ToggleFlag', data: { environment: 'production', enabled: false } }).thenThrows(ConflictError, /archived/);
    });
  });

  describe('ArchiveFlag and RestoreFlag', () => {
    it('refuses to archive a flag another live flag depends on', () => {
      const dependent: FlagEvent[] = [
        created('b'),
        { type: 'FlagTargetingChanged', data: { environment: 'staging', targeting: { ...targeting({ prerequisites: [{ flagKey: 'a', variant: 'on' }] }), rules: [] } } },
      ];
      spec(world({ flags: [dependent] }))([created('a')]).when({ type: 'ArchiveFlag' }).thenThrows(ConflictError, /prerequisite of b/);
      spec(world({ flags: [[...dependent, { type: 'FlagArchived', data: {} }]] }))([created('a')])
        .when({ type: 'ArchiveFlag' })
        .then([{ type: 'FlagArchived', data: {} }]);
    });

    it('archives and restores once', () => {
      spec()([created('a'), { type: 'FlagArchived', data: {} }]).when({ type: 'ArchiveFlag' }).then([]);
      spec()([created('a'), { type: 'FlagArchived', data: {} }]).when({ type: 'RestoreFlag' }).then([{ type: 'FlagRestored', data: {} }]);
      spec()([created('a')]).when({ type: 'RestoreFlag' }).then([]);
    });
  });

  describe('ChangeFlagDetails', () => {
    it('changes description, tags and variants', () => {
      spec()([colours])
        .when({ type: 'ChangeFlagDetails', data: { description: 'Button colour', variants: { red: 'red', green: 'green', blue: 'blue', black: 'black' } } })
        .then([
          {
            type: 'FlagDetailsChanged',
            data: { description: 'Button colour', tags: [], variants: { red: 'red', green: 'green', blue: 'blue', black: 'black' } },
          },
        ]);
    });

    it('refuses to remove a variant still served or required by another flag', () => {
      const serving: FlagEvent = {
        type: 'FlagTargetingChanged',
        data: { environment: 'production', targeting: { ...targeting({ offVariant: 'red', defaultServe: { variant: 'blue' } }), rules: [] } },
      };
      spec()([colours, serving])
        .when({ type: 'ChangeFlagDetails', data: { variants: { red: 'red', green: 'green' } } })
        .thenThrows(DomainRuleViolation, /variant blue is still served in production/);
      const requiring: FlagEvent[] = [
        created('b'),
        { type: 'FlagTargetingChanged', data: { environment: 'production', targeting: { ...targeting({ prerequisites: [{ flagKey: 'colour', variant: 'green' }] }), rules: [] } } },
      ];
      spec(world({ flags: [requiring] }))([colours])
        .when({ type: 'ChangeFlagDetails', data: { variants: { red: 'red', blue: 'blue' } } })
        .thenThrows(DomainRuleViolation, /variant green is a prerequisite of b/);
    });
  });

  describe('reservations: where starting experiments, depending flags and archiving meet', () => {
    const attach = (experimentKey: string, experimentVersion: number, environment = 'production'): FlagCommand => ({
      type: 'AttachExperiment',
      data: { environment, experimentKey, experimentVersion },
    });
    const attached = (experimentKey: string, experimentVersion: number, environment = 'production'): FlagEvent => ({
      type: 'FlagExperimentAttached',
      data: { environment, experimentKey, experimentVersion },
    });
    const facts = (version: number, running: boolean, flagKey = 'a'): ExperimentFacts => ({ flagKey, environment: 'production', running, version });
    const claimed = (dependentKey: string, dependentVersion: number): FlagEvent => ({ type: 'FlagPrerequisiteClaimed', data: { dependentKey, dependentVersion } });

    it('reserves a flag and environment for an experiment about to start, once', () => {
      spec()([created('a')]).when(attach('first', 1)).then([attached('first', 1)]);
      spec(world({ experiments: { first: facts(1, false) } }))([created('a'), attached('first', 1)]).when(attach('first', 1)).then([]);
      spec()([created('a'), { type: 'FlagArchived', data: {} }]).when(attach('first', 1)).thenThrows(DomainRuleViolation, /Invalid experiment/);
    });

    it('refuses a second experiment while the first runs or is starting, naming it', () => {
      const running = world({ experiments: { first: facts(2, true) } });
      spec(running)([created('a'), attached('first', 1)])
        .when(attach('second', 1))
        .thenThrows(DomainRuleViolation, /#\/flagKey first is already running on a in production: one running experiment per flag and environment/);
      const starting = world({ experiments: { first: facts(1, false) } });
      spec(starting)([created('a'), attached('first', 1)]).when(attach('second', 1)).thenThrows(DomainRuleViolation, /first is already starting/);
      spec(running)([created('a'), attached('first', 1)]).when(attach('second', 1, 'staging')).then([attached('second', 1, 'staging')]);
    });

    it('lets the next experiment take over a spent reservation: stopped, moved on without starting, or moved to another flag', () => {
      for (const first of [facts(3, false), facts(2, false), facts(4, true, 'other-flag')]) {
        spec(world({ experiments: { first } }))([created('a'), attached('first', 1)]).when(attach('second', 1)).then([attached('second', 1)]);
      }
    });

    it('refuses to archive a flag an experiment holds, and archives it once the reservation is spent', () => {
      spec(world({ experiments: { first: facts(2, true) } }))([created('a'), attached('first', 1)])
        .when({ type: 'ArchiveFlag' })
        .thenThrows(ConflictError, /experiment first is running on a in production: stop it first/);
      spec(world({ experiments: { first: facts(1, false) } }))([created('a'), attached('first', 1)])
        .when({ type: 'ArchiveFlag' })
        .thenThrows(ConflictError, /first is starting on a in production/);
      spec(world({ experiments: { first: facts(3, false) } }))([created('a'), attached('first', 1)])
        .when({ type: 'ArchiveFlag' })
        .then([{ type: 'FlagArchived', data: {} }]);
    });

    it('records a claim by a flag about to depend on this one, once, and refuses it on an archived flag', () => {
      spec()([created('a')]).when({ type: 'ClaimPrerequisite', data: { dependentKey: 'b', dependentVersion: 1 } }).then([claimed('b', 1)]);
      spec()([created('a'), claimed('b', 1)]).when({ type: 'ClaimPrerequisite', data: { dependentKey: 'b', dependentVersion: 1 } }).then([]);
      spec()([created('a'), { type: 'FlagArchived', data: {} }])
        .when({ type: 'ClaimPrerequisite', data: { dependentKey: 'b', dependentVersion: 1 } })
        .thenThrows(DomainRuleViolation, /#\/prerequisites names no flag \(a does not exist or is archived\)/);
    });

    it('refuses to archive a flag or remove a variant while a claim may still land, and not once it is spent', () => {
      const pending = world({ flags: [[created('b')]], versions: { b: 1 } });
      spec(pending)([created('a'), claimed('b', 1)]).when({ type: 'ArchiveFlag' }).thenThrows(ConflictError, /prerequisite of b/);
      spec(pending)([colours, claimed('b', 1)])
        .when({ type: 'ChangeFlagDetails', data: { variants: { red: 'red', blue: 'blue' } } })
        .thenThrows(DomainRuleViolation, /variant green is a prerequisite of b/);
      const spent = world({ flags: [[created('b')]], versions: { b: 2 } });
      spec(spent)([created('a'), claimed('b', 1)]).when({ type: 'ArchiveFlag' }).then([{ type: 'FlagArchived', data: {} }]);
    });
  });
});

describe('flag decider: each refusal states its problem exactly, and only real problems refuse', () => {
  const archivedEvent: FlagEvent = { type: 'FlagArchived', data: {} };
  /** A targeting change in `environment`: the targeting of the tests above, with these overrides. */
  const targetingChanged = (environment: string, overrides: Partial<TargetingInput> = {}): FlagEvent => ({
    type: 'FlagTargetingChanged',
    data: { environment, targeting: withRuleIds(targeting(overrides)) },
  });
  const requires = (key: string, environment: string, ...prerequisites: [string, string][]): FlagEvent[] => [
    created(key),
    targetingChanged(environment, { prerequisites: prerequisites.map(([flagKey, variant]) => ({ flagKey, variant })) }),
  ];
  const attached = (experimentKey: string, environment: string): FlagEvent => ({
    type: 'FlagExperimentAttached',
    data: { environment, experimentKey, experimentVersion: 1 },
  });
  const runningIn = (flagKey: string, environment: string): ExperimentFacts => ({ flagKey, environment, running: true, version: 2 });
  const withSegment = (segment: string) =>
    targeting({
      offVariant: 'red',
      defaultServe: { variant: 'red' },
      rules: [{ conditions: [{ operator: 'in_segment', values: [segment] }], serve: { variant: 'blue' } }],
    });
  const fold = (events: FlagEvent[]): Flag => events.reduce<Flag | undefined>(evolveFlag, undefined)!;

  /** A string flag with a description and tags; servingRed is its targeting in production. */
  const colour = created('colour', { type: 'string', description: 'd', tags: ['t'], variants: { red: 'red', green: 'green', blue: 'blue' } });
  const servingRed = targetingChanged('production', { offVariant: 'red', defaultServe: { variant: 'red' } });
  /** colour as it was at version 3: archived, before green was added, naming a segment since deleted. */
  const archivedVersion3 = fold([
    created('colour', { type: 'string', variants: { red: 'red', blue: 'blue' } }),
    targetingChanged('production', withSegment('gone')),
    archivedEvent,
  ]);
  /** Version 1 of colour: live, another description, serving red. */
  const liveVersion1 = fold([created('colour', { type: 'string', description: 'first', variants: { red: 'red', green: 'green', blue: 'blue' } }), servingRed]);

  const refusals: { name: string; context?: FlagDecisionContext; given: FlagEvent[]; when: FlagCommand; error: string; message: string; issues?: FieldIssue[] }[] = [
    {
      name: 'creating a flag that exists',
      given: [created('a')],
      when: { type: 'CreateFlag', data: { key: 'a', type: 'boolean', description: '', tags: [] } },
      error: 'ConflictError',
      message: 'Flag a already exists',
    },
    {
      name: 'creating a non-boolean flag without variants',
      given: [],
      when: { type: 'CreateFlag', data: { key: 's', type: 'string', description: '', tags: [] } },
      error: 'ValidationError',
      message: 'Invalid flag',
      issues: [{ pointer: '#/variants', detail: 'is required for a string flag' }],
    },
    {
      name: 'creating a flag with variants of another type',
      given: [],
      when: { type: 'CreateFlag', data: { key: 'n', type: 'number', description: '', tags: [], variants: { low: 1, high: 'x' } } },
      error: 'ValidationError',
      message: 'Invalid variants',
      issues: [{ pointer: '#/variants/high', detail: 'must be a number for a number flag' }],
    },
    {
      name: 'changing variants to ones of another type',
      given: [colour],
      when: { type: 'ChangeFlagDetails', data: { variants: { red: 1 } } },
      error: 'ValidationError',
      message: 'Invalid variants',
      issues: [{ pointer: '#/variants/red', detail: 'must be a string for a string flag' }],
    },
    {
      name: 'removing variants served in two environments, or required by two flags',
      context: world({ flags: [requires('b', 'production', ['colour', 'green']), requires('c', 'staging', ['colour', 'green'])] }),
      given: [
        colour,
        targetingChanged('production', withSegment('beta')),
        targetingChanged('staging', { offVariant: 'red', targets: [{ variant: 'blue', units: ['u1'] }], defaultServe: { variant: 'red' } }),
      ],
      when: { type: 'ChangeFlagDetails', data: { variants: { red: 'red' } } },
      error: 'DomainRuleViolation',
      message: 'A variant still in use cannot be removed',
      issues: [
        { pointer: '#/variants', detail: 'variant green is a prerequisite of b, c' },
        { pointer: '#/variants', detail: 'variant blue is still served in production, staging' },
      ],
    },
    {
      name: 'targeting that names missing flags, missing variants or the flag itself',
      context: world({ flags: [[created('b')], [created('gone'), archivedEvent]] }),
      given: [created('a')],
      when: changeTargeting(
        targeting({
          prerequisites: [
            { flagKey: 'nope', variant: 'on' },
            { flagKey: 'gone', variant: 'on' },
            { flagKey: 'b', variant: 'maybe' },
            { flagKey: 'a', variant: 'on' },
          ],
        }),
      ),
      error: 'DomainRuleViolation',
      message: 'Invalid targeting',
      issues: [
        { pointer: '#/prerequisites/0/flagKey', detail: 'names no flag (nope does not exist or is archived)' },
        { pointer: '#/prerequisites/1/flagKey', detail: 'names no flag (gone does not exist or is archived)' },
        { pointer: '#/prerequisites/2/variant', detail: 'names no variant of b (on, off)' },
        { pointer: '#/prerequisites/3/flagKey', detail: 'a flag cannot be its own prerequisite' },
      ],
    },
    {
      name: 'a prerequisite that closes a cycle',
      context: world({ flags: [requires('b', 'production', ['c', 'on']), requires('c', 'production', ['a', 'on']), [created('a')]] }),
      given: [created('a')],
      when: changeTargeting(targeting({ prerequisites: [{ flagKey: 'b', variant: 'on' }] })),
      error: 'DomainRuleViolation',
      message: 'Invalid targeting',
      issues: [{ pointer: '#/prerequisites/0/flagKey', detail: 'would form a prerequisite cycle: a → b → c → a' }],
    },
    {
      name: 'archiving a flag two others require, one of them among other prerequisites',
      context: world({ flags: [requires('b', 'staging', ['a', 'on']), requires('c', 'production', ['d', 'on'], ['a', 'off']), [created('d')]] }),
      given: [created('a')],
      when: { type: 'ArchiveFlag' },
      error: 'ConflictError',
      message: 'Flag a is a prerequisite of b, c: remove those prerequisites first',
    },
    {
      name: 'archiving a flag two experiments hold',
      context: world({ experiments: { first: runningIn('a', 'production'), second: runningIn('a', 'staging') } }),
      given: [created('a'), attached('first', 'production'), attached('second', 'staging')],
      when: { type: 'ArchiveFlag' },
      error: 'ConflictError',
      message: 'Flag a cannot be archived while experiment first is running on a in production, second is running on a in staging: stop it first',
    },
    {
      name: 'restoring targeting in an unknown environment',
      given: [created('a')],
      when: { type: 'RollbackTargeting', data: { environment: 'qa', toTime: '2025-01-01T00:00:00Z', targeting: withRuleIds(targeting()) } },
      error: 'NotFoundError',
      message: 'Environment qa not found',
    },
    {
      name: 'restoring targeting that names a segment since deleted',
      given: [colour],
      when: { type: 'RollbackTargeting', data: { environment: 'production', toTime: '2025-01-01T00:00:00Z', targeting: withRuleIds(withSegment('gone')) } },
      error: 'DomainRuleViolation',
      message: 'The targeting of colour in production as of 2025-01-01T00:00:00Z cannot be restored',
      issues: [{ pointer: '#/rules/0/conditions/0/values/0', detail: 'names no segment (gone does not exist or is archived)' }],
    },
    {
      name: 'rolling back to an archived version that lacks a variant others require, while others require the flag and experiments hold it',
      context: world({
        flags: [requires('b', 'production', ['colour', 'green']), requires('c', 'staging', ['colour', 'green']), requires('d', 'production', ['colour', 'red'])],
        experiments: { first: runningIn('colour', 'production'), second: runningIn('colour', 'staging') },
      }),
      given: [colour, servingRed, attached('first', 'production'), attached('second', 'staging')],
      when: { type: 'RollbackFlag', data: { toVersion: 3, target: archivedVersion3 } },
      error: 'DomainRuleViolation',
      message: 'Version 3 of colour cannot be restored: what it refers to has changed since',
      issues: [
        { pointer: '#/variants', detail: 'variant green would be removed but is a prerequisite of b, c' },
        { pointer: '#/archived', detail: 'version 3 is archived, but colour is now a prerequisite of b, c, d' },
        { pointer: '#/archived', detail: 'version 3 is archived, but experiment first is running on colour in production, second is running on colour in staging' },
      ],
    },
    {
      name: 'reserving an archived flag for an experiment',
      given: [created('a'), archivedEvent],
      when: { type: 'AttachExperiment', data: { environment: 'production', experimentKey: 'first', experimentVersion: 1 } },
      error: 'DomainRuleViolation',
      message: 'Invalid experiment',
      issues: [{ pointer: '#/flagKey', detail: 'names no live flag (a)' }],
    },
    {
      name: 'reserving a flag another experiment holds',
      context: world({ experiments: { first: runningIn('a', 'production') } }),
      given: [created('a'), attached('first', 'production')],
      when: { type: 'AttachExperiment', data: { environment: 'production', experimentKey: 'second', experimentVersion: 1 } },
      error: 'DomainRuleViolation',
      message: 'Invalid experiment',
      issues: [{ pointer: '#/flagKey', detail: 'first is already running on a in production: one running experiment per flag and environment' }],
    },
    {
      name: 'claiming an archived flag as a prerequisite',
      given: [created('a'), archivedEvent],
      when: { type: 'ClaimPrerequisite', data: { dependentKey: 'b', dependentVersion: 1 } },
      error: 'DomainRuleViolation',
      message: 'Invalid targeting',
      issues: [{ pointer: '#/prerequisites', detail: 'names no flag (a does not exist or is archived)' }],
    },
    {
      name: 'a command the decider does not know (a programming error)',
      given: [created('a')],
      when: { type: 'Bogus' } as unknown as FlagCommand,
      error: 'Error',
      message: 'unknown command Bogus',
    },
  ];
  for (const { name, context, given, when, error, message, issues = [] } of refusals) {
    it(`refuses ${name}`, () => {
      const caught = spec(context)(given).when(when).thenThrows(Error);
      expect({ error: caught.constructor.name, message: caught.message, issues: (caught as { issues?: FieldIssue[] }).issues ?? [] }).toEqual({ error, message, issues });
    });
  }

  const decisions: { name: string; context?: FlagDecisionContext; given: FlagEvent[]; when: FlagCommand; then: FlagEvent[] }[] = [
    {
      name: 'a new description keeps the tags and variants',
      given: [colour, servingRed],
      when: { type: 'ChangeFlagDetails', data: { description: 'new' } },
      then: [{ type: 'FlagDetailsChanged', data: { description: 'new', tags: ['t'], variants: colour.data.variants } }],
    },
    {
      name: 'new tags alone are a change',
      given: [colour],
      when: { type: 'ChangeFlagDetails', data: { tags: ['u'] } },
      then: [{ type: 'FlagDetailsChanged', data: { description: 'd', tags: ['u'], variants: colour.data.variants } }],
    },
    {
      name: 'a variant added while others are served is a change',
      given: [colour, servingRed],
      when: { type: 'ChangeFlagDetails', data: { variants: { ...colour.data.variants, black: 'black' } } },
      then: [{ type: 'FlagDetailsChanged', data: { description: 'd', tags: ['t'], variants: { ...colour.data.variants, black: 'black' } } }],
    },
    {
      name: 'a variant removed that no environment serves and no flag requires (others require another one)',
      context: world({ flags: [requires('b', 'production', ['colour', 'green'])] }),
      given: [colour, servingRed],
      when: { type: 'ChangeFlagDetails', data: { variants: { red: 'red', green: 'green' } } },
      then: [{ type: 'FlagDetailsChanged', data: { description: 'd', tags: ['t'], variants: { red: 'red', green: 'green' } } }],
    },
    {
      name: 'the same details are no change',
      given: [colour],
      when: { type: 'ChangeFlagDetails', data: { description: 'd', tags: ['t'], variants: colour.data.variants } },
      then: [],
    },
    { name: 'no details are no change', given: [colour], when: { type: 'ChangeFlagDetails', data: {} }, then: [] },
    {
      name: 'targets on variants the flag has',
      given: [created('a')],
      when: changeTargeting(targeting({ targets: [{ variant: 'on', units: ['u1'] }] })),
      then: [targetingChanged('production', { targets: [{ variant: 'on', units: ['u1'] }] })],
    },
    {
      name: 'a prerequisite next to a cycle it is not part of',
      context: world({ flags: [requires('b', 'production', ['c', 'on']), requires('c', 'production', ['b', 'on'])] }),
      given: [created('a')],
      when: changeTargeting(targeting({ prerequisites: [{ flagKey: 'b', variant: 'on' }] })),
      then: [targetingChanged('production', { prerequisites: [{ flagKey: 'b', variant: 'on' }] })],
    },
    {
      name: 'archiving a flag named only by its own targeting and by flags requiring another',
      context: world({ flags: [requires('a', 'production', ['a', 'on']), requires('b', 'production', ['d', 'on']), [created('d')]] }),
      given: requires('a', 'production', ['a', 'on']),
      when: { type: 'ArchiveFlag' },
      then: [archivedEvent],
    },
    {
      name: 'restoring the targeting an environment already has is no change',
      given: [colour, servingRed],
      when: {
        type: 'RollbackTargeting',
        data: { environment: 'production', toTime: '2025-01-01T00:00:00Z', targeting: (servingRed.data as { targeting: Targeting }).targeting },
      },
      then: [],
    },
    {
      name: 'reserving a flag again for the same experiment at its next version',
      context: world({ experiments: { first: { flagKey: 'a', environment: 'production', running: false, version: 2 } } }),
      given: [created('a'), attached('first', 'production')],
      when: { type: 'AttachExperiment', data: { environment: 'production', experimentKey: 'first', experimentVersion: 2 } },
      then: [{ type: 'FlagExperimentAttached', data: { environment: 'production', experimentKey: 'first', experimentVersion: 2 } }],
    },
    {
      name: 'reserving a flag whose previous experiment moved to another environment',
      context: world({ experiments: { first: runningIn('a', 'staging') } }),
      given: [created('a'), attached('first', 'production')],
      when: { type: 'AttachExperiment', data: { environment: 'production', experimentKey: 'second', experimentVersion: 1 } },
      then: [{ type: 'FlagExperimentAttached', data: { environment: 'production', experimentKey: 'second', experimentVersion: 1 } }],
    },
    {
      name: 'rolling back to a live version while others require the flag and an experiment holds it',
      context: world({ flags: [requires('b', 'production', ['colour', 'red'])], experiments: { first: runningIn('colour', 'production') } }),
      given: [colour, servingRed, attached('first', 'production')],
      when: { type: 'RollbackFlag', data: { toVersion: 1, target: liveVersion1 } },
      then: [
        {
          type: 'FlagRolledBack',
          data: { toVersion: 1, description: 'first', tags: [], variants: liveVersion1.variants, archived: false, environments: liveVersion1.environments },
        },
      ],
    },
    {
      name: 'rolling back to an archived version that names a deleted segment, when nothing requires or holds the flag',
      given: [colour, servingRed],
      when: { type: 'RollbackFlag', data: { toVersion: 3, target: archivedVersion3 } },
      then: [
        {
          type: 'FlagRolledBack',
          data: { toVersion: 3, description: '', tags: [], variants: { red: 'red', blue: 'blue' }, archived: true, environments: archivedVersion3.environments },
        },
      ],
    },
  ];
  for (const { name, context, given, when, then } of decisions) {
    it(`decides ${name}`, () => spec(context)(given).when(when).then(then));
  }
});
