import { z } from 'zod';
import type { EventStore } from '../../event-store/event-store.ts';
import { explainFlag } from '../../evaluation/explain.ts';
import { ok, operation, serve, type ServedOperation } from '../../http/operation.ts';
import { NotFoundError, issue } from '../../shared/errors.ts';
import { instantSchema } from '../../shared/instant-schema.ts';
import { keySchema } from '../../shared/keys.ts';
import type { LogBound } from '../../shared/log-checkpoints.ts';
import { compileForFlag, ReadModelHistory } from './read-model-history.ts';

const asOf = {
  /** An instant: the configuration recorded at or before it. */
  at: instantSchema.optional(),
  /** A global position of the log, as every evaluation result reports it in `revision`. */
  revision: z.coerce.number().int().min(1).optional(),
};
const bothGiven = (value: { at?: Date | undefined; revision?: number | undefined }, ctx: z.RefinementCtx): void => {
  if (value.at !== undefined && value.revision !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['revision'], message: 'give either at or revision, not both' });
  }
};
const snapshotQuery = z.strictObject(asOf).superRefine(bothGiven);
const explainBody = z
  .strictObject({
    flagKey: keySchema,
    environment: keySchema,
    context: z.record(z.string().max(128), z.json()).default({}),
    defaultValue: z.json().optional(),
    at: asOf.at,
    revision: z.number().int().min(1).optional(),
  })
  .superRefine(bothGiven);

export const timeTravelOperations = {
  environmentSnapshot: operation({
    method: 'get', path: '/admin/environments/{env}/snapshot', operationId: 'environmentSnapshot', tag: 'environments', auth: { admin: 'viewer' },
    summary: "An environment's compiled configuration now, at a time or at a revision of the log", query: snapshotQuery, success: ok('The snapshot and the log position it reflects'),
  }),
  explain: operation({
    method: 'post', path: '/admin/explain', operationId: 'explain', tag: 'environments', auth: { admin: 'viewer' },
    summary: 'Evaluate a flag for a context, against the configuration now or at a time or revision, with the trace of which rule matched',
    body: { name: 'Explain', schema: explainBody, example: { flagKey: 'new-checkout', environment: 'production', context: { targetingKey: 'user-7', country: 'US' } } },
    success: ok('The result and its trace'),
    errors: [404], // an unknown flag or environment, or one that did not exist at that time or revision
  }),
};

/**
 * Time travel on the read side: an environment's configuration, and any evaluation with its trace, as of any
 * moment of the log. Answers come from the read model folded up to that moment (src/read/time-travel).
 */
export function timeTravelRoutes(deps: { store: EventStore; history?: ReadModelHistory }): ServedOperation[] {
  const { store } = deps;
  const history = deps.history ?? new ReadModelHistory(store);

  /** The log bound asked for; `now` is the head of the log at the time of the request. */
  const boundOf = async (query: { at?: Date | undefined; revision?: number | undefined }): Promise<LogBound> => {
    const head = await store.headPosition();
    if (query.revision !== undefined) {
      if (query.revision > head) throw new NotFoundError(`There is no revision ${query.revision} yet`, [issue(['revision'], `is beyond the head of the log (${head})`)]);
      return { position: query.revision };
    }
    if (query.at !== undefined) return { time: query.at };
    return { position: head };
  };

  return serve(timeTravelOperations, {
    environmentSnapshot: async ({ res, query, param }) => {
      const environment = param('env');
      const folded = await history.at(await boundOf(query));
      const snapshot = folded.model.snapshot(environment);
      if (!snapshot) throw new NotFoundError(`Environment ${environment} did not exist at that moment`, [issue(['env'], `names no environment at position ${folded.position}`)]);
      res.json({ asOf: { position: folded.position, time: folded.recordedAt ?? null }, ...snapshot });
    },
    explain: async ({ res, body }) => {
      const folded = await history.at(await boundOf(body));
      const snapshot = folded.model.snapshot(body.environment);
      if (!snapshot) {
        throw new NotFoundError(`Environment ${body.environment} did not exist at that moment`, [issue(['environment'], `names no environment at position ${folded.position}`)]);
      }
      if (!folded.model.storedFlag(body.flagKey) && !(await history.at({ position: await store.headPosition() })).model.storedFlag(body.flagKey)) {
        throw new NotFoundError(`Flag ${body.flagKey} has never existed`, [issue(['flagKey'], 'names no flag, now or then')]);
      }
      const explanation = explainFlag(compileForFlag(snapshot, body.flagKey), body.flagKey, body.context, body.defaultValue);
      const stored = folded.model.storedFlag(body.flagKey);
      res.json({
        flagKey: body.flagKey,
        environment: body.environment,
        asOf: { position: folded.position, time: folded.recordedAt ?? null, flagVersion: stored?.version ?? null, archived: stored?.archived ?? null },
        context: body.context,
        result: explanation.result,
        trace: explanation.trace,
      });
    },
  });
}
