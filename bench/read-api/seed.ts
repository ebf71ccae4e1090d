import { randomUUID } from 'node:crypto';
import type { EventStore, JsonObject, NewEvent } from '../../src/event-store/event-store.ts';
import { API_KEY_CATEGORY, type ApiKeyIssued } from '../../src/shared/access-events.ts';
import { streamId, type EventMetadata } from '../../src/shared/domain-event.ts';
import { DEFAULT_ENVIRONMENTS } from '../../src/shared/environment-events.ts';
import { FLAG_CATEGORY, type FlagCreated, type FlagTargetingChanged, type FlagType, type Variants } from '../../src/shared/flag-events.ts';
import { SEGMENT_CATEGORY, type SegmentCreated } from '../../src/shared/segment-events.ts';
import type { z } from 'zod';
import { conditionSchema, targetingSchema, withRuleIds, type Condition, type TargetingInput } from '../../src/shared/targeting.ts';
import { newId, newSecret, sha256 } from '../../src/shared/tokens.ts';

/**
 * Flags, segments and SDK keys written straight to the event store, as the admin API would have written them
 * (same event types, payloads validated by the same schemas, metadata as the command handler sets it), so a
 * benchmark can load thousands of flags in seconds instead of minutes of HTTP round trips.
 */
export const ENVIRONMENTS: readonly string[] = DEFAULT_ENVIRONMENTS.map((e) => e.key);

/** The API's example flag: a two-condition rule, then a 25% split. Always the first one seeded. */
export const CHECKOUT_FLAG = 'new-checkout';

const BOOLEAN: Variants = { on: true, off: false };
const COUNTRIES = ['US', 'CA', 'GB', 'DE', 'FR', 'ES', 'IT', 'NL', 'SE', 'NO', 'DK', 'FI', 'PL', 'BR', 'MX', 'AR', 'JP', 'KR', 'AU', 'NZ'];
const split = (...parts: [string, number][]) => ({ split: parts.map(([variant, weight]) => ({ variant, weight })) });

interface FlagDefinition {
  key: string;
  type: FlagType;
  description: string;
  tags: string[];
  variants: Variants;
  /** Per environment; validated and given rule ids as the write side does before they become events. */
  targeting: Record<string, TargetingInput>;
}

/** Ten shapes of flag seen in real configurations, cycled; `i` makes each one's values differ. */
export function flagDefinition(i: number, segmentCount: number): FlagDefinition {
  const segment = (n: number): string => `segment-${String((i + n) % Math.max(1, segmentCount)).padStart(3, '0')}`;
  const users = (n: number, from: number): string[] => Array.from({ length: n }, (_, j) => `user-${from + j * 7}`);
  const shape = i % 10;
  const key = i === 0 ? CHECKOUT_FLAG : `${['checkout', 'beta', 'banner', 'limit', 'mobile', 'layout', 'kill', 'upsell', 'pilot', 'pricing'][shape]}-${String(i).padStart(5, '0')}`;
  const base = { description: `Benchmark flag ${i} (shape ${shape})`, tags: [`team-${i % 7}`, 'bench'] };
  const production = (t: z.input<typeof targetingSchema>): TargetingInput => targetingSchema.parse(t);
  let definition: Omit<FlagDefinition, 'targeting'> & { production: TargetingInput };
  switch (shape) {
    case 0:
      definition = {
        key,
        type: 'boolean',
        variants: BOOLEAN,
        ...base,
        production: production({
          enabled: true,
          offVariant: 'off',
          rules: [{ id: 'us-premium', conditions: [{ attribute: 'country', operator: 'in', values: ['US', 'CA'] }, { attribute: 'plan', operator: 'eq', values: ['premium'] }], serve: { variant: 'on' } }],
          defaultServe: split(['on', 25_000], ['off', 75_000]),
        }),
      };
      break;
    case 1:
      definition = {
        key,
        type: 'boolean',
        variants: BOOLEAN,
        ...base,
        production: production({
          enabled: true,
          offVariant: 'off',
          targets: [{ variant: 'on', units: users(10, i) }],
          rules: segmentCount > 0 ? [{ conditions: [{ operator: 'in_segment', values: [segment(0)] }], serve: { variant: 'on' } }] : [],
          defaultServe: { variant: 'off' },
        }),
      };
      break;
    case 2:
      definition = {
        key,
        type: 'string',
        variants: { control: 'Shop now', blue: 'Discover more', green: 'Start today' },
        ...base,
        production: production({
          enabled: true,
          offVariant: 'control',
          rules: [{ id: 'staff', conditions: [{ attribute: 'email', operator: 'ends_with', values: ['@example.com'] }], serve: { variant: 'control' } }],
          defaultServe: split(['control', 33_334], ['blue', 33_333], ['green', 33_333]),
        }),
      };
      break;
    case 3:
      definition = {
        key,
        type: 'number',
        variants: { low: 10, mid: 50, high: 100 },
        ...base,
        production: production({
          enabled: true,
          offVariant: 'low',
          rules: [{ conditions: [{ attribute: 'age', operator: 'gte', values: [18] }, { attribute: 'country', operator: 'in', values: COUNTRIES }], serve: { variant: 'high' } }],
          defaultServe: { variant: 'mid' },
        }),
      };
      break;
    case 4:
      definition = {
        key,
        type: 'boolean',
        variants: BOOLEAN,
        ...base,
        production: production({
          enabled: true,
          offVariant: 'off',
          rules: [
            { id: 'new-app', conditions: [{ attribute: 'appVersion', operator: 'semver_gt', values: [`2.${i % 10}.0`] }], serve: { variant: 'on' } },
            { id: 'mobile-rollout', conditions: [{ attribute: 'platform', operator: 'in', values: ['ios', 'android'] }], serve: split(['on', 10_000], ['off', 90_000]) },
          ],
          defaultServe: { variant: 'off' },
        }),
      };
      break;
    case 5:
      definition = {
        key,
        type: 'json',
        variants: { grid: { layout: 'grid', columns: 3, badges: ['new', 'sale'] }, list: { layout: 'list', columns: 1, badges: [] } },
        ...base,
        production: production({
          enabled: true,
          offVariant: 'grid',
          rules: [{ conditions: [{ attribute: 'email', operator: 'matches', values: ['^[a-z]+\\.[a-z]+@corp\\.example$'] }], serve: { variant: 'list' } }],
          defaultServe: split(['grid', 50_000], ['list', 50_000]),
        }),
      };
      break;
    case 6:
      definition = {
        key,
        type: 'boolean',
        variants: BOOLEAN,
        ...base,
        // A kill switch that is currently off: evaluation stops at the first check.
        production: production({
          enabled: false,
          offVariant: 'off',
          rules: [{ conditions: [{ attribute: 'plan', operator: 'neq', values: ['free'] }], serve: { variant: 'on' } }],
          defaultServe: { variant: 'on' },
        }),
      };
      break;
    case 7:
      definition = {
        key,
        type: 'boolean',
        variants: BOOLEAN,
        ...base,
        production: production({
          enabled: true,
          offVariant: 'off',
          // Depends on the checkout flag of the same ten, seeded before it.
          prerequisites: [{ flagKey: i - 7 === 0 ? CHECKOUT_FLAG : `checkout-${String(i - 7).padStart(5, '0')}`, variant: 'on' }],
          rules: [],
          defaultServe: split(['on', 50_000], ['off', 50_000]),
        }),
      };
      break;
    case 8:
      definition = {
        key,
        type: 'string',
        variants: { stable: 'stable', beta: 'beta' },
        ...base,
        production: production({
          enabled: true,
          offVariant: 'stable',
          rules: [
            { id: 'pilot-users', conditions: [{ attribute: 'targetingKey', operator: 'in', values: users(200, i * 3) }], serve: { variant: 'beta' } },
            ...(segmentCount > 1 ? [{ id: 'not-excluded', conditions: [{ operator: 'not_in_segment' as const, values: [segment(1)] }], serve: split(['stable', 50_000], ['beta', 50_000]) }] : []),
          ],
          defaultServe: { variant: 'stable' },
        }),
      };
      break;
    default:
      definition = {
        key,
        type: 'boolean',
        variants: BOOLEAN,
        ...base,
        production: production({
          enabled: true,
          offVariant: 'off',
          rules: [
            { id: 'enterprise', conditions: [{ attribute: 'plan', operator: 'eq', values: ['enterprise'] }], serve: { variant: 'on' } },
            { id: 'embargo', conditions: [{ attribute: 'country', operator: 'not_in', values: COUNTRIES.slice(0, 12) }], serve: { variant: 'off' } },
            { id: 'recent', conditions: [{ attribute: 'createdAt', operator: 'after', values: ['2024-01-01T00:00:00Z'] }], serve: split(['on', 25_000], ['off', 75_000]) },
          ],
          defaultServe: { variant: 'off' },
        }),
      };
  }
  const { production: prod, ...flag } = definition;
  const first = Object.keys(flag.variants)[0]!;
  return {
    ...flag,
    targeting: {
      // Development serves one variant to everyone; staging mirrors production, switched on.
      development: targetingSchema.parse({ enabled: true, offVariant: prod.offVariant, defaultServe: { variant: flag.type === 'boolean' ? 'on' : first } }),
      staging: { ...prod, enabled: true },
      production: prod,
    },
  };
}

function segmentDefinition(n: number): SegmentCreated['data'] {
  const conditions: Condition[] = [
    conditionSchema.parse({ attribute: 'plan', operator: 'in', values: n % 2 === 0 ? ['premium', 'enterprise'] : ['enterprise'] }),
    conditionSchema.parse({ attribute: 'country', operator: 'in', values: COUNTRIES.slice(n % 5, (n % 5) + 6) }),
  ];
  return {
    key: `segment-${String(n).padStart(3, '0')}`,
    description: `Benchmark segment ${n}`,
    conditions,
    included: Array.from({ length: 50 }, (_, j) => `user-${n * 1000 + j}`),
    excluded: Array.from({ length: 5 }, (_, j) => `user-${n * 1000 + 500 + j}`),
  };
}

/** One command's metadata, as src/write/command-handler.ts writes it. */
function metadata(reason: string): JsonObject {
  const m: EventMetadata = { actor: 'token:bench-seed', reason, correlationId: randomUUID(), timestamp: new Date().toISOString(), schemaVersion: 1 };
  return m as unknown as JsonObject;
}

export interface SeedResult {
  readonly flagKeys: string[];
  readonly events: number;
  readonly milliseconds: number;
  /** A server SDK key per environment. */
  readonly serverKeys: Record<string, string>;
}

/**
 * Appends the segments, then the flags (created, then targeted in each environment: one stream append per
 * flag, several appends in flight), then a server key per environment. The environments must exist already.
 */
export async function seed(store: EventStore, options: { flags: number; segments: number; concurrency?: number }): Promise<SeedResult> {
  const started = performance.now();
  let events = 0;
  for (let n = 0; n < options.segments; n++) {
    const data = segmentDefinition(n);
    const created: SegmentCreated = { type: 'SegmentCreated', data };
    await store.append(streamId(SEGMENT_CATEGORY, data.key), [{ ...created, metadata: metadata('bench seed') }], { expectedVersion: 'no_stream' });
    events++;
  }

  const flagKeys: string[] = [];
  let next = 0;
  const appendFlag = async (i: number): Promise<void> => {
    const flag = flagDefinition(i, options.segments);
    const created: FlagCreated = {
      type: 'FlagCreated',
      data: { key: flag.key, type: flag.type, description: flag.description, tags: flag.tags, variants: flag.variants, hashVersion: 1 },
    };
    const batch: NewEvent[] = [{ ...created, metadata: metadata('bench seed') }];
    for (const environment of ENVIRONMENTS) {
      const changed: FlagTargetingChanged = { type: 'FlagTargetingChanged', data: { environment, targeting: withRuleIds(flag.targeting[environment]!) } };
      batch.push({ type: changed.type, data: changed.data as unknown as JsonObject, metadata: metadata(`bench seed: ${environment}`) });
    }
    await store.append(streamId(FLAG_CATEGORY, flag.key), batch, { expectedVersion: 'no_stream' });
    flagKeys[i] = flag.key;
    events += batch.length;
  };
  // A few appends in flight keep the store busy; the embedded one runs them one after the other anyway.
  const concurrency = options.concurrency ?? 4;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < options.flags) await appendFlag(next++);
    }),
  );

  const serverKeys: Record<string, string> = {};
  for (const environment of ENVIRONMENTS) {
    const id = newId();
    const key = newSecret('fs_server');
    const issued: ApiKeyIssued = { type: 'ApiKeyIssued', data: { id, name: `bench-${environment}`, environment, kind: 'server', keyHash: sha256(key) } };
    await store.append(streamId(API_KEY_CATEGORY, id), [{ ...issued, metadata: metadata('bench seed') }], { expectedVersion: 'no_stream' });
    serverKeys[environment] = key;
    events++;
  }
  return { flagKeys, events, milliseconds: performance.now() - started, serverKeys };
}
