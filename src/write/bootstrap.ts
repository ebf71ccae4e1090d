import { VersionConflictError, type EventStore } from '../event-store/event-store.ts';
import { ADMIN_TOKEN_CATEGORY } from '../shared/access-events.ts';
import { streamId, type EventMetadata } from '../shared/domain-event.ts';
import { DEFAULT_ENVIRONMENTS, ENVIRONMENT_CATEGORY } from '../shared/environment-events.ts';
import { newId, newSecret, sha256 } from '../shared/tokens.ts';
import type { WriteModel } from './write-model.ts';

const systemMetadata = (now: Date): EventMetadata => ({
  actor: 'system',
  reason: 'first start',
  correlationId: 'bootstrap',
  timestamp: now.toISOString(),
  schemaVersion: 1,
});

/**
 * First start: the default environments, and an admin token if none was configured and none exists. Safe to
 * run on every start and from several processes at once: each append expects the stream not to exist.
 * Returns the new admin token, which the caller prints once and is never seen again.
 */
export async function bootstrap(
  store: EventStore,
  model: WriteModel,
  options: { adminTokenConfigured: boolean; now?: Date },
): Promise<{ newAdminToken?: string }> {
  const now = options.now ?? new Date();
  const metadata = systemMetadata(now) as unknown as Record<string, unknown>;
  await model.refresh();
  for (const environment of DEFAULT_ENVIRONMENTS) {
    if (model.environments.has(environment.key)) continue;
    await appendIfAbsent(store, streamId(ENVIRONMENT_CATEGORY, environment.key), { type: 'EnvironmentCreated', data: { ...environment }, metadata });
  }
  let newAdminToken: string | undefined;
  if (!options.adminTokenConfigured && model.adminTokens.size === 0) {
    const id = newId();
    newAdminToken = newSecret('fs_admin');
    await store.append(
      streamId(ADMIN_TOKEN_CATEGORY, id),
      [{ type: 'AdminTokenIssued', data: { id, name: 'initial-admin', role: 'admin', tokenHash: sha256(newAdminToken) }, metadata }],
      { expectedVersion: 'no_stream' },
    );
  }
  await model.refresh();
  return newAdminToken === undefined ? {} : { newAdminToken };
}

async function appendIfAbsent(
  store: EventStore,
  stream: string,
  event: { type: string; data: Record<string, unknown>; metadata: Record<string, unknown> },
): Promise<void> {
  try {
    await store.append(stream, [event], { expectedVersion: 'no_stream' });
  } catch (error) {
    if (!(error instanceof VersionConflictError)) throw error; // another process created it first: fine
  }
}
