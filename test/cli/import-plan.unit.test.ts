import { describe, expect, it } from 'vitest';
import { parseConfiguration, type ConfigurationDocument } from '../../src/cli/configuration.ts';
import { planImport, prerequisiteOrder } from '../../src/cli/import-plan.ts';

const environments = [
  { key: 'development', name: 'Development', production: false },
  { key: 'production', name: 'Production', production: true },
];

/** A document as a file would give it, with the API's defaults applied. */
function doc(input: Record<string, unknown>): ConfigurationDocument {
  return parseConfiguration({ environments, ...input });
}

const on = { enabled: true, offVariant: 'off', defaultServe: { variant: 'on' } };
const steps = (plan: ReturnType<typeof planImport>) => plan.commands.map((c) => `${c.action} ${c.entity}${c.environment ? ` ${c.environment}` : ''}`);

describe('import planning', () => {
  it('plans nothing when the server already has the configuration', () => {
    const desired = doc({
      segments: [{ key: 'beta', conditions: [{ attribute: 'plan', operator: 'eq', values: ['beta'] }] }],
      flags: [{ key: 'a', environments: { production: { ...on, rules: [{ conditions: [{ operator: 'in_segment', values: ['beta'] }], serve: { variant: 'on' } }] } } }],
      metrics: [{ key: 'purchase', kind: 'binomial', event: 'purchase' }],
    });
    // The same configuration as the server would export it: other key order, rule ids assigned, defaults spelled out.
    const current = JSON.parse(JSON.stringify(desired)) as ConfigurationDocument;
    current.flags[0]!.environments = {
      production: { defaultServe: { variant: 'on' }, rules: [{ serve: { variant: 'on' }, conditions: [{ values: ['beta'], operator: 'in_segment' }], id: 'rule-1' }], targets: [], prerequisites: [], bucketBy: 'targetingKey', offVariant: 'off', enabled: true },
    };
    expect(planImport(desired, current)).toEqual({ commands: [], blockers: [] });
  });

  it('creates segments and metrics before flags, and sets targeting in prerequisite order after every flag exists', () => {
    const desired = doc({
      segments: [{ key: 'beta', included: ['u1'] }],
      flags: [
        { key: 'child', environments: { production: { ...on, prerequisites: [{ flagKey: 'parent', variant: 'on' }], rules: [{ conditions: [{ operator: 'in_segment', values: ['beta'] }], serve: { variant: 'on' } }] } } },
        { key: 'parent', environments: { production: { ...on, rules: [{ conditions: [{ attribute: 'country', operator: 'eq', values: ['US'] }], serve: { variant: 'on' } }] } } },
      ],
      metrics: [{ key: 'purchase', kind: 'binomial', event: 'purchase' }],
      experiments: [
        { key: 'exp', flagKey: 'parent', environment: 'production', controlVariant: 'off', variants: [{ variant: 'off', weight: 50_000 }, { variant: 'on', weight: 50_000 }], primaryMetric: 'purchase', status: 'stopped' },
      ],
    });
    const plan = planImport(desired, doc({}));
    expect(plan.blockers).toEqual([]);
    expect(steps(plan)).toEqual([
      'create segment:beta',
      'create metric:purchase',
      'create flag:parent',
      'create flag:child',
      'targeting flag:parent production',
      'targeting flag:child production',
      'create experiment:exp',
      'start experiment:exp',
      'stop experiment:exp',
    ]);
    const create = plan.commands.find((c) => c.entity === 'flag:child' && c.action === 'create')!;
    expect(create).toMatchObject({ method: 'POST', path: '/admin/flags', ifMatch: false, body: { key: 'child', type: 'boolean', variants: { on: true, off: false } } });
    const targeting = plan.commands.find((c) => c.entity === 'flag:child' && c.action === 'targeting')!;
    expect(targeting).toMatchObject({ method: 'PUT', path: '/admin/flags/child/environments/production', ifMatch: true });
    expect((targeting.body as { rules: { id: string }[] }).rules[0]!.id).toBe('rule-1');
  });

  it('uses the kill switch when only enabled differs, and a targeting change otherwise', () => {
    const current = doc({ flags: [{ key: 'a', environments: { production: { ...on, enabled: false }, development: on } }] });
    const desired = doc({ flags: [{ key: 'a', environments: { production: on, development: { ...on, defaultServe: { variant: 'off' } } } }] });
    const plan = planImport(desired, current);
    expect(steps(plan)).toEqual(['toggle flag:a production', 'targeting flag:a development']);
    expect(plan.commands[0]).toMatchObject({ method: 'POST', path: '/admin/flags/a/environments/production/toggle', body: { enabled: true } });
    expect(plan.commands[1]!.changes).toEqual([{ path: 'defaultServe.variant', op: 'changed', before: 'on', after: 'off' }]);
  });

  it('removes a variant only after the targeting that served it has changed', () => {
    const variants = { red: 'red', blue: 'blue' };
    const current = doc({ flags: [{ key: 'c', type: 'string', variants, environments: { production: { enabled: true, offVariant: 'red', defaultServe: { variant: 'blue' } } } }] });
    const desired = doc({ flags: [{ key: 'c', type: 'string', variants: { red: 'red', green: 'green' }, environments: { production: { enabled: true, offVariant: 'red', defaultServe: { variant: 'green' } } } }] });
    const plan = planImport(desired, current);
    expect(steps(plan)).toEqual(['change flag:c', 'targeting flag:c production', 'change flag:c']);
    expect(plan.commands[0]!.body).toMatchObject({ variants: { red: 'red', green: 'green', blue: 'blue' } });
    expect(plan.commands[2]!.body).toMatchObject({ variants: { red: 'red', green: 'green' } });
  });

  it('restores before changing and archives last, dependents before what they depend on', () => {
    const current = doc({
      segments: [{ key: 's', archived: true }],
      flags: [
        { key: 'base' },
        { key: 'dep', environments: { production: { ...on, prerequisites: [{ flagKey: 'base', variant: 'on' }] } } },
        { key: 'old', archived: true },
      ],
    });
    const desired = doc({
      segments: [{ key: 's', description: 'back' }],
      flags: [
        { key: 'base', archived: true },
        { key: 'dep', archived: true, environments: { production: { ...on, prerequisites: [{ flagKey: 'base', variant: 'on' }] } } },
        { key: 'old', description: 'revived' },
      ],
    });
    expect(steps(planImport(desired, current))).toEqual(['restore segment:s', 'change segment:s', 'restore flag:old', 'change flag:old', 'archive flag:dep', 'archive flag:base']);
  });

  it('blocks what no command can do, pointing into the file, and leaves what the file does not mention alone', () => {
    const current = doc({
      flags: [{ key: 'a' }, { key: 'untouched' }],
      metrics: [{ key: 'm', kind: 'binomial', event: 'e' }],
      experiments: [{ key: 'x', flagKey: 'a', environment: 'production', controlVariant: 'off', variants: [{ variant: 'off', weight: 50_000 }, { variant: 'on', weight: 50_000 }], primaryMetric: 'm', status: 'running' }],
    });
    const desired = doc({
      flags: [{ key: 'a', type: 'string', variants: { x: 'x' } }],
      metrics: [{ key: 'm', kind: 'binomial', event: 'e' }],
      experiments: [{ key: 'x', flagKey: 'a', environment: 'production', controlVariant: 'off', variants: [{ variant: 'off', weight: 50_000 }, { variant: 'on', weight: 50_000 }], primaryMetric: 'm', status: 'draft' }],
    });
    const plan = planImport(desired, current);
    expect(plan.blockers.map((b) => b.pointer)).toEqual(['#/flags/0/type', '#/experiments/0/status']);
    expect(plan.commands).toEqual([]);
  });

  it('orders flags after their prerequisites and survives a cycle', () => {
    const desired = doc({
      flags: [
        { key: 'a', environments: { production: { ...on, prerequisites: [{ flagKey: 'b', variant: 'on' }] } } },
        { key: 'b', environments: { development: { ...on, prerequisites: [{ flagKey: 'c', variant: 'on' }] } } },
        { key: 'c', environments: { production: { ...on, prerequisites: [{ flagKey: 'a', variant: 'on' }] } } },
      ],
    });
    expect(prerequisiteOrder(desired.flags).map((f) => f.key)).toEqual(['c', 'b', 'a']);
  });

  it('refuses an invalid file with a pointer to each problem', () => {
    expect(() => parseConfiguration({ flags: [{ key: 'Bad Key', environments: { production: { enabled: 'yes', offVariant: 'off', defaultServe: { variant: 'on' } } } }, { key: 'x' }, { key: 'x' }] })).toThrow(
      expect.objectContaining({
        issues: expect.arrayContaining([
          expect.objectContaining({ pointer: '#/flags/0/key' }),
          expect.objectContaining({ pointer: '#/flags/0/environments/production/enabled' }),
        ]),
      }),
    );
    expect(() => parseConfiguration({ flags: [{ key: 'x' }, { key: 'x' }] })).toThrow(expect.objectContaining({ issues: [{ pointer: '#/flags/1/key', detail: 'x appears twice' }] }));
  });
});
