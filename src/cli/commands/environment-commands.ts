import type { Command } from 'commander';
import { contextFor, isoTime, path } from '../cli-context.ts';
import type { Io } from '../output.ts';
import { renderTable } from '../output.ts';

export interface EnvironmentResource {
  key: string;
  name: string;
  production: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
}

interface EnvironmentRollback {
  environment: string;
  toTime: string;
  dryRun: boolean;
  changed: number;
  changes: { flagKey: string; action: string; fromVersion: number; toVersion: number | null; changes: { path: string }[] }[];
}

/** Environments: each has its own targeting of every flag, its own SDK keys, its own experiment data. */
export function environmentCommands(program: Command, io: Io): void {
  // `env` was the first name (env rollback); both are accepted.
  const envs = program.command('envs').alias('env').description('environments: list, create, roll back');

  envs
    .command('list')
    .description('every environment')
    .action(async (_options: unknown, command: Command) => {
      const { client, output } = contextFor(command, io);
      const listed = await client.get<{ environments: EnvironmentResource[] }>('/admin/environments');
      output.data(listed.body);
      output.line(renderEnvironments(listed.body.environments));
    });

  envs
    .command('create <key>')
    .description('create an environment (every flag starts off in it; SDK keys are issued per environment)')
    .option('--name <name>', 'a display name (default: the key)')
    .option('--production', 'mark it as production (the web app asks before changing it)')
    .action(async (key: string, options: { name?: string; production?: boolean }, command: Command) => {
      const { client, output } = contextFor(command, io);
      const created = await client.post<EnvironmentResource>('/admin/environments', {
        body: { key, production: options.production === true, ...(options.name === undefined ? {} : { name: options.name }) },
      });
      output.data(created.body);
      output.line(`Created environment ${created.body.key} (${created.body.name}${created.body.production ? ', production' : ''})`);
    });

  envs
    .command('rollback <env>')
    .description("every flag's targeting in one environment as it was at a time; --dry-run shows what would change")
    .requiredOption('--to-time <time>', 'the time to go back to (ISO 8601)')
    .option('--reason <text>', 'why (required unless --dry-run)')
    .option('--dry-run', 'show the changes, change nothing')
    .action(async (environment: string, options: { toTime: string; reason?: string; dryRun?: boolean }, command: Command) => {
      const { client, output } = contextFor(command, io);
      const answer = await client.post<EnvironmentRollback>(path('environments', environment, 'rollback'), {
        body: { toTime: isoTime('--to-time', options.toTime), dryRun: options.dryRun === true, ...(options.reason === undefined ? {} : { reason: options.reason }) },
      });
      output.data(answer.body);
      const { changes } = answer.body;
      output.line(`${answer.body.dryRun ? 'Dry run: would change' : 'Changed'} ${answer.body.changed} flag(s) in ${environment} back to ${answer.body.toTime}`);
      if (changes.length > 0) {
        output.line(
          renderTable(
            ['flag', 'action', 'from version', 'to version', 'changes'],
            changes.map((c) => [c.flagKey, c.action, c.fromVersion, c.toVersion ?? (answer.body.dryRun ? '(dry run)' : null), c.changes.map((d) => d.path).join(', ')]),
          ),
        );
      }
    });
}

export function renderEnvironments(environments: readonly EnvironmentResource[]): string {
  if (environments.length === 0) return 'No environments.';
  return renderTable(['key', 'name', 'production', 'version', 'created'], environments.map((e) => [e.key, e.name, e.production ? 'yes' : 'no', e.version, e.createdAt]));
}
