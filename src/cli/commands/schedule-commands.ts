import type { Command } from 'commander';
import { CliError, UsageError } from '../cli-errors.ts';
import { contextFor, currentVersion, path, positiveInteger } from '../cli-context.ts';
import type { Io } from '../output.ts';
import { changeInWords, renderSchedules, type ScheduleResource } from '../render/schedule-render.ts';
import { scheduleTime } from '../schedule-time.ts';
import { readSourceFile } from '../source-file.ts';

interface CreateOptions {
  env: string;
  at: string;
  enable?: boolean;
  disable?: boolean;
  targeting?: string;
  reason?: string;
  ifVersion?: string;
  bind?: boolean;
}

const schedulesPath = (key: string, env: string, ...rest: string[]): string => path('flags', key, 'environments', env, 'schedules', ...rest);

/** `flags schedule …`: changes of one environment made later, by the server's scheduler, in your name. */
export function scheduleCommands(flags: Command, io: Io): void {
  const schedule = flags.command('schedule').description("toggle a flag or change its targeting in one environment at a later time; list and cancel such changes");

  schedule
    .command('create <key>')
    .description('schedule a toggle (--enable, --disable) or a targeting change (--targeting) of one environment')
    .requiredOption('--env <env>', 'the environment')
    .requiredOption('--at <time>', 'when: an ISO 8601 time with a zone, or from now: +30s, +10m, +2h, +1d')
    .option('--enable', 'switch the flag on then')
    .option('--disable', 'switch the flag off then')
    .option('--targeting <file>', "replace the environment's targeting then with this JSON or YAML file (as for `flags targeting set`)")
    .option('--reason <text>', 'recorded with the schedule and with the change it makes')
    .option('--if-version <n>', 'the version of the flag the change is meant for: refused now if the flag is at another, and failing instead of applying if it changes before then')
    .option('--bind', "--if-version with the flag's current version (read just before)")
    .action(async (key: string, options: CreateOptions, command: Command) => {
      const { client, output } = contextFor(command, io);
      // Everything given on the command line is checked before anything is sent.
      const at = scheduleTime('--at', options.at, new Date());
      const changes = [options.enable, options.disable, options.targeting].filter((given) => given !== undefined).length;
      if (changes !== 1) throw new UsageError('give exactly one of --enable, --disable and --targeting <file>');
      if (options.ifVersion !== undefined && options.bind) throw new UsageError('give either --if-version or --bind, not both');
      const pinned = positiveInteger('--if-version', options.ifVersion);
      const source = options.targeting === undefined ? undefined : await readSourceFile(options.targeting);
      if (source !== undefined && (source.value === null || typeof source.value !== 'object' || Array.isArray(source.value))) {
        throw new UsageError(`${source.path} must hold an object (the targeting), not ${Array.isArray(source.value) ? 'a list' : typeof source.value}`);
      }
      const ifVersion = options.bind ? await currentVersion(client, path('flags', key)) : pinned;
      const body = {
        at,
        change: source === undefined ? { enabled: options.enable === true } : { targeting: source.value },
        ...(options.reason === undefined ? {} : { reason: options.reason }),
        ...(ifVersion === undefined ? {} : { ifVersion }),
      };
      try {
        const created = await client.post<ScheduleResource>(schedulesPath(key, options.env), { body });
        output.data(created.body);
        const s = created.body;
        output.line(`Scheduled for ${key} in ${options.env} at ${s.at}: ${changeInWords(s.change)}${s.ifVersion === null ? '' : ` (if the flag is still at version ${s.ifVersion})`}`);
        output.line(`Schedule ${s.id}; cancel it with: flagstaff flags schedule cancel ${key} ${s.id} --env ${options.env}`);
      } catch (error) {
        // The file is the body's change.targeting: name its lines for the problem's pointers into it.
        if (source !== undefined && error instanceof CliError) {
          error.locate = (pointer) => (pointer.startsWith('#/change/targeting') ? source.locate(`#${pointer.slice('#/change/targeting'.length)}`) : undefined);
        }
        throw error;
      }
    });

  schedule
    .command('list <key>')
    .description("a flag's schedules in one environment, by time: id, time, change, status, who scheduled it, reason")
    .requiredOption('--env <env>', 'the environment')
    .option('--status <status>', 'only those pending, applied, failed or cancelled')
    .action(async (key: string, options: { env: string; status?: string }, command: Command) => {
      const { client, output } = contextFor(command, io);
      const listed = await client.get<{ schedules: ScheduleResource[] }>(schedulesPath(key, options.env), { query: { status: options.status } });
      output.data(listed.body);
      output.line(renderSchedules(listed.body.schedules, key, options.env, options.status));
    });

  schedule
    .command('cancel <key> <id>')
    .description('cancel a pending schedule (exit 4 once it applied, failed or was cancelled)')
    .requiredOption('--env <env>', 'the environment')
    .option('--reason <text>', 'recorded with the cancellation')
    .action(async (key: string, id: string, options: { env: string; reason?: string }, command: Command) => {
      const { client, output } = contextFor(command, io);
      const cancelled = await client.delete<ScheduleResource>(schedulesPath(key, options.env, id), {
        ...(options.reason === undefined ? {} : { body: { reason: options.reason } }),
      });
      output.data(cancelled.body);
      output.line(`Cancelled schedule ${id} of ${key} in ${options.env} (${changeInWords(cancelled.body.change)} at ${cancelled.body.at})`);
    });
}
