import { z } from 'zod';
import { createExperimentBody, defineMetricBody } from '../experiments/experiment-schemas.ts';
import { defaultTargeting } from '../shared/flag-defaults.ts';
import { FLAG_TYPES, type FlagType } from '../shared/flag-events.ts';
import { keySchema, mapKeySchema } from '../shared/keys.ts';
import { conditionSchema, targetingSchema, withRuleIds, type Targeting } from '../shared/targeting.ts';
import type { ApiClient } from './api-client.ts';
import { UsageError } from './cli-errors.ts';

/**
 * The whole configuration as one document: what `flagstaff export` writes and `flagstaff import` reads.
 * Configuration only, no bookkeeping (versions, times, actors): two servers with the same configuration
 * export the same document, which is what makes a re-import a no-op.
 */
export interface ConfigurationDocument {
  flagstaff: 1;
  environments: EnvironmentSpec[];
  segments: SegmentSpec[];
  flags: FlagSpec[];
  metrics: MetricSpec[];
  experiments: ExperimentSpec[];
}

export interface EnvironmentSpec {
  key: string;
  name: string;
  production: boolean;
}

export interface SegmentSpec {
  key: string;
  description: string;
  conditions: unknown[];
  included: string[];
  excluded: string[];
  archived: boolean;
}

export interface FlagSpec {
  key: string;
  type: FlagType;
  description: string;
  tags: string[];
  variants: Record<string, unknown>;
  archived: boolean;
  /** Targeting per environment; an environment left out of a file is left as it is. */
  environments: Record<string, Targeting>;
}

export type MetricSpec = z.infer<typeof metricSpec>;
export type ExperimentSpec = z.infer<typeof experimentSpec>;
export type ExperimentStatus = ExperimentSpec['status'];

/** The identity of what a command changes, for If-Match bookkeeping: `flag:new-checkout`. */
export type EntityRef = `${'environment' | 'segment' | 'flag' | 'metric' | 'experiment'}:${string}`;

export interface CurrentConfiguration {
  document: ConfigurationDocument;
  versions: Map<EntityRef, number>;
}

const BOOLEAN_VARIANTS = { on: true, off: false };

// File schemas: the API's own request schemas where they are shared, with the API's defaults, so a file that
// leaves a default out compares equal to a server that applied it.
const environmentSpec = z.strictObject({ key: keySchema, name: z.string().min(1).max(128).optional(), production: z.boolean().default(false) });
const segmentSpec = z.strictObject({
  key: keySchema,
  description: z.string().max(1_000).default(''),
  conditions: z.array(conditionSchema).max(100).default([]),
  included: z.array(z.string().min(1).max(256)).default([]),
  excluded: z.array(z.string().min(1).max(256)).default([]),
  archived: z.boolean().default(false),
});
const flagSpec = z.strictObject({
  key: keySchema,
  type: z.enum(FLAG_TYPES).default('boolean'),
  description: z.string().max(1_000).default(''),
  tags: z.array(z.string()).default([]),
  variants: z.record(mapKeySchema, z.json()).optional(),
  archived: z.boolean().default(false),
  environments: z.record(keySchema, targetingSchema).default({}),
});
const metricSpec = defineMetricBody.extend({ archived: z.boolean().default(false) });
const experimentSpec = createExperimentBody.extend({
  status: z.enum(['draft', 'running', 'stopped', 'concluded']).default('draft'),
  winningVariant: keySchema.nullable().default(null),
});
const documentSchema = z.strictObject({
  flagstaff: z.literal(1, { error: 'must be 1 (the version of this file format)' }).default(1),
  environments: z.array(environmentSpec).default([]),
  segments: z.array(segmentSpec).default([]),
  flags: z.array(flagSpec).default([]),
  metrics: z.array(metricSpec).default([]),
  experiments: z.array(experimentSpec).default([]),
});

/** Validates an import file, every problem with a pointer into it; applies the API's defaults. */
export function parseConfiguration(value: unknown): ConfigurationDocument {
  const parsed = documentSchema.safeParse(value ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ pointer: ['#', ...i.path.map(String)].join('/'), detail: i.message.replace(/^Invalid input: /, '') }));
    throw new UsageError('The configuration file is invalid', issues);
  }
  const data = parsed.data;
  const duplicates = (['environments', 'segments', 'flags', 'metrics', 'experiments'] as const).flatMap((section) =>
    data[section].flatMap((item, i, all) => (all.findIndex((other) => other.key === item.key) < i ? [{ pointer: `#/${section}/${i}/key`, detail: `${item.key} appears twice` }] : [])),
  );
  if (duplicates.length > 0) throw new UsageError('The configuration file is invalid', duplicates);
  return {
    flagstaff: 1,
    environments: data.environments.map((e) => ({ key: e.key, name: e.name ?? e.key, production: e.production })),
    segments: data.segments,
    flags: data.flags.map((f) => ({
      ...f,
      variants: f.variants ?? (f.type === 'boolean' ? BOOLEAN_VARIANTS : {}),
      environments: Object.fromEntries(Object.entries(f.environments).map(([env, t]) => [env, withRuleIds(t)])),
    })),
    metrics: data.metrics,
    experiments: data.experiments,
  };
}

/** What a flag serves in an environment it was never configured in: the server's default, for new flags. */
export function initialTargeting(flag: Pick<FlagSpec, 'type' | 'variants'>): Targeting {
  return defaultTargeting({ type: flag.type, variants: flag.variants as never });
}

/** Reads the whole configuration from the API, with each entity's version for If-Match. */
export async function fetchConfiguration(client: ApiClient): Promise<CurrentConfiguration> {
  const versions = new Map<EntityRef, number>();
  type Versioned = { key: string; version: number };
  const remember = <T extends Versioned>(kind: 'environment' | 'segment' | 'flag' | 'metric' | 'experiment', items: T[]): T[] => {
    for (const item of items) versions.set(`${kind}:${item.key}`, item.version);
    return items;
  };

  const [environments, segments, metrics, experiments, flagKeys] = await Promise.all([
    client.get<{ environments: (EnvironmentSpec & Versioned)[] }>('/admin/environments'),
    client.get<{ segments: (SegmentSpec & Versioned)[] }>('/admin/segments'),
    client.get<{ metrics: (MetricSpec & Versioned)[] }>('/admin/metrics'),
    client.get<{ experiments: (ExperimentSpec & Versioned)[] }>('/admin/experiments'),
    listAllFlagKeys(client),
  ]);
  const flags = remember('flag', await mapLimited(flagKeys, 8, async (key) => (await client.get<FlagSpec & Versioned>(`/admin/flags/${encodeURIComponent(key)}`)).body));

  const byKey = <T extends { key: string }>(items: T[]): T[] => [...items].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const document: ConfigurationDocument = {
    flagstaff: 1,
    environments: byKey(remember('environment', environments.body.environments)).map(({ key, name, production }) => ({ key, name, production })),
    segments: byKey(remember('segment', segments.body.segments)).map(({ key, description, conditions, included, excluded, archived }) => ({
      key,
      description,
      conditions,
      included,
      excluded,
      archived,
    })),
    flags: byKey(flags).map(({ key, type, description, tags, variants, archived, environments: targeting }) => ({
      key,
      type,
      description,
      tags,
      variants,
      archived,
      environments: Object.fromEntries(Object.entries(targeting).map(([env, t]) => [env, inFieldOrder(t)])),
    })),
    metrics: byKey(remember('metric', metrics.body.metrics)).map((m) =>
      pick(m, ['key', 'description', 'kind', 'event', 'numerator', 'denominator', 'direction', 'windowHours', 'winsorizePercentile', 'archived']),
    ) as MetricSpec[],
    experiments: byKey(remember('experiment', experiments.body.experiments)).map((e) =>
      pick(e, [
        'key',
        'flagKey',
        'environment',
        'hypothesis',
        'description',
        'variants',
        'controlVariant',
        'trafficPercent',
        'audience',
        'primaryMetric',
        'secondaryMetrics',
        'guardrailMetrics',
        'minimumDetectableEffect',
        'alpha',
        'power',
        'method',
        'cuped',
        'status',
        'winningVariant',
      ]),
    ) as ExperimentSpec[],
  };
  return { document, versions };
}

async function listAllFlagKeys(client: ApiClient): Promise<string[]> {
  const keys: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await client.get<{ flags: { key: string }[]; nextCursor: string | null }>('/admin/flags', { query: { archived: 'all', limit: 1_000, after } });
    keys.push(...page.body.flags.map((f) => f.key));
    if (page.body.nextCursor === null) return keys;
    after = page.body.nextCursor;
  }
}

async function mapLimited<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await map(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The named fields, in that order (so exports read the same every time), leaving out absent ones. */
function pick<T extends object>(value: T, fields: readonly string[]): Record<string, unknown> {
  const source = value as Record<string, unknown>;
  return Object.fromEntries(fields.flatMap((field) => (source[field] === undefined ? [] : [[field, source[field]]])));
}

/**
 * Targeting with its fields in one fixed order: the server keeps a rule's fields in the order they arrived
 * (an id it assigned comes last), and two servers with the same targeting should export the same text.
 */
function inFieldOrder(t: Targeting): Targeting {
  return {
    enabled: t.enabled,
    offVariant: t.offVariant,
    bucketBy: t.bucketBy,
    prerequisites: t.prerequisites.map((p) => ({ flagKey: p.flagKey, variant: p.variant })),
    targets: t.targets.map((target) => ({ variant: target.variant, units: target.units })),
    rules: t.rules.map((r) => ({ id: r.id, ...(r.description === undefined ? {} : { description: r.description }), conditions: r.conditions, serve: r.serve })),
    defaultServe: t.defaultServe,
  };
}

/** JSON with object keys sorted: equal configurations compare equal whatever order their keys came in. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .flatMap((k) => ((v as Record<string, unknown>)[k] === undefined ? [] : [[k, (v as Record<string, unknown>)[k]]])),
        )
      : v,
  );
}
