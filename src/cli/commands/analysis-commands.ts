import type { Command } from 'commander';
import { CliError, UsageError } from '../cli-errors.ts';
import { contextFor, path } from '../cli-context.ts';
import { formatNumber, percent, renderPairs, type Cell, type Io } from '../output.ts';
import { renderResults, type ExperimentResults } from '../render/results-render.ts';
import { readSourceFile } from '../source-file.ts';

export function analysisCommands(program: Command, io: Io): void {
  const experiments = program.command('experiments').description('experiment results');
  experiments
    .command('results <key>')
    .description('per metric: units, mean or rate, lift with its interval, chance to win, p-value; SRM warning')
    .option('--correction <method>', 'none | holm | benjamini-hochberg (adjusts p-values over goal metrics)')
    .action(async (key: string, options: { correction?: string }, command: Command) => {
      const { client, output } = contextFor(command, io);
      const results = await client.get<ExperimentResults>(path('experiments', key, 'results'), { query: { correction: options.correction } });
      output.data(results.body);
      output.line(renderResults(results.body));
    });

  const stats = program.command('stats').description('the statistics engine on numbers of your own');
  stats
    .command('compare')
    .description('compare control and treatment from sufficient statistics (POST /admin/stats/compare)')
    .requiredOption('--file <file>', 'input.json (or YAML): { metricType, control: { n, sum, sumSquares }, treatment: {…}, method, … }')
    .action(async (options: { file: string }, command: Command) => {
      const { client, output } = contextFor(command, io);
      const source = await readSourceFile(options.file);
      if (source.value === null || typeof source.value !== 'object' || Array.isArray(source.value)) throw new UsageError(`${options.file} must hold an object`);
      try {
        const compared = await client.post<Record<string, unknown>>('/admin/stats/compare', { body: source.value });
        output.data(compared.body);
        output.line(renderComparison(compared.body));
      } catch (error) {
        if (error instanceof CliError) error.locate = source.locate;
        throw error;
      }
    });
}

/** A comparison as label/value rows; intervals as [low, high], shares as percentages. */
export function renderComparison(c: Record<string, unknown>): string {
  const num = (field: string): number | null => (typeof c[field] === 'number' ? (c[field] as number) : null);
  const interval = (field: string, relative: boolean): string | null => {
    const ci = c[field] as [number | null, number | null] | null | undefined;
    if (!ci) return null;
    const show = (v: number | null, open: string) => (v === null ? open : relative ? percent(v) : formatNumber(v));
    return `[${show(ci[0], '−∞')}, ${show(ci[1], '+∞')}]`;
  };
  const relative = c['effect'] !== 'absolute';
  const rows: [string, Cell][] = [
    ['comparison', `${String(c['variant'] ?? 'treatment')} vs ${String(c['baseline'] ?? 'control')}`],
    ['method', `${String(c['method'] ?? '')}${c['alternative'] ? `, ${String(c['alternative'])}` : ''}`],
    ['status', `${String(c['status'] ?? '')}${c['reason'] ? ` (${String(c['reason'])})` : ''}`],
    ['note', typeof c['note'] === 'string' ? c['note'] : null],
    ['relative lift', percent(num('relativeLift'))],
    [relative ? 'interval (relative)' : 'interval', interval('ci', relative)],
    ['absolute lift', num('absoluteLift')],
    ['interval (absolute)', interval('absoluteCi', false)],
    ['p-value', num('pValue')],
    ['chance to win', num('chanceToWin') === null ? null : `${((num('chanceToWin') ?? 0) * 100).toFixed(1)}%`],
    ['risk', num('risk')],
    ['significant', c['significant'] === true ? 'yes' : 'no'],
    ['verdict', (c['verdict'] as string | undefined) ?? null],
  ];
  return renderPairs(rows);
}
