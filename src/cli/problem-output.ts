import { ApiError, CliError, ConflictError, UsageError } from './cli-errors.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';
import type { Output } from './output.ts';

/** Where a pointer lands in the file a request was read from, if it was (`targeting.yaml:7:9`). */
export type Locate = (pointer: string) => string | undefined;

/**
 * A failure for people: the problem's status and title, its detail, and every field error with its pointer
 * (and its place in the file the request came from). With --json the problem itself goes to stdout.
 */
export function renderFailure(error: unknown, output: Output): ExitCode {
  const locate = error instanceof CliError ? error.locate : undefined;
  if (error instanceof ApiError) {
    if (output.json) output.io.stdout.write(`${JSON.stringify(error.problem, null, 2)}\n`);
    else output.note(formatProblemText(error, locate));
    return error.exitCode;
  }
  if (error instanceof UsageError || error instanceof ConflictError) {
    if (output.json) output.io.stdout.write(`${JSON.stringify({ title: error.message, status: null, errors: error.issues }, null, 2)}\n`);
    else output.note(formatIssues(`Error: ${error.message}`, error.issues, locate));
    return error.exitCode;
  }
  if (error instanceof CliError) {
    if (output.json) output.io.stdout.write(`${JSON.stringify({ title: error.message, status: null }, null, 2)}\n`);
    else output.note(`Error: ${error.message}`);
    return error.exitCode;
  }
  output.note(`Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return EXIT.unexpected;
}

export function formatProblemText(error: ApiError, locate?: Locate): string {
  const { problem } = error;
  const heading = `Error: ${problem.status} ${problem.title ?? ''}`.trimEnd();
  const detail = problem.detail ? `\n  ${problem.detail}` : '';
  return formatIssues(`${heading}${detail}`, problem.errors ?? [], locate);
}

function formatIssues(heading: string, issues: readonly { pointer: string; detail: string }[], locate?: Locate): string {
  const lines = [heading];
  for (const issue of issues) {
    const where = locate?.(issue.pointer);
    lines.push(`  ${issue.pointer}  ${issue.detail}${where ? `  (${where})` : ''}`);
  }
  return lines.join('\n');
}
