import type { Versioned } from '../../shared/versioned.ts';
import { targetingIn, type Flag } from '../../shared/flag-evolution.ts';

/** The flag as the admin API shows it: its content, every environment's targeting, and its stream facts. */
export function flagResource(versioned: Versioned<Flag>, environments: readonly string[]) {
  const { state: flag } = versioned;
  return {
    key: flag.key,
    type: flag.type,
    description: flag.description,
    tags: flag.tags,
    variants: flag.variants,
    hashVersion: flag.hashVersion,
    archived: flag.archived,
    version: versioned.version,
    createdAt: versioned.createdAt,
    updatedAt: versioned.updatedAt,
    updatedBy: versioned.updatedBy,
    environments: Object.fromEntries(environments.map((env) => [env, targetingIn(flag, env)])),
  };
}
