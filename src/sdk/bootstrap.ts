import fs from 'node:fs';
import type { EnvironmentSnapshot } from '../shared/snapshot.ts';

/**
 * A configuration to start from without the server: an object, or the path of a JSON file holding what
 * `GET /api/v1/snapshot` returns (e.g. saved by a deploy step). Read synchronously, once, at construction, so the
 * first evaluation right after `createFlagstaffClient` already uses it.
 */
export function loadBootstrap(source: string | EnvironmentSnapshot): EnvironmentSnapshot {
  const value: unknown = typeof source === 'string' ? JSON.parse(fs.readFileSync(source, 'utf8')) : source;
  return checkSnapshot(value, typeof source === 'string' ? source : 'the bootstrap object');
}

/** A shallow check of the envelope; the engine checks the flags themselves when it compiles them. */
export function checkSnapshot(value: unknown, origin: string): EnvironmentSnapshot {
  const snapshot = value as Partial<EnvironmentSnapshot> | null;
  const fail = (why: string): never => {
    throw new Error(`${origin} is not a Flagstaff snapshot: ${why}`);
  };
  if (typeof snapshot !== 'object' || snapshot === null) return fail('not a JSON object');
  if (snapshot.formatVersion !== 1) return fail(`formatVersion ${String(snapshot.formatVersion)} is not 1`);
  if (typeof snapshot.environment !== 'string') return fail('no environment');
  if (!Number.isInteger(snapshot.revision)) return fail('no revision');
  if (typeof snapshot.flags !== 'object' || snapshot.flags === null) return fail('no flags');
  if (typeof snapshot.segments !== 'object' || snapshot.segments === null) return fail('no segments');
  return snapshot as EnvironmentSnapshot;
}
