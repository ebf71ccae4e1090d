import { createLogger, type Logger } from '../observability/logger.ts';
import { startFlagstaff, type Flagstaff } from './app.ts';
import { loadConfig, type Config } from './config.ts';

/**
 * The server process, as `npm start` runs it. Its stdout carries JSON log lines and nothing else, so a log
 * collector can parse every line: `listening` once it serves, `shutting down` on SIGTERM or SIGINT, a
 * `part stopped` line for each part of the shutdown sequence, and `stopped` once it is complete, just before the
 * process exits. The start script execs node (package.json), so the signal a supervisor sends to what it started
 * reaches this process, npm or not.
 */
const loaded = ((): { config: Config } | { error: Error } => {
  try {
    return { config: loadConfig() };
  } catch (error) {
    return { error: error as Error };
  }
})();
// The level is the configuration's; a configuration that does not load is reported at the default one.
const logger = createLogger('config' in loaded ? loaded.config.operations?.logLevel : 'info');
// Whatever escapes is logged as JSON too, then the process ends as Node would end it: with code 1.
process.on('uncaughtException', (error) => {
  logger.fatal({ err: error }, 'uncaught exception; exiting');
  process.exit(1);
});
if ('error' in loaded) {
  logger.fatal({ err: loaded.error.message }, 'not started: invalid configuration');
  process.exit(1);
}
const { config } = loaded;
const starting = startFlagstaff(config, { logger }).catch((error: unknown) => {
  logger.fatal({ err: error }, 'not started');
  process.exit(1);
});
// Listening for signals from the start: one that arrives while the parts start stops them once they have.
stopOnSignals(starting, logger);
const flagstaff = await starting;
logger.info(
  {
    address: flagstaff.address,
    url: flagstaff.url,
    pid: process.pid,
    eventStore: config.eventStore.kind,
    bus: config.bus.kind,
    analytics: config.analytics.kind,
    sink: flagstaff.sinkMode === 'thread' ? 'own-thread' : 'main-thread',
  },
  'listening',
);
void flagstaff.bootstrapped.then(({ newAdminToken }) => {
  if (newAdminToken) announceAdminToken(logger, newAdminToken);
});

/**
 * The first-start admin token is for a person, shown once: as readable text on stderr, never in the JSON log,
 * which is shipped and kept where a secret does not belong. The log says that it was printed.
 */
function announceAdminToken(log: Logger, token: string): void {
  log.warn('first start: an admin token was created and printed on stderr, once; keep it safe');
  process.stderr.write(`\nFirst start: an admin token was created. It is shown only this once; keep it safe:\n\n  ${token}\n\n`);
}

/** The first SIGTERM or SIGINT runs the shutdown sequence; another one while it runs is logged and changes nothing. */
function stopOnSignals(running: Promise<Flagstaff>, log: Logger): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) {
      log.info({ signal }, 'already shutting down');
      return;
    }
    stopping = true;
    const started = performance.now();
    log.info({ signal }, 'shutting down');
    let exitCode = 0;
    try {
      await (await running).close();
    } catch (error) {
      exitCode = 1;
      log.error({ err: error }, 'shutdown failed');
    }
    log.info({ signal, exitCode, ms: Math.round(performance.now() - started) }, 'stopped');
    process.exit(exitCode);
  };
  process.on('SIGTERM', (signal) => void stop(signal));
  process.on('SIGINT', (signal) => void stop(signal));
}
