import type { Command } from 'commander';
import { ApiClient, versionOf } from './api-client.ts';
import { UsageError } from './cli-errors.ts';
import { Output, type Io } from './output.ts';

export const DEFAULT_URL = 'http://localhost:8080';

/** What every command needs: the API, where to write, and the process's streams and environment. */
export interface CliContext {
  readonly client: ApiClient;
  readonly output: Output;
  readonly io: Io;
}

interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
  timeout?: string;
}

/** Built from the global options once a command runs: flags first, then FLAGSTAFF_URL / FLAGSTAFF_TOKEN. */
export function contextFor(command: Command, io: Io): CliContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  const output = new Output(io, options.json === true);
  const timeoutMs = options.timeout === undefined ? 30_000 : Number(options.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError('--timeout must be a positive number of milliseconds');
  const client = new ApiClient({
    baseUrl: options.url ?? io.env['FLAGSTAFF_URL'] ?? DEFAULT_URL,
    token: options.token ?? io.env['FLAGSTAFF_TOKEN'],
    timeoutMs,
  });
  return { client, output, io };
}

/** A whole number option (a version, a revision): refused early, before any request. */
export function positiveInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`${name} must be a positive whole number, not ${JSON.stringify(value)}`);
  return Number(value);
}

/** Times are passed on as the API wants them: ISO 8601 with a zone. A date alone means its midnight UTC. */
export function isoTime(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text) || Number.isNaN(Date.parse(text))) {
    throw new UsageError(`${name} must be an ISO 8601 time with a zone, such as 2025-06-01T12:00:00Z, not ${JSON.stringify(value)}`);
  }
  return text;
}

export function path(...parts: string[]): string {
  return `/admin/${parts.map(encodeURIComponent).join('/')}`;
}

/** The version a command is based on: read just before, so If-Match protects against a concurrent change. */
export async function currentVersion(client: ApiClient, resource: string): Promise<number> {
  const response = await client.get(resource);
  const version = versionOf(response);
  if (version === undefined) throw new Error(`GET ${resource} answered without an ETag`);
  return version;
}
