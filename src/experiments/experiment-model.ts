import type { StoredEvent } from '../event-store/event-store.ts';
import { splitStreamId } from '../shared/domain-event.ts';
import { EXPERIMENT_CATEGORY, METRIC_CATEGORY, type ExperimentEvent, type MetricEvent } from '../shared/experiment-events.ts';
import type { ExperimentCatalog, ExperimentForAnalysis } from '../shared/experiment-catalog.ts';
import type { FlagCatalog } from '../shared/flag-catalog.ts';
import { LogModel } from '../shared/log-model.ts';
import { foldVersioned, type Versioned } from '../shared/versioned.ts';
import type { EventStore } from '../event-store/event-store.ts';
import { evolveExperiment, type Experiment, type ExperimentDecisionContext } from './experiment.ts';
import { evolveMetric, type Metric } from './metric.ts';

/** When each iteration of an experiment started and stopped: the window its results cover. */
export interface ExperimentTimeline {
  readonly startedAt: Date | undefined;
  readonly stoppedAt: Date | undefined;
}

/** The experiments slice's view of its aggregates, folded from the log; flags come through the FlagCatalog port. */
export class ExperimentModel extends LogModel implements ExperimentDecisionContext, ExperimentCatalog {
  readonly experiments = new Map<string, Versioned<Experiment>>();
  readonly metrics = new Map<string, Versioned<Metric>>();
  readonly timelines = new Map<string, ExperimentTimeline>();

  constructor(
    store: EventStore,
    private readonly catalog: FlagCatalog,
  ) {
    super(store);
  }

  /** Both this model and the flags it checks against, up to date. */
  override async refresh(): Promise<void> {
    await Promise.all([super.refresh(), this.catalog.refresh()]);
  }

  protected fold(event: StoredEvent): void {
    const { category, id } = splitStreamId(event.streamId);
    if (category === EXPERIMENT_CATEGORY) {
      const experimentEvent = event as unknown as ExperimentEvent;
      foldVersioned(this.experiments, id, event, (s) => evolveExperiment(s, experimentEvent));
      const timeline = this.timelines.get(id) ?? { startedAt: undefined, stoppedAt: undefined };
      if (experimentEvent.type === 'ExperimentStarted' || (experimentEvent.type === 'ExperimentRestarted' && experimentEvent.data.rerandomized)) {
        // A re-randomised iteration is a new experiment as far as the data goes: results start over.
        this.timelines.set(id, { startedAt: event.recordedAt, stoppedAt: undefined });
      } else if (experimentEvent.type === 'ExperimentRestarted') {
        this.timelines.set(id, { ...timeline, stoppedAt: undefined });
      } else if (experimentEvent.type === 'ExperimentStopped' || experimentEvent.type === 'ExperimentConcluded') {
        this.timelines.set(id, { ...timeline, stoppedAt: timeline.stoppedAt ?? event.recordedAt });
      }
    } else if (category === METRIC_CATEGORY) {
      foldVersioned(this.metrics, id, event, (s) => evolveMetric(s, event as unknown as MetricEvent));
    }
  }

  experimentForAnalysis(key: string): ExperimentForAnalysis | undefined {
    const experiment = this.experiments.get(key)?.state;
    if (!experiment) return undefined;
    const { key: _key, status, iteration: _iteration, salt: _salt, winningVariant: _winner, ...design } = experiment;
    const timeline = this.timelines.get(key);
    const metricKeys = [design.primaryMetric, ...design.secondaryMetrics, ...design.guardrailMetrics];
    const metrics = Object.fromEntries(
      metricKeys.flatMap((metricKey) => {
        const metric = this.metrics.get(metricKey)?.state;
        if (!metric) return [];
        const { archived: _archived, ...definition } = metric;
        return [[metricKey, definition]];
      }),
    );
    return { key, status, design, startedAt: timeline?.startedAt, stoppedAt: timeline?.stoppedAt, metrics };
  }

  flagVariants(flagKey: string): readonly string[] | undefined {
    return this.catalog.flagVariants(flagKey);
  }
  environmentExists(key: string): boolean {
    return this.catalog.environmentExists(key);
  }
  segmentExists(key: string): boolean {
    return this.catalog.segmentExists(key);
  }
  metricExists(key: string): boolean {
    const metric = this.metrics.get(key);
    return metric !== undefined && !metric.state.archived;
  }
  experimentsUsing(metricKey: string): string[] {
    return [...this.experiments.values()]
      .filter(({ state }) => state.status !== 'concluded' && [state.primaryMetric, ...state.secondaryMetrics, ...state.guardrailMetrics].includes(metricKey))
      .map(({ state }) => state.key);
  }
}
