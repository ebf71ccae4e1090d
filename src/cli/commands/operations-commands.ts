import type { Command } from 'commander';
import type { ApiClient } from '../api-client.ts';
import { ApiError, InvariantError } from '../cli-errors.ts';
import { contextFor, isoTime, positiveInteger } from '../cli-context.ts';
import { parseContext } from '../context-args.ts';
import type { Io, Output } from '../output.ts';
import { renderTable } from '../output.ts';
import { renderExplanation, type ExplainAnswer } from '../render/explain-render.ts';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function operationsCommands(program: Command, io: Io): void {
  program
    .command('explain <flag> <env>')
    .description('evaluate a flag for a context and show why: the result and the trace of every check')
    .option('--context <key=value>', 'a context attribute (repeatable); numbers and true/false are typed, key:=<json> for JSON', collect, [])
    .option('--at <time>', 'against the configuration at this time (ISO 8601)')
    .option('--revision <n>', 'against the configuration at this log position (the revision an evaluation reported)')
    .action(async (flagKey: string, environment: string, options: { context: string[]; at?: string; revision?: string }, command: Command) => {
      const { client, output } = contextFor(command, io);
      const body = {
        flagKey,
        environment,
        context: parseContext(options.context),
        ...(options.at === undefined ? {} : { at: isoTime('--at', options.at) }),
        ...(options.revision === undefined ? {} : { revision: positiveInteger('--revision', options.revision) }),
      };
      const answer = await client.post<ExplainAnswer>('/admin/explain', { body });
      output.data(answer.body);
      output.line(renderExplanation(answer.body));
    });

  const projections = program.command('projections').description('the read model');
  projections
    .command('status')
    .description('the read model: live or not, its position, each environment revision, the last rebuild')
    .action(async (_options: unknown, command: Command) => {
      const { client, output } = contextFor(command, io);
      const status = await client.get<ProjectionsStatus>('/admin/projections');
      output.data(status.body);
      const { readModel, rebuild } = status.body;
      output.line(`read model: ${readModel.live ? 'live' : 'NOT LIVE'} at position ${readModel.position}${readModel.lastError ? ` (last error: ${readModel.lastError})` : ''}`);
      output.line(renderTable(['environment', 'revision'], Object.entries(readModel.environments)));
      if (rebuild) output.line(`last rebuild: ${rebuild.state}, ${rebuild.events} events up to position ${rebuild.position} of ${rebuild.target}, started ${rebuild.startedAt}`);
    });
  projections
    .command('rebuild')
    .description('replay the whole log into a fresh read model and prove by hash it equals the live one, and flag by flag that both equal the flag streams folded (with a progress bar)')
    .action(async (_options: unknown, command: Command) => {
      const { client, output } = contextFor(command, io);
      const report = await rebuildWithProgress(client, output, io);
      output.data(report);
      output.line(`Rebuilt the read model: ${report.events} events replayed in ${Math.round(report.milliseconds)} ms up to position ${report.position}`);
      output.line(`live    ${report.liveHash}\nrebuilt ${report.rebuiltHash}`);
      output.line('equal: the read model is the log, replayed');
    });
}

/**
 * `POST /admin/projections/rebuild` answers only when the rebuild is over, so while it runs the bar follows
 * `GET /admin/projections`, whose `rebuild` field reports the position reached. The bar draws on stderr when
 * it is a terminal (cli-progress draws nothing otherwise), so piped output stays clean.
 */
async function rebuildWithProgress(client: ApiClient, output: Output, io: Io): Promise<RebuildReport> {
  // Only this command draws a bar: loaded here, not when the CLI starts.
  const { Presets, SingleBar } = await import('cli-progress');
  const before = await client.get<ProjectionsStatus>('/admin/projections');
  const bar = new SingleBar(
    { stream: io.stderr as NodeJS.WritableStream, format: 'rebuilding [{bar}] {percentage}% | position {value}/{total} | {events} events', hideCursor: true },
    Presets.shades_classic,
  );
  const show = !output.json;
  if (show) bar.start(Math.max(1, before.body.readModel.position), 0, { events: 0 });
  let finished = false;
  const rebuild = client.post<RebuildReport>('/admin/projections/rebuild', { noTimeout: true }).finally(() => {
    finished = true;
  });
  try {
    while (!finished) {
      await Promise.race([rebuild.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 100))]);
      if (finished) break;
      // Progress is only a view: a poll that fails must not fail a rebuild that is still running.
      const status = await client.get<ProjectionsStatus>('/admin/projections').catch(() => undefined);
      const progress = status?.body.rebuild;
      if (show && progress?.state === 'running') {
        bar.setTotal(Math.max(1, progress.target));
        bar.update(progress.position, { events: progress.events });
      }
    }
    const report = (await rebuild).body;
    if (show) {
      bar.setTotal(Math.max(1, report.position));
      bar.update(report.position, { events: report.events });
    }
    return report;
  } catch (error) {
    if (error instanceof ApiError && error.problem.status === 500 && error.problem['equal'] === false) {
      const p = error.problem;
      const at = `at position ${String(p['position'])}`;
      const differing = (p['flagsDifferingFromFold'] ?? {}) as Partial<RebuildReport['flagsDifferingFromFold']>;
      const findings = [
        ...(p['liveHash'] === p['rebuiltHash'] ? [] : [`the rebuilt read model differs from the live one ${at}: live ${String(p['liveHash'])}, rebuilt ${String(p['rebuiltHash'])}`]),
        ...(['live', 'rebuilt'] as const).flatMap((model) => {
          const keys = differing[model] ?? [];
          return keys.length > 0 ? [`flags of the ${model} read model differ from the fold of their streams ${at}: ${keys.join(', ')}`] : [];
        }),
      ];
      throw new InvariantError(findings.join('; '));
    }
    throw error;
  } finally {
    if (show) bar.stop();
  }
}

interface ProjectionsStatus {
  readModel: { live: boolean; position: number; lastError?: string; environments: Record<string, number> };
  rebuild: { state: string; events: number; position: number; target: number; startedAt: string } | null;
}

interface RebuildReport {
  position: number;
  events: number;
  liveHash: string;
  rebuiltHash: string;
  /** Flags whose definition differs from a fold of their streams by the shared evolution, by model. */
  flagsDifferingFromFold: { live: string[]; rebuilt: string[] };
  equal: boolean;
  milliseconds: number;
}
