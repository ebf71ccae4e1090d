import type { Response } from 'express';
import { z } from 'zod';
import type { EventStore } from '../event-store/event-store.ts';
import { replyVersioned } from '../http/command-request.ts';
import { historyEntry } from '../http/history.ts';
import { created, ok, operation, resource, serve, type ServedOperation } from '../http/operation.ts';
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

const experimentDesign = {
  flagKey: 'new-checkout',
  environment: 'production',
  hypothesis: 'The new checkout raises purchases by 2%',
  controlVariant: 'off',
  variants: [{ variant: 'off', weight: 50_000 }, { variant: 'on', weight: 50_000 }],
  trafficPercent: 100,
  primaryMetric: 'purchase',
  secondaryMetrics: ['revenue'],
  guardrailMetrics: [],
  method: 'frequentist',
  alpha: 0.05,
  cuped: true,
};

// Restart and conclude read a request without a body as `{}`, so its 400 names the missing field, not the body
// (and the document still shows the object schema: zod describes a preprocessed schema by the schema it feeds).
const absentAsEmpty = (body: unknown): unknown => body ?? {};
const restartBody = z.preprocess(absentAsEmpty, restartExperimentBody);
const concludeBody = z.preprocess(absentAsEmpty, concludeExperimentBody);

export const experimentOperations = {
  listMetrics: operation({ method: 'get', path: '/admin/metrics', operationId: 'listMetrics', tag: 'experiments', auth: { admin: 'viewer' }, summary: 'List metric definitions', success: ok('Every metric') }),
  defineMetric: operation({
    method: 'post', path: '/admin/metrics', operationId: 'defineMetric', tag: 'experiments', auth: { admin: 'editor' }, summary: 'Define a metric (binomial, mean or ratio)',
    body: { name: 'DefineMetric', schema: defineMetricBody, example: { key: 'purchase', kind: 'binomial', event: 'purchase' } },
    command: { ifMatch: 'ignored', creates: true }, success: created('metric'),
  }),
  getMetric: operation({ method: 'get', path: '/admin/metrics/{key}', operationId: 'getMetric', tag: 'experiments', auth: { admin: 'viewer' }, summary: 'A metric definition', success: resource('metric') }),
  changeMetric: operation({
    method: 'put', path: '/admin/metrics/{key}', operationId: 'changeMetric', tag: 'experiments', auth: { admin: 'editor' }, summary: 'Replace a metric definition',
    body: { name: 'ChangeMetric', schema: changeMetricBody, example: { kind: 'mean', event: 'purchase', direction: 'higher' } },
    command: { ifMatch: 'required' }, success: resource('changed metric'),
  }),
  archiveMetric: operation({
    method: 'delete', path: '/admin/metrics/{key}', operationId: 'archiveMetric', tag: 'experiments', auth: { admin: 'editor' },
    summary: 'Archive a metric', command: { ifMatch: 'optional' }, success: resource('archived metric'),
  }),
  listExperiments: operation({ method: 'get', path: '/admin/experiments', operationId: 'listExperiments', tag: 'experiments', auth: { admin: 'viewer' }, summary: 'List experiments', success: ok('Every experiment') }),
  createExperiment: operation({
    method: 'post', path: '/admin/experiments', operationId: 'createExperiment', tag: 'experiments', auth: { admin: 'editor' }, summary: 'Design an experiment on a flag',
    body: { name: 'CreateExperiment', schema: createExperimentBody, example: { key: 'checkout-test', ...experimentDesign } },
    command: { ifMatch: 'ignored', creates: true }, success: created('experiment'),
  }),
  getExperiment: operation({ method: 'get', path: '/admin/experiments/{key}', operationId: 'getExperiment', tag: 'experiments', auth: { admin: 'viewer' }, summary: 'An experiment', success: resource('experiment') }),
  changeExperiment: operation({
    method: 'put', path: '/admin/experiments/{key}', operationId: 'changeExperiment', tag: 'experiments', auth: { admin: 'editor' }, summary: "Replace an experiment's design (before it starts)",
    body: { name: 'ChangeExperiment', schema: changeExperimentBody, example: experimentDesign },
    command: { ifMatch: 'required' }, success: resource('changed experiment'),
  }),
  startExperiment: operation({
    method: 'post', path: '/admin/experiments/{key}/start', operationId: 'startExperiment', tag: 'experiments', auth: { admin: 'editor' },
    summary: 'Start an experiment: its flag begins assigning units', command: { ifMatch: 'optional' }, success: resource('started experiment'),
  }),
  stopExperiment: operation({
    method: 'post', path: '/admin/experiments/{key}/stop', operationId: 'stopExperiment', tag: 'experiments', auth: { admin: 'editor' },
    summary: 'Stop an experiment', command: { ifMatch: 'optional' }, success: resource('stopped experiment'),
  }),
  restartExperiment: operation({
    method: 'post', path: '/admin/experiments/{key}/restart', operationId: 'restartExperiment', tag: 'experiments', auth: { admin: 'editor' },
    summary: 'Restart a stopped experiment, keeping or re-randomising assignments',
    body: { name: 'RestartExperiment', schema: restartBody, example: { rerandomize: false } },
    command: { ifMatch: 'optional' }, success: resource('restarted experiment'),
  }),
  concludeExperiment: operation({
    method: 'post', path: '/admin/experiments/{key}/conclude', operationId: 'concludeExperiment', tag: 'experiments', auth: { admin: 'editor' },
    summary: 'Conclude an experiment with a winning variant (or none)',
    body: { name: 'ConcludeExperiment', schema: concludeBody, example: { winningVariant: 'on' } },
    command: { ifMatch: 'optional' }, success: resource('concluded experiment'),
  }),
  experimentHistory: operation({ method: 'get', path: '/admin/experiments/{key}/history', operationId: 'experimentHistory', tag: 'experiments', auth: { admin: 'viewer' }, summary: 'Every event of an experiment', success: ok('The history, oldest first') }),
};

/** Experiments and metrics: designed, started, stopped, restarted, concluded; every step an audited event. */
export function experimentRoutes(deps: { store: EventStore; model: ExperimentModel; reservations: FlagReservations }): ServedOperation[] {
  const { store, model, reservations } = deps;

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

  return serve(experimentOperations, {
    listMetrics: async ({ res }) => {
      await model.refresh();
      res.json({ metrics: [...model.metrics.values()].map(metricResource) });
    },
    defineMetric: async ({ res, body, command }) => {
      const outcome = await runMetric(body.key, { type: 'DefineMetric', data: body }, command);
      res.setHeader('Location', `/admin/metrics/${body.key}`);
      replyMetric(res, 201, body.key, outcome);
    },
    getMetric: async ({ res, param }) => {
      await model.refresh();
      replyMetric(res, 200, param('key'));
    },
    changeMetric: async ({ res, param, body, command }) => {
      replyMetric(res, 200, param('key'), await runMetric(param('key'), { type: 'ChangeMetric', data: body }, command));
    },
    archiveMetric: async ({ res, param, command }) => {
      replyMetric(res, 200, param('key'), await runMetric(param('key'), { type: 'ArchiveMetric' }, command));
    },
    listExperiments: async ({ res }) => {
      await model.refresh();
      res.json({ experiments: [...model.experiments.values()].map((v) => experimentResource(v, model)) });
    },
    createExperiment: async ({ res, body, command }) => {
      const outcome = await runExperiment(body.key, { type: 'CreateExperiment', data: body }, command);
      res.setHeader('Location', `/admin/experiments/${body.key}`);
      replyExperiment(res, 201, body.key, outcome);
    },
    getExperiment: async ({ res, param }) => {
      await model.refresh();
      replyExperiment(res, 200, param('key'));
    },
    changeExperiment: async ({ res, param, body, command }) => {
      replyExperiment(res, 200, param('key'), await runExperiment(param('key'), { type: 'ChangeExperimentDesign', data: body }, command));
    },
    startExperiment: async ({ res, param, command }) => {
      replyExperiment(res, 200, param('key'), await runExperiment(param('key'), { type: 'StartExperiment' }, command));
    },
    stopExperiment: async ({ res, param, command }) => {
      replyExperiment(res, 200, param('key'), await runExperiment(param('key'), { type: 'StopExperiment' }, command));
    },
    restartExperiment: async ({ res, param, body, command }) => {
      replyExperiment(res, 200, param('key'), await runExperiment(param('key'), { type: 'RestartExperiment', data: body }, command));
    },
    concludeExperiment: async ({ res, param, body, command }) => {
      replyExperiment(res, 200, param('key'), await runExperiment(param('key'), { type: 'ConcludeExperiment', data: body }, command));
    },
    experimentHistory: async ({ res, param }) => {
      const key = param('key');
      const events = await store.readStream(streamId(EXPERIMENT_CATEGORY, key));
      if (events.length === 0) throw new NotFoundError(`Experiment ${key} not found`);
      res.json({ experimentKey: key, events: events.map(historyEntry) });
    },
  });
}

function experimentResource(versioned: Versioned<Experiment>, model: ExperimentModel) {
  const { state, version, createdAt, updatedAt, updatedBy } = versioned;
  const timeline = model.timelines.get(state.key);
  return { ...state, version, createdAt, updatedAt, updatedBy, startedAt: timeline?.startedAt ?? null, stoppedAt: timeline?.stoppedAt ?? null };
}

function metricResource({ state, version, createdAt, updatedAt, updatedBy }: Versioned<Metric>) {
  return { ...state, version, createdAt, updatedAt, updatedBy };
}
