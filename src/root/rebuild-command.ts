import path from 'node:path';
import { openEventStore } from './adapters.ts';
import { loadConfig } from './config.ts';
import { fileReadModelPersistence } from '../read/read-model-persistence.ts';
import { rebuildAndCompare, startReadProjection } from '../read/read-projection.ts';

/**
 * `npm run rebuild`: with the configured store and data directory, brings the persisted read model up to date,
 * replays the whole log into a fresh one, and proves by hash that both are equal, and flag by flag that both
 * equal a fold of the flag streams by the shared evolution (exit 1 if not). For a running
 * server, `POST /admin/projections/rebuild` does the same in place.
 */
const config = loadConfig();
const store = await openEventStore(config.eventStore);
const projection = await startReadProjection({ store, persistence: fileReadModelPersistence(path.join(config.dataDir, 'read-model')) });
await projection.caughtUp();
const report = await rebuildAndCompare(store, projection);
const { live, rebuilt } = report.flagsDifferingFromFold;
console.log(
  [
    `${report.events} events replayed in ${Math.round(report.milliseconds)} ms up to position ${report.position}`,
    `live    ${report.liveHash}\nrebuilt ${report.rebuiltHash}`,
    ...(live.length > 0 ? [`flags of the live read model that differ from the fold of their streams: ${live.join(', ')}`] : []),
    ...(rebuilt.length > 0 ? [`flags of the rebuilt read model that differ from the fold of their streams: ${rebuilt.join(', ')}`] : []),
    report.equal ? 'equal: the read model is the log, replayed' : 'DIFFERENT: the live read model does not match the log',
  ].join('\n'),
);
await projection.stop();
await store.close();
process.exit(report.equal ? 0 : 1);
