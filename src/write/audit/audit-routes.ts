import { z } from 'zod';
import type { EventStore, StoredEvent } from '../../event-store/event-store.ts';
import { historyEntry } from '../../http/history.ts';
import { ok, operation, serve, type ServedOperation } from '../../http/operation.ts';
import { splitStreamId } from '../../shared/domain-event.ts';
import { instantSchema } from '../../shared/instant-schema.ts';
import { IDEMPOTENCY_CATEGORY } from '../../shared/log-model.ts';
import { auditCsv, auditCsvHeader } from './audit-csv.ts';
import { FLAG_USAGE_CATEGORY } from '../flags/flag-usage.ts';


export const auditQuery = z
  .strictObject({
    actor: z.string().min(1).max(256).optional(),
    /** A category (`flag`) or one entity (`flag:new-checkout`). */
    entity: z.string().regex(/^[a-z]+(:[a-z0-9][a-z0-9._-]{0,127})?$/, 'must be a category such as flag, or category:key').optional(),
    type: z.string().regex(/^[A-Za-z]{1,128}$/, 'must be an event type such as FlagToggled').optional(),
    from: instantSchema.optional(),
    to: instantSchema.optional(),
    limit: z.coerce.number().int().min(1).max(1_000).default(100),
    /** The `nextCursor` of the previous page. */
    before: z.coerce.number().int().min(1).optional(),
    /** An export: every matching entry (up to MAX_EXPORT), newest first, as a file; no paging. */
    format: z.enum(['json', 'csv']).optional(),
  })
  .superRefine((q, ctx) => {
    if (q.from !== undefined && q.to !== undefined && q.from > q.to) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    }
  });
type AuditQuery = z.infer<typeof auditQuery>;

/** How many events one page may scan looking for matches, so a narrow filter cannot stall the server. */
const MAX_SCAN = 20_000;
/** An export scans the whole log (bounded by `from`), and returns at most this many entries. */
const MAX_EXPORT = 100_000;

export const auditOperations = {
  audit: operation({
    method: 'get', path: '/admin/audit', operationId: 'audit', tag: 'audit', auth: { admin: 'viewer' },
    summary: 'The global change feed, newest first, filterable by actor, entity, type and time; format=json|csv exports every match as a file',
    query: auditQuery, success: ok('A page of entries (or, with format, the export)'),
  }),
};

/** The global change feed, newest first, read straight from the log (the log is the audit trail). */
export function auditRoutes(deps: { store: EventStore }): ServedOperation[] {
  return serve(auditOperations, {
    audit: async ({ res, query }) => {
      if (query.format !== undefined) {
        const { entries, truncated } = await scan(deps.store, query, { limit: MAX_EXPORT, maxScan: Number.POSITIVE_INFINITY });
        const name = `flagstaff-audit.${query.format}`;
        res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
        if (truncated) res.setHeader('Flagstaff-Export-Truncated', `true; limit=${MAX_EXPORT}`);
        if (query.format === 'json') return void res.json(entries.map(auditEntry));
        res.type('text/csv; charset=utf-8').send([auditCsvHeader(), ...entries.map((event) => auditCsv(auditEntry(event)))].join('\r\n') + '\r\n');
        return;
      }
      const { entries, before, exhausted } = await scan(deps.store, query, { limit: query.limit, maxScan: MAX_SCAN });
      res.json({ entries: entries.map(auditEntry), nextCursor: exhausted || before === undefined || before <= 1 ? null : before });
    },
  });
}

export function auditEntry(event: StoredEvent) {
  const { category: entityType, id } = splitStreamId(event.streamId);
  return { position: event.position, entityType, entityKey: id, ...historyEntry(event) };
}

/**
 * `token:ci-bot#<id>` is one token; `token:ci-bot` is every token of that name (names need not be unique), so a
 * filter by the name the web app shows still finds all of its changes.
 */
function actorMatches(actor: unknown, wanted: string): boolean {
  return typeof actor === 'string' && (actor === wanted || (actor.length > wanted.length && actor.startsWith(wanted) && actor[wanted.length] === '#'));
}

async function scan(store: EventStore, query: AuditQuery, bounds: { limit: number; maxScan: number }) {
  const [category, key] = query.entity?.split(':') ?? [];
  const from = query.from?.getTime();
  const to = query.to?.getTime();
  const matches = (event: StoredEvent): boolean => {
    const stream = splitStreamId(event.streamId);
    return (
      (query.actor === undefined || actorMatches(event.metadata['actor'], query.actor)) &&
      // Flag usage is telemetry and Idempotency-Key records are bookkeeping, not changes anyone made: listed only
      // when asked for by name.
      (category === undefined ? stream.category !== FLAG_USAGE_CATEGORY && stream.category !== IDEMPOTENCY_CATEGORY : stream.category === category) &&
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
  while (entries.length < bounds.limit && scanned < bounds.maxScan) {
    const page = await store.readAllBackward({ ...(before === undefined ? {} : { before }), limit: 500 });
    if (page.length === 0) {
      exhausted = true;
      break;
    }
    for (const event of page) {
      scanned++;
      // Older than the window: nothing further back can match (recordedAt never decreases along the log).
      if (from !== undefined && event.recordedAt.getTime() < from) {
        exhausted = true;
        break;
      }
      before = event.position;
      if (matches(event)) entries.push(event);
      if (entries.length === bounds.limit) break;
    }
    if (exhausted) break;
  }
  return { entries, before, exhausted, truncated: !exhausted && entries.length === bounds.limit };
}
