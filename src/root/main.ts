import { startFlagstaff } from './app.ts';
import { loadConfig } from './config.ts';

const config = loadConfig();
const flagstaff = await startFlagstaff(config);
console.log(
  `Flagstaff listening on ${flagstaff.url} (event store: ${config.eventStore.kind}, bus: ${config.bus.kind}, analytics: ${config.analytics.kind}, sink: ${flagstaff.sinkMode === 'thread' ? 'its own thread' : 'main thread'})`,
);
void flagstaff.bootstrapped.then(({ newAdminToken }) => {
  if (newAdminToken) {
    console.log(`\nFirst start: an admin token was created. It is shown only this once; keep it safe:\n\n  ${newAdminToken}\n`);
  }
});

let stopping = false;
const stop = async (signal: string): Promise<void> => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: shutting down`);
  await flagstaff.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
