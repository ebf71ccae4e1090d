import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { CliError, ConflictError } from '../cli-errors.ts';
import { contextFor } from '../cli-context.ts';
import type { Io } from '../output.ts';
import { readSourceFile } from '../source-file.ts';

/**
 * Loaded when export or import runs, not when the CLI starts: the configuration's schemas bring zod, RE2 and
 * semver, which every other command would pay for at startup.
 */
const configuration = () => import('../configuration.ts');
const importing = async () => ({ ...(await import('../import-plan.ts')), ...(await import('../import-apply.ts')), ...(await import('../render/plan-render.ts')) });

export function configCommands(program: Command, io: Io): void {
  program
    .command('export')
    .description('the whole configuration (environments, segments, flags with targeting, metrics, experiments) as YAML')
    .option('--out <file>', 'write to this file (.json for JSON) instead of stdout')
    .action(async (options: { out?: string }, command: Command) => {
      const { client, output } = contextFor(command, io);
      const [{ fetchConfiguration }, { stringify }] = await Promise.all([configuration(), import('yaml')]);
      const { document } = await fetchConfiguration(client);
      const asJson = output.json || options.out?.endsWith('.json') === true;
      const text = asJson ? `${JSON.stringify(document, null, 2)}\n` : stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
      if (options.out === undefined) io.stdout.write(text);
      else {
        await writeFile(options.out, text);
        output.note(
          `Exported ${document.environments.length} environments, ${document.segments.length} segments, ${document.flags.length} flags, ` +
            `${document.metrics.length} metrics, ${document.experiments.length} experiments to ${options.out}`,
        );
      }
    });

  program
    .command('import <file>')
    .description('make the server match a configuration file: prints the plan (a dry run) first, applies it only with --yes or when confirmed')
    .option('--yes', 'apply without asking')
    .action(async (file: string, options: { yes?: boolean }, command: Command) => {
      const { client, output } = contextFor(command, io);
      const [{ fetchConfiguration, parseConfiguration }, { planImport, applyPlan, ImportInterrupted, describeCommand, renderPlan }] = await Promise.all([configuration(), importing()]);
      const source = await readSourceFile(file);
      let desired;
      try {
        desired = parseConfiguration(source.value);
      } catch (error) {
        if (error instanceof CliError) error.locate = source.locate;
        throw error;
      }
      const current = await fetchConfiguration(client);
      const plan = planImport(desired, current.document);
      // The plan goes to stderr under --json, so stdout carries only the JSON answer.
      const show = output.json ? (text: string) => output.note(text) : (text: string) => output.line(text);
      show(renderPlan(plan));
      if (plan.blockers.length > 0) {
        const error = new ConflictError(`${file} cannot be imported: nothing was changed`, plan.blockers);
        error.locate = source.locate;
        throw error;
      }
      const answer = (applied: number, dryRun: boolean) => ({ dryRun, applied, commands: plan.commands });
      if (plan.commands.length === 0) return output.data(answer(0, false));
      const confirmed = options.yes === true || (await confirm(io, `Apply ${plan.commands.length} command(s) to ${command.optsWithGlobals<{ url?: string }>().url ?? io.env['FLAGSTAFF_URL'] ?? 'the server'}? [y/N] `));
      if (!confirmed) {
        show('Dry run: nothing was changed. Run again with --yes to apply.');
        return output.data(answer(0, true));
      }
      try {
        await applyPlan(client, plan.commands, current.versions, (c, i) => show(`  applied ${i + 1}/${plan.commands.length}: ${describeCommand(c)}`));
      } catch (error) {
        if (error instanceof ImportInterrupted) {
          output.note(`Import stopped at ${describeCommand(error.failed)} after ${error.applied} of ${plan.commands.length} command(s); run it again to apply the rest.`);
          throw error.cause;
        }
        throw error;
      }
      show(`Applied ${plan.commands.length} command(s).`);
      output.data(answer(plan.commands.length, false));
    });
}

/** Asks on a terminal only; piped or scripted, there is nobody to answer, so the answer is no. */
async function confirm(io: Io, question: string): Promise<boolean> {
  if (!io.stdin.isTTY || !io.stdout.isTTY) return false;
  const readline = createInterface({ input: io.stdin, output: io.stdout as NodeJS.WritableStream });
  try {
    return /^y(es)?$/i.test((await readline.question(question)).trim());
  } finally {
    readline.close();
  }
}
