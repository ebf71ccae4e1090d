import type { Experiment } from './types.ts';

type ExperimentOnFlag = Pick<Experiment, 'key' | 'flagKey' | 'environment' | 'status'>;

/**
 * The experiments running, found by flag and environment (at most one per pair: the server refuses a second).
 * Drafts, stopped and concluded experiments assign no units, so they are not "running".
 */
export function runningExperiments<E extends ExperimentOnFlag>(experiments: readonly E[]): { on(flagKey: string, environment: string): E | undefined } {
  // JSON of the pair: neither part can then be mistaken for the other, whatever characters keys hold.
  const index = new Map(experiments.filter((e) => e.status === 'running').map((e) => [JSON.stringify([e.flagKey, e.environment]), e]));
  return { on: (flagKey, environment) => index.get(JSON.stringify([flagKey, environment])) };
}

/**
 * Experiments the flag starves: a flag switched off in an environment serves its off variant to every unit, so
 * an experiment there assigns nobody — running ones get no traffic now, drafts will get none once started.
 */
export function starvedExperiments<E extends ExperimentOnFlag>(experiments: readonly E[], flagKey: string, enabled: Readonly<Record<string, boolean>>): E[] {
  return experiments.filter((e) => e.flagKey === flagKey && (e.status === 'running' || e.status === 'draft') && enabled[e.environment] !== true);
}
