import { structuralDiff, type DiffEntry } from '../shared/structural-diff.ts';
import type { Targeting } from '../shared/targeting.ts';
import {
  canonical,
  initialTargeting,
  type ConfigurationDocument,
  type EntityRef,
  type ExperimentSpec,
  type ExperimentStatus,
  type FlagSpec,
  type MetricSpec,
  type SegmentSpec,
} from './configuration.ts';

/** One admin API command of an import, with what it changes (for the dry run) and whose version it is based on. */
export interface PlannedCommand {
  readonly entity: EntityRef;
  readonly action: 'create' | 'change' | 'targeting' | 'toggle' | 'archive' | 'restore' | 'start' | 'stop' | 'conclude';
  readonly environment?: string;
  readonly method: 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
  /** Send `If-Match` with the entity's current version: the plan was computed against that version. */
  readonly ifMatch: boolean;
  readonly changes: readonly DiffEntry[];
}

/** Something the file asks for that no command can do (a flag's type, an experiment going back a step). */
export interface Blocker {
  readonly pointer: string;
  readonly detail: string;
}

export interface ImportPlan {
  readonly commands: PlannedCommand[];
  readonly blockers: Blocker[];
}

const STATUS_ORDER: Record<ExperimentStatus, number> = { draft: 0, running: 1, stopped: 2, concluded: 3 };

/**
 * The commands that turn `current` into `desired`, in an order the server accepts:
 * environments, segments and metrics first (flags and experiments name them); archived flags restored and
 * new flags created before any targeting (targeting names other flags as prerequisites); targeting in
 * prerequisite order (a flag's prerequisites are configured before it, so no transient cycle or dangling
 * reference); variants removed only after targeting stopped serving them; experiments after their flags;
 * archiving last, dependents before what they depend on. What the file leaves out is left as it is.
 * Pure: the same two documents always give the same plan, and equal documents give none.
 */
export function planImport(desired: ConfigurationDocument, current: ConfigurationDocument): ImportPlan {
  const commands: PlannedCommand[] = [];
  const blockers: Blocker[] = [];
  const finalArchives: PlannedCommand[] = [];
  const path = (...parts: string[]): string => `/admin/${parts.map(encodeURIComponent).join('/')}`;

  // Environments.
  const currentEnvironments = new Map(current.environments.map((e) => [e.key, e]));
  for (const env of desired.environments) {
    const now = currentEnvironments.get(env.key);
    if (!now) {
      commands.push({ entity: `environment:${env.key}`, action: 'create', method: 'POST', path: path('environments'), body: env, ifMatch: false, changes: added(env) });
    } else if (now.name !== env.name || now.production !== env.production) {
      const body = { name: env.name, production: env.production };
      commands.push({ entity: `environment:${env.key}`, action: 'change', method: 'PUT', path: path('environments', env.key), body, ifMatch: true, changes: diff({ name: now.name, production: now.production }, body) });
    }
  }

  // Segments: definitions now, archiving at the end (a flag may still use one until its targeting changes).
  const currentSegments = new Map(current.segments.map((s) => [s.key, s]));
  for (const segment of desired.segments) {
    const now = currentSegments.get(segment.key);
    const definition = segmentDefinition(segment);
    const entity: EntityRef = `segment:${segment.key}`;
    if (!now) {
      commands.push({ entity, action: 'create', method: 'POST', path: path('segments'), body: { key: segment.key, ...definition }, ifMatch: false, changes: added(definition) });
      if (segment.archived) finalArchives.push({ entity, action: 'archive', method: 'DELETE', path: path('segments', segment.key), ifMatch: true, changes: [] });
      continue;
    }
    if (now.archived && segment.archived) continue;
    if (now.archived) commands.push({ entity, action: 'restore', method: 'POST', path: path('segments', segment.key, 'restore'), ifMatch: true, changes: [] });
    if (canonical(segmentDefinition(now)) !== canonical(definition)) {
      commands.push({ entity, action: 'change', method: 'PUT', path: path('segments', segment.key), body: definition, ifMatch: true, changes: diff(segmentDefinition(now), definition) });
    }
    if (segment.archived) finalArchives.push({ entity, action: 'archive', method: 'DELETE', path: path('segments', segment.key), ifMatch: true, changes: [] });
  }

  // Metrics: experiments name them.
  const currentMetrics = new Map(current.metrics.map((m) => [m.key, m]));
  desired.metrics.forEach((metric, i) => {
    const now = currentMetrics.get(metric.key);
    const definition = metricDefinition(metric);
    const entity: EntityRef = `metric:${metric.key}`;
    const archive: PlannedCommand = { entity, action: 'archive', method: 'DELETE', path: path('metrics', metric.key), ifMatch: true, changes: [] };
    if (!now) {
      commands.push({ entity, action: 'create', method: 'POST', path: path('metrics'), body: { key: metric.key, ...definition }, ifMatch: false, changes: added(definition) });
      if (metric.archived) finalArchives.push(archive);
      return;
    }
    if (now.archived) {
      if (!metric.archived) blockers.push({ pointer: `#/metrics/${i}/archived`, detail: `metric ${metric.key} is archived on the server, and archived metrics cannot be restored` });
      return;
    }
    if (canonical(metricDefinition(now)) !== canonical(definition)) {
      commands.push({ entity, action: 'change', method: 'PUT', path: path('metrics', metric.key), body: definition, ifMatch: true, changes: diff(metricDefinition(now), definition) });
    }
    if (metric.archived) finalArchives.push(archive);
  });

  // Flags: restore and create, details, then targeting in prerequisite order.
  const currentFlags = new Map(current.flags.map((f) => [f.key, f]));
  const order = prerequisiteOrder(desired.flags);
  const indexOf = new Map(desired.flags.map((f, i) => [f.key, i]));
  const laterDetails: PlannedCommand[] = [];
  const flagArchives: PlannedCommand[] = [];
  const configurable = new Set<string>();
  for (const flag of order) {
    const i = indexOf.get(flag.key)!;
    const now = currentFlags.get(flag.key);
    const entity: EntityRef = `flag:${flag.key}`;
    const details = flagDetails(flag);
    if (!now) {
      commands.push({ entity, action: 'create', method: 'POST', path: path('flags'), body: { key: flag.key, type: flag.type, ...details }, ifMatch: false, changes: added({ type: flag.type, ...details }) });
      configurable.add(flag.key);
      if (flag.archived) flagArchives.push({ entity, action: 'archive', method: 'DELETE', path: path('flags', flag.key), ifMatch: true, changes: [] });
      continue;
    }
    if (now.type !== flag.type) {
      blockers.push({ pointer: `#/flags/${i}/type`, detail: `flag ${flag.key} is a ${now.type} flag on the server; a flag's type cannot change` });
      continue;
    }
    if (now.archived && flag.archived) continue;
    if (now.archived) commands.push({ entity, action: 'restore', method: 'POST', path: path('flags', flag.key, 'restore'), ifMatch: true, changes: [] });
    configurable.add(flag.key);
    const before = flagDetails(now);
    if (canonical(before) !== canonical(details)) {
      // Variants still served by the old targeting are kept until the new targeting is in place.
      const dropped = Object.keys(now.variants).filter((name) => !Object.hasOwn(flag.variants, name));
      const first = dropped.length === 0 ? details : { ...details, variants: { ...flag.variants, ...Object.fromEntries(dropped.map((name) => [name, now.variants[name]])) } };
      commands.push({ entity, action: 'change', method: 'PUT', path: path('flags', flag.key), body: first, ifMatch: true, changes: diff(before, first) });
      if (dropped.length > 0) laterDetails.push({ entity, action: 'change', method: 'PUT', path: path('flags', flag.key), body: details, ifMatch: true, changes: diff(first, details) });
    }
    if (flag.archived) flagArchives.push({ entity, action: 'archive', method: 'DELETE', path: path('flags', flag.key), ifMatch: true, changes: [] });
  }
  for (const flag of order) {
    if (!configurable.has(flag.key)) continue;
    const now = currentFlags.get(flag.key);
    for (const [environment, targeting] of Object.entries(flag.environments)) {
      const before: Targeting = now?.environments[environment] ?? initialTargeting(flag);
      if (canonical(before) === canonical(targeting)) continue;
      const entity: EntityRef = `flag:${flag.key}`;
      const envPath = path('flags', flag.key, 'environments', environment);
      if (canonical({ ...before, enabled: targeting.enabled }) === canonical(targeting)) {
        commands.push({ entity, action: 'toggle', environment, method: 'POST', path: `${envPath}/toggle`, body: { enabled: targeting.enabled }, ifMatch: true, changes: diff({ enabled: before.enabled }, { enabled: targeting.enabled }) });
      } else {
        commands.push({ entity, action: 'targeting', environment, method: 'PUT', path: envPath, body: targeting, ifMatch: true, changes: diff(before, targeting) });
      }
    }
  }
  commands.push(...laterDetails);

  // Experiments: after their flags, metrics and segments.
  const currentExperiments = new Map(current.experiments.map((e) => [e.key, e]));
  desired.experiments.forEach((experiment, i) => {
    const now = currentExperiments.get(experiment.key);
    const entity: EntityRef = `experiment:${experiment.key}`;
    const design = experimentDesign(experiment);
    const status: ExperimentStatus = now?.status ?? 'draft';
    if (!now) {
      commands.push({ entity, action: 'create', method: 'POST', path: path('experiments'), body: { key: experiment.key, ...design }, ifMatch: false, changes: added(design) });
    } else if (canonical(experimentDesign(now)) !== canonical(design)) {
      if (status === 'running' || status === 'concluded') {
        blockers.push({ pointer: `#/experiments/${i}`, detail: `experiment ${experiment.key} is ${status} on the server: its design cannot change${status === 'running' ? ' (stop it first)' : ''}` });
        return;
      }
      commands.push({ entity, action: 'change', method: 'PUT', path: path('experiments', experiment.key), body: design, ifMatch: true, changes: diff(experimentDesign(now), design) });
    }
    const wanted = experiment.status;
    if (STATUS_ORDER[wanted] < STATUS_ORDER[status] || (status === 'stopped' && wanted === 'running')) {
      blockers.push({ pointer: `#/experiments/${i}/status`, detail: `experiment ${experiment.key} is ${status} on the server and cannot go back to ${wanted} by import (a restart is an explicit choice)` });
      return;
    }
    if (status === 'concluded') {
      if (now && now.winningVariant !== experiment.winningVariant) blockers.push({ pointer: `#/experiments/${i}/winningVariant`, detail: `experiment ${experiment.key} is concluded with ${now.winningVariant ?? 'no winner'}` });
      return;
    }
    const step = (action: 'start' | 'stop' | 'conclude', body?: unknown): void => {
      commands.push({ entity, action, method: 'POST', path: path('experiments', experiment.key, action), ...(body === undefined ? {} : { body }), ifMatch: true, changes: [] });
    };
    if (status === 'draft' && wanted !== 'draft') step('start');
    if (wanted === 'stopped' && status !== 'stopped') step('stop');
    if (wanted === 'concluded') step('conclude', { winningVariant: experiment.winningVariant });
  });

  // Archiving: flags that depend on others first, then segments and metrics nothing uses any more.
  commands.push(...flagArchives.reverse(), ...finalArchives);
  return { commands, blockers };
}

/**
 * Flags ordered so that each comes after the flags it names as prerequisites (in any environment); otherwise in
 * file order. A cycle (which the server refuses anyway) is broken where it is met, so planning always ends.
 */
export function prerequisiteOrder(flags: readonly FlagSpec[]): FlagSpec[] {
  const byKey = new Map(flags.map((f) => [f.key, f]));
  const state = new Map<string, 'visiting' | 'done'>();
  const ordered: FlagSpec[] = [];
  const visit = (flag: FlagSpec): void => {
    if (state.has(flag.key)) return;
    state.set(flag.key, 'visiting');
    for (const targeting of Object.values(flag.environments)) {
      for (const prerequisite of targeting.prerequisites) {
        const required = byKey.get(prerequisite.flagKey);
        if (required) visit(required);
      }
    }
    state.set(flag.key, 'done');
    ordered.push(flag);
  };
  flags.forEach(visit);
  return ordered;
}

function segmentDefinition(s: SegmentSpec) {
  return { description: s.description, conditions: s.conditions, included: s.included, excluded: s.excluded };
}

function flagDetails(f: Pick<FlagSpec, 'description' | 'tags' | 'variants'>) {
  return { description: f.description, tags: f.tags, variants: f.variants };
}

function metricDefinition(m: MetricSpec) {
  const { key: _key, archived: _archived, ...definition } = m;
  return definition;
}

function experimentDesign(e: ExperimentSpec) {
  const { key: _key, status: _status, winningVariant: _winner, ...design } = e;
  return design;
}

/** A new entity's fields, leaving out the empty ones (a blank description, no tags) that say nothing. */
function added(value: object): DiffEntry[] {
  return structuralDiff({}, JSON.parse(canonical(value))).filter((d) => d.after !== '' && !(Array.isArray(d.after) && d.after.length === 0));
}

/** Compared as canonical JSON, so fields that are absent on one side and undefined on the other do not differ. */
function diff(before: unknown, after: unknown): DiffEntry[] {
  return structuralDiff(JSON.parse(canonical(before)), JSON.parse(canonical(after)));
}
