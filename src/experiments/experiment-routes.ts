import { Router, type Response } from 'express';
import type { EventStore } from '../event-store/event-store.ts';
import { requireRole } from '../http/admin-auth.ts';
import { commandContext, pathParam, replyVersioned } from '../http/command-request.ts';
import { historyEntry } from '../http/history.ts';
import { parseWith } from '../http/validation.ts';
import { executeCommand, type CommandContext, type CommandOutcome } from '../shared/command-handler.ts';
import { streamId } from '../shared/domain-event.ts';
import { NotFoundError } from '../shared/errors.ts';
import { EXPERIMENT_CATEGORY, METRIC_CATEGORY } from '../shared/experiment-events.ts';
import type { FlagReservations } from '../shared/flag-reservations.ts';
import type { Versioned } from '../shared/versioned.ts';
import { decideExperiment, type Experiment, type ExperimentCommand } from './experiment.ts';
import type { ExperimentModel } from './experiment-model.ts';
import {
  changeExperimentBody,
  changeMetricBody,
  concludeExperimentBody,
  createExperimentBody,
  defineMetricBody,
  restartExperimentBody,
} from './experiment-schemas.ts';
import { decideMetric, type Metric, type MetricCommand } from './metric.ts';

/** Experiments and metrics: designed, started, stopped, restarted, concluded; every step an audited event. */
export function experimentRoutes(deps: { store: EventStore; model: ExperimentModel; reservations: FlagReservations }): Router {
  const { store, model, reservations } = deps;
  const router = Router();

  const runExperiment = (key: string, command: ExperimentCommand, context: CommandContext): Promise<CommandOutcome> =>
    executeCommand(
      deps,
      {
        streamId: streamId(EXPERIMENT_CATEGORY, key),
        current: () => model.experiments.get(key),
        decide: (s) => decideExperiment(command, s, model),
        // Whatever starts it reserves its flag and environment first; the start then lands at exactly `version`.
        reserve: async (state, version, events) => {
          if (!state || !events.some((e) => e.type === 'ExperimentStarted' || e.type === 'ExperimentRestarted')) return;
          const reservation = { flagKey: state.flagKey, environment: state.environment, experimentKey: key, experimentVersion: version };
          await reservations.attachExperiment(reservation, context);
        },
      },
      context,
    );
  const runMetric = (key: string, command: MetricCommand, context: CommandContext): Promise<CommandOutcome> =>
    executeCommand(
      deps,
      { streamId: streamId(METRIC_CATEGORY, key), current: () => model.metrics.get(key), decide: (s) => decideMetric(command, s, model) },
      context,
    );
  const replyExperiment = (res: Response, status: number, key: string, outcome?: CommandOutcome): void =>
    replyVersioned(res, status, model.experiments.get(key), `Experiment ${key}`, (v) => experimentResource(v, model), outcome);
  const replyMetric = (res: Response, status: number, key: string, outcome?: CommandOutcome): void =>
    replyVersioned(res, status, model.metrics.get(key), `Metric ${key}`, metricResource, outcome);

  router.get('/admin/metrics', async (_req, res) => {
    await model.refresh();
    res.json({ metrics: [...model.metrics.values()].map(metricResource) });
  });
  router.post('/admin/metrics', requireRole('editor'), async (req, res) => {
    const body = parseWith(defineMetricBody, req.body);
    const outcome = await runMetric(body.key, { type: 'DefineMetric', data: body }, commandContext(req, res, { ifMatch: 'ignored' }));
    res.setHeader('Location', `/admin/metrics/${body.key}`);
    replyMetric(res, 201, body.key, outcome);
  });
  router.get('/admin/metrics/:key', async (req, res) => {
    await model.refresh();
    replyMetric(res, 200, pathParam(req, 'key'));
  });
  router.put('/admin/metrics/:key', requireRole('editor'), async (req, res) => {
    const key = pathParam(req, 'key');
    const body = parseWith(changeMetricBody, req.body);
    replyMetric(res, 200, key, await runMetric(key, { type: 'ChangeMetric', data: body }, commandContext(req, res, { ifMatch: 'required' })));
  });
  router.delete('/admin/metrics/:key', requireRole('editor'), async (req, res) => {
    const key = pathParam(req, 'key');
    replyMetric(res, 200, key, await runMetric(key, { type: 'ArchiveMetric' }, commandContext(req, res, { ifMatch: 'optional' })));
  });

  router.get('/admin/experiments', async (_req, res) => {
    await model.refresh();
    res.json({ experiments: [...model.experiments.values()].map((v) => experimentResource(v, model)) });
  });
  router.post('/admin/experiments', requireRole('editor'), async (req, res) => {
    const body = parseWith(createExperimentBody, req.body);
    const outcome = await runExperiment(body.key, { type: 'CreateExperiment', data: body }, commandContext(req, res, { ifMatch: 'ignored' }));
    res.setHeader('Location', `/admin/experiments/${body.key}`);
    replyExperiment(res, 201, body.key, outcome);
  });
  router.get('/admin/experiments/:key', async (req, res) => {
    await model.refresh();
    replyExperiment(res, 200, pathParam(req, 'key'));
  });
  router.put('/admin/experiments/:key', requireRole('editor'), async (req, res) => {
    const key = pathParam(req, 'key');
    const body = parseWith(changeExperimentBody, req.body);
    replyExperiment(res, 200, key, await runExperiment(key, { type: 'ChangeExperimentDesign', data: body }, commandContext(req, res, { ifMatch: 'required' })));
  });
  const lifecycle = (action: string, command: (body: unknown) => ExperimentCommand): void => {
    router.post(`/admin/experiments/:key/${action}`, requireRole('editor'), async (req, res) => {
      const key = pathParam(req, 'key');
      replyExperiment(res, 200, key, await runExperiment(key, command(req.body), commandContext(req, res, { ifMatch: 'optional' })));
    });
  };
  lifecycle('start', () => ({ type: 'StartExperiment' }));
  lifecycle('stop', () => ({ type: 'StopExperiment' }));
  lifecycle('restart', (body) => ({ type: 'RestartExperiment', data: parseWith(restartExperimentBody, body ?? {}) }));
  lifecycle('conclude', (body) => ({ type: 'ConcludeExperiment', data: parseWith(concludeExperimentBody, body ?? {}) }));

  router.get('/admin/experiments/:key/history', async (req, res) => {
    const key = pathParam(req, 'key');
    const events = await store.readStream(streamId(EXPERIMENT_CATEGORY, key));
    if (events.length === 0) throw new NotFoundError(`Experiment ${key} not found`);
    res.json({ experimentKey: key, events: events.map(historyEntry) });
  });

  return router;
}

function experimentResource(versioned: Versioned<Experiment>, model: ExperimentModel) {
  const { state, version, createdAt, updatedAt, updatedBy } = versioned;
  const timeline = model.timelines.get(state.key);
  return { ...state, version, createdAt, updatedAt, updatedBy, startedAt: timeline?.startedAt ?? null, stoppedAt: timeline?.stoppedAt ?? null };
}

function metricResource({ state, version, createdAt, updatedAt, updatedBy }: Versioned<Metric>) {
  return { ...state, version, createdAt, updatedAt, updatedBy };
}
