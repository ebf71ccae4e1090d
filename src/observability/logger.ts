import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stdout (pino): one object per line, with `requestId` on everything a request causes,
 * which is also the correlation id recorded on the events it appends. Level from FLAGSTAFF_LOG_LEVEL.
 */
export function createLogger(level: string = process.env['FLAGSTAFF_LOG_LEVEL'] ?? 'info', destination?: pino.DestinationStream): Logger {
  const options = { level, base: { service: 'flagstaff' }, timestamp: pino.stdTimeFunctions.isoTime };
  return destination ? pino(options, destination) : pino(options);
}
