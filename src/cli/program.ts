import { Command } from 'commander';
import { accessCommands } from './commands/access-commands.ts';
import { analysisCommands } from './commands/analysis-commands.ts';
import { configCommands } from './commands/config-commands.ts';
import { environmentCommands } from './commands/environment-commands.ts';
import { flagCommands } from './commands/flag-commands.ts';
import { operationsCommands } from './commands/operations-commands.ts';
import { segmentCommands } from './commands/segment-commands.ts';
import { DEFAULT_URL } from './cli-context.ts';
import { EXIT_CODES_HELP } from './exit-codes.ts';
import type { Io } from './output.ts';

/** The `flagstaff` command line: every command a thin caller of the admin API. */
export function createProgram(io: Io): Command {
  const program = new Command('flagstaff')
    .description('Flagstaff from the command line: flags, segments, environments, SDK keys, admin tokens, export/import, experiments, operations (the admin API)')
    .option('--url <url>', `the Flagstaff server (or FLAGSTAFF_URL; default ${DEFAULT_URL})`)
    .option('--token <token>', 'an admin token (or FLAGSTAFF_TOKEN)')
    .option('--json', "print the API's JSON instead of tables (errors: the problem document)")
    .option('--timeout <ms>', 'per request, in milliseconds (default 30000)')
    .addHelpText(
      'after',
      `\nExamples:\n  flagstaff flags list\n  flagstaff flags toggle new-checkout production off --reason "incident 42"\n  flagstaff flags schedule create new-checkout --env production --at +2h --enable --reason "launch"\n  flagstaff flags stale --days 30\n  flagstaff keys create --env production --kind server\n  flagstaff explain new-checkout production --context targetingKey=user-7 --context country=US\n  flagstaff export --out flagstaff.yaml && flagstaff import flagstaff.yaml --yes\n\n${EXIT_CODES_HELP}`,
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });
  flagCommands(program, io);
  segmentCommands(program, io);
  environmentCommands(program, io);
  accessCommands(program, io);
  configCommands(program, io);
  analysisCommands(program, io);
  operationsCommands(program, io);
  return program;
}
