import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** One measured figure. `baseline` names the figure of the same run it is compared with, if any. */
export interface Measurement {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number; unit: string; ratio: number };
  target?: string;
  notes?: string;
}

export interface BenchReport {
  bench: string;
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string };
  measurements: Measurement[];
  /** What was measured: the commit, whether the tree differed from it, and how `npm start` starts the server. */
  code?: Provenance;
}

export interface Provenance {
  commit: string;
  /** Files that differed from the commit when the report was written (bench/results aside). */
  uncommitted: string[];
  startScript: string;
}

const repoRoot = path.resolve(import.meta.dirname, '..');

/** A report as written and printed: naming the code it measured. */
export function stamped(report: BenchReport): BenchReport {
  return { ...report, code: report.code ?? provenance() };
}

/** Figures are facts only for the code they measured: every report names it. */
export function provenance(): Provenance {
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' });
  const uncommitted = git('status', '--porcelain', '--untracked-files=no')
    .split('\n')
    .map((line) => line.slice(3))
    .filter((file) => file !== '' && !file.startsWith('bench/results/'));
  const { scripts } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  return { commit: git('rev-parse', 'HEAD').trim(), uncommitted, startScript: scripts['start'] ?? '' };
}

export const resultsDir = path.join(import.meta.dirname, 'results');

export function machine(): BenchReport['machine'] {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}

/** Runs `work` `count` times, `concurrency` at a time; returns operations per second. */
export async function throughput(count: number, concurrency: number, work: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await work(next++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return count / seconds;
}

export function compared(name: string, value: number, unit: string, baseline: Measurement, extra: Partial<Measurement> = {}): Measurement {
  return { name, value, unit, baseline: { name: baseline.name, value: baseline.value, unit: baseline.unit, ratio: value / baseline.value }, ...extra };
}

export async function writeReport(report: BenchReport): Promise<string> {
  await fs.mkdir(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${report.bench}.json`);
  await fs.writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

/** Regenerates bench/results/RESULTS.md from every report on disk (`npm run bench`, `npm run soak`, `npm run fuzz`). */
export async function writeResultsIndex(): Promise<string> {
  const reports: BenchReport[] = [];
  for (const file of (await fs.readdir(resultsDir)).filter((f) => f.endsWith('.json')).sort()) {
    reports.push(JSON.parse(await fs.readFile(path.join(resultsDir, file), 'utf8')) as BenchReport);
  }
  const header = '# Benchmark results\n\nWritten by `npm run bench` (and `npm run soak`, `npm run fuzz`); every ratio compares two figures measured in the same run.';
  const file = path.join(resultsDir, 'RESULTS.md');
  await fs.writeFile(file, `${[header, ...reports.map(formatReport)].join('\n\n')}\n`);
  return file;
}

export function formatReport(report: BenchReport): string {
  const lines = [`## ${report.bench} — ${report.startedAt}`, '', `Machine: ${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}`, ''];
  const code = report.code;
  lines.splice(
    3,
    0,
    code
      ? `Code: commit ${code.commit.slice(0, 12)}${code.uncommitted.length > 0 ? ` with uncommitted changes to ${code.uncommitted.join(', ')}` : ''}; server started as \`${code.startScript}\``
      : 'Code: not recorded (measured before reports named their commit)',
  );
  lines.push('| measurement | value | baseline (same run) | ratio | target |', '| --- | ---: | --- | ---: | --- |');
  for (const m of report.measurements) {
    const base = m.baseline ? `${m.baseline.name}: ${round(m.baseline.value)} ${m.baseline.unit}` : '';
    const ratio = m.baseline ? `${m.baseline.ratio.toFixed(2)}×` : '';
    lines.push(`| ${m.name} | ${round(m.value)} ${m.unit} | ${base} | ${ratio} | ${m.target ?? ''} |`);
  }
  return lines.join('\n');
}

function round(value: number): string {
  // Counts (cases, requests, responses) read as counts: 20, not 20.00.
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : Number.isInteger(value) ? String(value) : value.toFixed(2);
}
