import { Worker } from 'node:worker_threads';
import type { Config } from './config.ts';
import type { AnalyticsSink, SinkBatchMetrics } from '../analytics/sink/sink.ts';

export interface SinkThreadData {
  readonly bus: Config['bus'];
  readonly analytics: Config['analytics'];
  readonly groupId: string;
}

export type SinkThreadMessage =
  | { readonly type: 'started' }
  | { readonly type: 'stopped' }
  | { readonly type: 'error'; readonly message: string }
  | { readonly type: 'batch'; readonly metrics: SinkBatchMetrics };

/**
 * Runs the analytics sink on a thread of its own. Ingest (HTTP, validation, produce) and the sink (consume,
 * validation, inserts) each cost a Node.js thread about as much CPU per event; on one thread they capped the
 * pipeline at half of what two threads carry (bench/pipeline.bench.ts). The thread has its own Kafka consumer
 * and analytics client, so only adapters that another thread can reach qualify, as they declare in adapters.ts:
 * DuckDB's file belongs to one instance, the main thread's (start-analytics.ts keeps that sink inline).
 */
export function startSinkThread(data: SinkThreadData, onError: (message: string) => void, onBatch?: (metrics: SinkBatchMetrics) => void): AnalyticsSink {
  const worker = new Worker(entryCode(), { eval: true, workerData: data, name: 'flagstaff-analytics-sink' });
  let stopped: (() => void) | undefined;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (message: SinkThreadMessage) => {
    if (message.type === 'error') onError(message.message);
    if (message.type === 'batch') onBatch?.(message.metrics);
    if (message.type === 'stopped') stopped?.();
  });
  worker.on('error', (error) => onError(`sink thread failed: ${error.message}`));
  return {
    async stop() {
      const done = new Promise<void>((resolve) => (stopped = resolve));
      worker.postMessage({ type: 'stop' });
      // The thread finishes and commits its batch; if it died instead, its exit is the end too.
      await Promise.race([done, exited]);
      await worker.terminate();
    },
  };
}

/**
 * The thread's entry, evaluated: under `npm start` (tsx) a worker does not inherit the TypeScript loader, so
 * it registers it before importing the TypeScript entry. Compiled to JavaScript, the entry is imported as it is.
 */
function entryCode(): string {
  const entry = new URL(`./sink-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
  if (!entry.endsWith('.ts')) return `import(${JSON.stringify(entry)})`;
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
}
