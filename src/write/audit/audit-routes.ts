import { Router } from 'express';
import { z } from 'zod';
import type { EventStore, StoredEvent } from '../../event-store/event-store.ts';
import { historyEntry } from '../../http/history.ts';
import { parseWith } from '../../http/validation.ts';
import { splitStreamId } from '../../shared/domain-event.ts';

const auditQuery = z.strictObject({
  actor: z.string().max(256).optional(),
  /** A category (`flag`) or one entity (`flag:new-checkout`). */
  entity: z.string().regex(/^[a-z]+(:[a-z0-9][a-z0-9._-]{0,127})?$/, 'must be a category such as flag, or category:key').optional(),
  type: z.string().max(128).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  /** The `nextCursor` of the previous page. */
  before: z.coerce.number().int().min(1).optional(),
});

/** How many events one request may scan looking for matches, so a narrow filter cannot stall the server. */
const MAX_SCAN = 20_000;

/** The global change feed, newest first, read straight from the log (the log is the audit trail). */
export function auditRoutes(deps: { store: EventStore }): Router {
  const router = Router();
  router.get('/admin/audit', async (req, res) => {
    const query = parseWith(auditQuery, req.query, 'query');
    const [category, key] = query.entity?.split(':') ?? [];
    const from = query.from ? new Date(query.from).getTime() : undefined;
    const to = query.to ? new Date(query.to).getTime() : undefined;
    const matches = (event: StoredEvent): boolean => {
      const stream = splitStreamId(event.streamId);
      return (
        (query.actor === undefined || event.metadata['actor'] === query.actor) &&
        (category === undefined || stream.category === category) &&
        (key === undefined || stream.id === key) &&
        (query.type === undefined || event.type === query.type) &&
        (from === undefined || event.recordedAt.getTime() >= from) &&
        (to === undefined || event.recordedAt.getTime() <= to)
      );
    };

    const entries: StoredEvent[] = [];
    let before = query.before;
    let scanned = 0;
    let exhausted = false;
    while (entries.length < query.limit && scanned < MAX_SCAN) {
      const page = await deps.store.readAllBackward({ ...(before === undefined ? {} : { before }), limit: 500 });
      if (page.length === 0) {
        exhausted = true;
        break;
      }
      for (const event of page) {
        scanned++;
        before = event.position;
        if (matches(event)) entries.push(event);
        if (entries.length === query.limit) break;
        // Older than the window: nothing further back can match.
        if (from !== undefined && event.recordedAt.getTime() < from) {
          exhausted = true;
          break;
        }
      }
      if (exhausted) break;
    }
    res.json({
      entries: entries.map((event) => {
        const { category: entityType, id } = splitStreamId(event.streamId);
        return { position: event.position, entityType, entityKey: id, ...historyEntry(event) };
      }),
      nextCursor: exhausted || before === undefined || before <= 1 ? null : before,
    });
  });
  return router;
}
