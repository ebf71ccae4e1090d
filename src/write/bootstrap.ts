import { VersionConflictError, type EventStore } from '../event-store/event-store.ts';
import { ADMIN_TOKEN_CATEGORY } from '../shared/access-events.ts';
import { splitStreamId, streamId, type EventMetadata } from '../shared/domain-event.ts';
import { DEFAULT_ENVIRONMENTS, ENVIRONMENT_CATEGORY } from '../shared/environment-events.ts';
import { newSecret, sha256 } from '../shared/tokens.ts';

const systemMetadata = (now: Date): EventMetadata => ({
  actor: 'system',
  reason: 'first start',
  correlationId: 'bootstrap',
  timestamp: now.toISOString(),
  schemaVersion: 1,
});

/** The id of the admin token issued at the first start (tokens issued later get random ids). */
const INITIAL_ADMIN_TOKEN_ID = 'initial';

/**
 * First start: the default environments, and an admin token if none was configured and none exists. Safe to
 * run on every start and from several processes at once: each append expects the stream not to exist.
 * Returns the new admin token, which the caller prints once and is never seen again.
 *
 * It reads only the streams it may write and scans the log for an admin token, keeping nothing: a process that
 * never serves an admin request must not pay for the write model (60 MiB at 10,000 flags).
 */
export async function bootstrap(store: EventStore, options: { adminTokenConfigured: boolean; now?: Date }): Promise<{ newAdminToken?: string }> {
  const now = options.now ?? new Date();
  const metadata = systemMetadata(now) as unknown as Record<string, unknown>;
  for (const environment of DEFAULT_ENVIRONMENTS) {
    const stream = streamId(ENVIRONMENT_CATEGORY, environment.key);
    if ((await store.readStream(stream, { toVersion: 1 })).length > 0) continue;
    await appendIfAbsent(store, stream, { type: 'EnvironmentCreated', data: { ...environment }, metadata });
  }
  if (options.adminTokenConfigured || (await anyAdminTokenIssued(store))) return {};
  // One well-known stream for the first token, so that of several processes starting at once exactly one
  // issues it: the others' `no_stream` appends fail, and they print nothing. (A token of its own random id
  // would go to a fresh stream each time, where `no_stream` guards nothing.)
  const newAdminToken = newSecret('fs_admin');
  const issued = await appendIfAbsent(store, streamId(ADMIN_TOKEN_CATEGORY, INITIAL_ADMIN_TOKEN_ID), {
    type: 'AdminTokenIssued',
    data: { id: INITIAL_ADMIN_TOKEN_ID, name: 'initial-admin', role: 'admin', tokenHash: sha256(newAdminToken) },
    metadata,
  });
  return issued ? { newAdminToken } : {};
}

/** The first token is issued at the first start, so the scan stops within the log's first page in practice. */
async function anyAdminTokenIssued(store: EventStore): Promise<boolean> {
  const pageSize = 1_000;
  for (let after = 0; ; ) {
    const page = await store.readAll({ after, limit: pageSize });
    if (page.some((event) => splitStreamId(event.streamId).category === ADMIN_TOKEN_CATEGORY)) return true;
    if (page.length < pageSize) return false;
    after = page[page.length - 1]!.position;
  }
}

async function appendIfAbsent(
  store: EventStore,
  stream: string,
  event: { type: string; data: Record<string, unknown>; metadata: Record<string, unknown> },
): Promise<boolean> {
  try {
    await store.append(stream, [event], { expectedVersion: 'no_stream' });
    return true;
  } catch (error) {
    if (!(error instanceof VersionConflictError)) throw error;
    return false; // another process created it first: fine
  }
}
