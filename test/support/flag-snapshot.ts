import type { FlagSnapshot } from '../../src/shared/snapshot.ts';

/** A boolean flag as an environment snapshot holds it: enabled, serving `on` to everyone unless overridden. */
export function flagSnapshot(key: string, overrides: Partial<FlagSnapshot> = {}): FlagSnapshot {
  return {
    key,
    type: 'boolean',
    variants: { on: true, off: false },
    hashVersion: 1,
    enabled: true,
    offVariant: 'off',
    bucketBy: 'targetingKey',
    prerequisites: [],
    targets: [],
    rules: [],
    defaultServe: { variant: 'on' },
    ...overrides,
  };
}
