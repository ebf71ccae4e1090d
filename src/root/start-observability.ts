import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Reading } from '../observability/background-reading.ts';
import { EvaluationTally } from '../observability/evaluation-tally.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import { Metrics } from '../observability/metrics.ts';
import { startTracing, type Tracing } from '../observability/tracing.ts';
import type { OperationsConfig } from './config.ts';

/**
 * What /metrics reads at scrape time from parts started after the metrics (the store's instrumentation needs
 * them first): each part hands in its own as it starts. A scrape comes through the server, which listens once
 * every part has started, so none reads a figure before it is handed in.
 */
export interface ScrapeSources {
  /** Events in the store the read model has not applied yet; undefined when the store does not answer. */
  projectionLag?: () => Promise<number | undefined>;
  sseConnections?: () => number;
  /** Messages on the bus the analytics sink has not committed, as last read in the background. */
  consumerLag?: () => Reading | undefined;
  /** Brings the counters kept off the hot path up to date (see Metrics.countEvaluations). */
  beforeScrape?: () => void;
}

export interface Observability {
  readonly logger: Logger;
  readonly tracing: Tracing;
  readonly metrics: Metrics;
  /** Every evaluation is counted here on the hot path; draining it feeds the metric and flag usage. */
  readonly tally: EvaluationTally;
  readAtScrape(sources: ScrapeSources): void;
  stop(): Promise<void>;
}

/** Logs, traces and metrics: started first, so every other part can report; shut last, so they report to the end. */
export async function startObservability(ops: OperationsConfig, options: { logger?: Logger; traceExporter?: SpanExporter }): Promise<Observability> {
  const logger = options.logger ?? createLogger(ops.logLevel);
  const tracing = await startTracing({ mode: ops.tracing, ...(options.traceExporter ? { exporter: options.traceExporter } : {}) });
  const sources: ScrapeSources = {};
  const metrics = new Metrics({
    beforeScrape: () => sources.beforeScrape?.(),
    projectionLag: async () => sources.projectionLag?.(),
    sseConnections: () => sources.sseConnections?.() ?? 0,
    consumerLag: () => sources.consumerLag?.(),
  });
  return {
    logger,
    tracing,
    metrics,
    tally: new EvaluationTally(),
    readAtScrape: (handed) => Object.assign(sources, handed),
    stop: () => tracing.shutdown(),
  };
}
