import { CommanderError } from 'commander';
import { EXIT, type ExitCode } from './exit-codes.ts';
import { Output, type Io } from './output.ts';
import { renderFailure } from './problem-output.ts';
import { createProgram } from './program.ts';

/** Runs one command line; resolves to the exit code (see exit-codes.ts) instead of exiting, so tests can call it. */
export async function runCli(argv: readonly string[], io: Io): Promise<ExitCode> {
  const program = createProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version asked for are successes; every other commander error is a usage error it already printed.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    }
    return renderFailure(error, new Output(io, argv.includes('--json')));
  }
}
