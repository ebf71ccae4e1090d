import { parentPort, workerData } from 'node:worker_threads';
import { openAnalyticsStore, openBus } from './adapters.ts';
import { startWithRetry } from '../shared/start-with-retry.ts';
import { startAnalyticsSink } from '../analytics/sink/sink.ts';
import type { SinkThreadData, SinkThreadMessage } from './sink-thread.ts';

/**
 * The analytics sink's own thread (see sink-thread.ts): it opens its own bus consumer and analytics store from
 * the configuration, runs the sink, reports errors to the main thread, and on `stop` finishes the batch in
 * hand, commits it, closes what it opened and says `stopped`.
 */
const { bus: busConfig, analytics: analyticsConfig, groupId } = workerData as SinkThreadData;
const port = parentPort!;
const tell = (message: SinkThreadMessage): void => port.postMessage(message);
const warn = (error: unknown): void => tell({ type: 'error', message: (error as Error).message ?? String(error) });

const bus = await openBus(busConfig);
const store = await openAnalyticsStore(analyticsConfig);
// Batch figures go to the main thread, whose /metrics reports them.
const sink = startWithRetry(() => startAnalyticsSink({ bus, store, groupId, onError: warn, onMetrics: (metrics) => tell({ type: 'batch', metrics }) }), warn);

port.on('message', (message: { type: 'stop' }) => {
  if (message.type !== 'stop') return;
  void (async () => {
    try {
      await (await sink.cancel())?.stop();
      await bus.close();
      await store.close();
    } catch (error) {
      warn(error);
    }
    tell({ type: 'stopped' });
    port.close();
  })();
});
tell({ type: 'started' });
