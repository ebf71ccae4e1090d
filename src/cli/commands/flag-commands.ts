import type { Command } from 'commander';
import type { ApiClient } from '../api-client.ts';
import { CliError, UsageError } from '../cli-errors.ts';
import { contextFor, currentVersion, isoTime, path, positiveInteger } from '../cli-context.ts';
import { inferScalar } from '../context-args.ts';
import type { Io } from '../output.ts';
import { brief, renderTable } from '../output.ts';
import { renderFlag, renderFlagList, renderStaleFlags, type FlagResource, type FlagSummary, type StaleFlag } from '../render/flag-render.ts';
import { readSourceFile } from '../source-file.ts';
import { scheduleCommands } from './schedule-commands.ts';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function flagCommands(program: Command, io: Io): void {
  const flags = program.command('flags').description('list, read, create, toggle, target, schedule changes of, find stale ones, and travel through the history of flags');

  flags
    .command('list')
    .description('list flags (every page), one on/off column per environment')
    .option('--tag <tag>', 'only flags with this tag')
    .option('--q <text>', 'only flags whose key or description contains this')
    .option('--archived', 'archived flags instead of live ones')
    .action(async (options: { tag?: string; q?: string; archived?: boolean }, command: Command) => {
      const { client, output } = contextFor(command, io);
      const all: FlagSummary[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await client.get<{ flags: FlagSummary[]; nextCursor: string | null }>('/admin/flags', {
          query: { tag: options.tag, q: options.q, archived: options.archived ? 'true' : 'false', limit: 1_000, after },
        });
        all.push(...page.body.flags);
        if (page.body.nextCursor === null) break;
        after = page.body.nextCursor;
      }
      output.data({ flags: all, nextCursor: null });
      output.line(renderFlagList(all));
    });

  flags
    .command('stale')
    .description('flags not evaluated, or serving one variant to everyone, over the last days (server and SDK evaluations): candidates for archiving')
    .option('--days <n>', 'the period, in days (1 to 365)', '30')
    .action(async (options: { days: string }, command: Command) => {
      const { client, output } = contextFor(command, io);
      const days = positiveInteger('--days', options.days)!;
      const stale: StaleFlag[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await client.get<{ flags: StaleFlag[]; nextCursor: string | null }>('/admin/flags', { query: { stale: 'true', staleDays: days, limit: 1_000, after } });
        stale.push(...page.body.flags);
        if (page.body.nextCursor === null) break;
        after = page.body.nextCursor;
      }
      output.data({ flags: stale, nextCursor: null });
      output.line(renderStaleFlags(stale, days));
    });

  flags
    .command('get <key>')
    .description('show a flag and its targeting in every environment, now or as it was')
    .option('--version <n>', 'as it was at this version')
    .option('--at <time>', 'as it was at this time (ISO 8601)')
    .action(async (key: string, options: { version?: string; at?: string }, command: Command) => {
      const { client, output } = contextFor(command, io);
      if (options.version !== undefined && options.at !== undefined) throw new UsageError('give either --version or --at, not both');
      const flag = await client.get<FlagResource>(path('flags', key), {
        query: { version: positiveInteger('--version', options.version), at: isoTime('--at', options.at) },
      });
      output.data(flag.body);
      output.line(renderFlag(flag.body));
    });

  flags
    .command('create <key>')
    .description('create a flag (a boolean flag gets the variants on/off)')
    .option('--type <type>', 'boolean | string | number | json', 'boolean')
    .option('--variants <variants>', 'name=value pairs, comma separated (or repeated), or a JSON object', collect)
    .option('--description <text>', 'what the flag is for')
    .option('--tag <tag>', 'a tag (repeatable)', collect)
    .option('--reason <text>', 'recorded with the change')
    .action(async (key: string, options: { type: string; variants?: string[]; description?: string; tag?: string[]; reason?: string }, command: Command) => {
      const { client, output } = contextFor(command, io);
      const body = {
        key,
        type: options.type,
        ...(options.description === undefined ? {} : { description: options.description }),
        ...(options.tag === undefined ? {} : { tags: options.tag }),
        ...(options.variants === undefined ? {} : { variants: parseVariants(options.type, options.variants) }),
        ...(options.reason === undefined ? {} : { reason: options.reason }),
      };
      const created = await client.post<FlagResource>('/admin/flags', { body });
      output.data(created.body);
      output.line(`Created ${created.body.type} flag ${created.body.key} (version ${created.body.version}), variants ${Object.keys(created.body.variants).join(', ')}`);
    });

  flags
    .command('toggle <key> <env> <state>')
    .description('switch a flag on or off in one environment (the kill switch)')
    .option('--reason <text>', 'recorded with the change')
    .option('--expect-version <n>', 'apply only if the flag is still at this version (otherwise exit 4)')
    .action(async (key: string, env: string, state: string, options: { reason?: string; expectVersion?: string }, command: Command) => {
      const { client, output } = contextFor(command, io);
      if (state !== 'on' && state !== 'off') throw new UsageError(`the state must be on or off, not ${JSON.stringify(state)}`);
      const ifMatch = positiveInteger('--expect-version', options.expectVersion) ?? (await currentFlagVersion(client, key));
      const toggled = await client.post<FlagResource>(path('flags', key, 'environments', env, 'toggle'), {
        body: { enabled: state === 'on', ...(options.reason === undefined ? {} : { reason: options.reason }) },
        ifMatch,
      });
      output.data(toggled.body);
      output.line(`${key} is ${state} in ${env} (version ${toggled.body.version})`);
    });

  const targeting = flags.command('targeting').description("a flag's targeting in one environment");
  targeting
    .command('set <key> <env>')
    .description('replace the targeting of one environment with a YAML or JSON file (validated by the server)')
    .requiredOption('--file <file>', 'targeting.yaml or targeting.json: enabled, offVariant, prerequisites, targets, rules, defaultServe')
    .option('--reason <text>', 'recorded with the change')
    .option('--expect-version <n>', 'apply only if the flag is still at this version (otherwise exit 4)')
    .action(async (key: string, env: string, options: { file: string; reason?: string; expectVersion?: string }, command: Command) => {
      const { client, output } = contextFor(command, io);
      const source = await readSourceFile(options.file);
      if (source.value === null || typeof source.value !== 'object' || Array.isArray(source.value)) {
        throw new UsageError(`${options.file} must hold an object (the targeting), not ${Array.isArray(source.value) ? 'a list' : typeof source.value}`);
      }
      const ifMatch = positiveInteger('--expect-version', options.expectVersion) ?? (await currentFlagVersion(client, key));
      try {
        const changed = await client.put<FlagResource>(path('flags', key, 'environments', env), {
          body: { ...(source.value as object), ...(options.reason === undefined ? {} : { reason: options.reason }) },
          ifMatch,
        });
        output.data(changed.body);
        const t = changed.body.environments[env];
        output.line(`Targeting of ${key} in ${env} set (version ${changed.body.version}): ${t?.enabled ? 'on' : 'off'}, ${t?.rules.length ?? 0} rule(s)`);
      } catch (error) {
        // The body is the file, so the problem's pointers point into it: name the lines.
        if (error instanceof CliError) error.locate = source.locate;
        throw error;
      }
    });

  scheduleCommands(flags, io);

  flags
    .command('history <key>')
    .description('every event of a flag: version, time, type, actor, reason, change')
    .action(async (key: string, _options: unknown, command: Command) => {
      const { client, output } = contextFor(command, io);
      const history = await client.get<{ flagKey: string; events: HistoryEntry[] }>(path('flags', key, 'history'));
      output.data(history.body);
      output.line(
        renderTable(
          ['version', 'time', 'event', 'actor', 'reason', 'change'],
          history.body.events.map((e) => [e.version, e.time, e.type, e.actor, e.reason, brief(e.change, 60)]),
        ),
      );
    });

  flags
    .command('diff <key>')
    .description('what changed between two versions (to defaults to the latest)')
    .requiredOption('--from <n>', 'the older version')
    .option('--to <n>', 'the newer version')
    .action(async (key: string, options: { from: string; to?: string }, command: Command) => {
      const { client, output } = contextFor(command, io);
      const diff = await client.get<DiffAnswer>(path('flags', key, 'diff'), {
        query: { from: positiveInteger('--from', options.from), to: positiveInteger('--to', options.to) },
      });
      output.data(diff.body);
      const { from, to, changes } = diff.body;
      output.line(`${key}: version ${from.version} (${from.time}${from.actor ? `, ${from.actor}` : ''}) → version ${to.version} (${to.time}${to.actor ? `, ${to.actor}` : ''})`);
      output.line(
        changes.length === 0
          ? 'No differences.'
          : renderTable(['path', 'change', 'before', 'after'], changes.map((c) => [c.path, c.op, brief(c.before, 40), brief(c.after, 40)])),
      );
    });

  flags
    .command('rollback <key>')
    .description('roll a flag back to an earlier version or time (appends one event; history is kept)')
    .option('--to-version <n>', 'the version to go back to')
    .option('--to-time <time>', 'the time to go back to (ISO 8601)')
    .requiredOption('--reason <text>', 'why (required, recorded with the rollback)')
    .option('--expect-version <n>', 'apply only if the flag is still at this version (otherwise exit 4)')
    .action(async (key: string, options: { toVersion?: string; toTime?: string; reason: string; expectVersion?: string }, command: Command) => {
      const { client, output } = contextFor(command, io);
      if ((options.toVersion === undefined) === (options.toTime === undefined)) throw new UsageError('give exactly one of --to-version and --to-time');
      const ifMatch = positiveInteger('--expect-version', options.expectVersion) ?? (await currentFlagVersion(client, key));
      const target =
        options.toVersion !== undefined ? { toVersion: positiveInteger('--to-version', options.toVersion) } : { toTime: isoTime('--to-time', options.toTime) };
      const rolled = await client.post<FlagResource & { rolledBackTo: number }>(path('flags', key, 'rollback'), { body: { ...target, reason: options.reason }, ifMatch });
      output.data(rolled.body);
      output.line(`Rolled ${key} back to version ${rolled.body.rolledBackTo}: it is now version ${rolled.body.version}`);
    });
}

interface HistoryEntry {
  version: number;
  type: string;
  actor: string | null;
  reason: string | null;
  time: string;
  change: unknown;
}

interface DiffAnswer {
  flagKey: string;
  from: { version: number; time: string; actor: string | null };
  to: { version: number; time: string; actor: string | null };
  changes: { path: string; op: string; before?: unknown; after?: unknown }[];
}

/** The flag's version, read just before a command based on it. */
function currentFlagVersion(client: ApiClient, key: string): Promise<number> {
  return currentVersion(client, path('flags', key));
}

/**
 * `--variants a=1,b=2` (or repeated), or a JSON object. Values follow the flag's type: strings stay strings
 * for a string flag, numbers are parsed for a number flag, JSON for a json flag.
 */
export function parseVariants(type: string, specs: readonly string[]): Record<string, unknown> {
  if (specs.length === 1 && specs[0]!.trim().startsWith('{')) {
    try {
      return JSON.parse(specs[0]!) as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(`--variants is not valid JSON: ${(error as Error).message}`);
    }
  }
  const variants: Record<string, unknown> = {};
  const pairs = type === 'json' ? specs : specs.flatMap((s) => s.split(','));
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--variants ${JSON.stringify(pair)} must be name=value`);
    const name = pair.slice(0, at).trim();
    const text = pair.slice(at + 1);
    variants[name] = variantValue(type, name, text);
  }
  return variants;
}

function variantValue(type: string, name: string, text: string): unknown {
  if (type === 'string') return text;
  if (type === 'json') {
    try {
      return JSON.parse(text);
    } catch {
      throw new UsageError(`--variants ${name}= must be JSON for a json flag`);
    }
  }
  return inferScalar(text);
}
