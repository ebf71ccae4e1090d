import type { ExperimentDesign, MetricDefinition } from './experiment-events.ts';

/** An experiment as its analysis needs it: the design, the window its current iteration covers, its metrics. */
export interface ExperimentForAnalysis {
  readonly key: string;
  readonly status: 'draft' | 'running' | 'stopped' | 'concluded';
  readonly design: ExperimentDesign;
  readonly startedAt: Date | undefined;
  readonly stoppedAt: Date | undefined;
  readonly metrics: Readonly<Record<string, MetricDefinition & { readonly key: string }>>;
}

/** How the analytics slice reads experiments (the experiments slice implements it). */
export interface ExperimentCatalog {
  refresh(): Promise<void>;
  experimentForAnalysis(key: string): ExperimentForAnalysis | undefined;
}
