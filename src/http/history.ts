import type { StoredEvent } from '../event-store/event-store.ts';

/** One entry of an aggregate's history or of the audit feed: what changed, who, why, when. */
export function historyEntry(event: StoredEvent) {
  return {
    version: event.version,
    type: event.type,
    actor: event.metadata['actor'] ?? null,
    reason: event.metadata['reason'] ?? null,
    correlationId: event.metadata['correlationId'] ?? null,
    time: event.recordedAt,
    change: withoutSecrets(event.data),
  };
}

/** Token and key hashes stay out of every feed: nobody needs them, and they are credentials' fingerprints. */
function withoutSecrets(data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([field]) => !field.endsWith('Hash')));
}
