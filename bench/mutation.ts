import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Stryker } from '@stryker-mutator/core';
import { provenance, resultsDir, type Provenance } from './harness.ts';

/**
 * `npm run mutation [module...]`: mutation testing of the core, one module at a time (all, or those named).
 * Each module keeps its results in bench/results/mutation/<module>.json, which is also Stryker's incremental
 * file: the next run retests only the mutants whose code or covering tests changed. SUMMARY.md is regenerated
 * from every module's results on disk, with the commit each was measured on. Stryker keeps about one core busy,
 * so on two cores two modules go faster at once: `npm run mutation -- stats-math & npm run mutation -- stats-analysis`.
 * `npm run mutation -- --summary` only rewrites SUMMARY.md.
 */
const modules: Record<string, { about: string; mutate: string[] }> = {
  evaluation: { about: 'flag evaluation: conditions, compilation, bucketing, explanation', mutate: ['src/evaluation/**/*.ts'] },
  // The stats engine in two halves, each a run that fits a working session on two cores (2,060 mutants at once
  // took hours): the analyses, and the distributions and power calculations they stand on.
  'stats-analysis': {
    about: 'the statistics engine: comparisons, frequentist, Bayesian, sequential, CUPED, SRM, corrections, inputs, metric kinds',
    mutate: ['src/analytics/stats/**/*.ts', 'src/shared/metric-kinds/**/*.ts', '!src/analytics/stats/stats-routes.ts', '!src/analytics/stats/special-functions.ts', '!src/analytics/stats/distributions.ts', '!src/analytics/stats/power.ts'],
  },
  'stats-math': {
    about: 'the statistics engine: special functions, distributions, power',
    mutate: ['src/analytics/stats/special-functions.ts', 'src/analytics/stats/distributions.ts', 'src/analytics/stats/power.ts'],
  },
  deciders: {
    about: 'the command handler and every decider',
    mutate: ['src/shared/command-handler.ts', 'src/write/**/*-decider.ts', 'src/experiments/experiment.ts', 'src/experiments/metric.ts'],
  },
  'analysis-sql': {
    about: 'the analysis query planning and the SQL it writes',
    mutate: ['src/analytics/store/analysis-plan.ts', 'src/analytics/store/analysis-sql.ts', 'src/analytics/store/sql-literals.ts'],
  },
  ingest: { about: 'event ingest validation', mutate: ['src/read/ingest.ts', 'src/shared/tracked-events.ts'] },
};

const mutationDir = path.join(resultsDir, 'mutation');
const resultsFile = (name: string) => path.join(mutationDir, `${name}.json`);
const runsFile = path.join(mutationDir, 'runs.json');

type Status = 'Killed' | 'Survived' | 'NoCoverage' | 'CompileError' | 'RuntimeError' | 'Timeout' | 'Ignored' | 'Pending';
interface MutantResult {
  id: string;
  mutatorName: string;
  replacement?: string;
  status: Status;
  statusReason?: string;
  location: { start: { line: number; column: number } };
}
interface Report {
  files: Record<string, { source: string; mutants: MutantResult[] }>;
}
interface Run extends Provenance {
  finishedAt: string;
  seconds: number;
}

// `--summary` only rewrites SUMMARY.md from the results on disk (after merging results measured apart).
const summaryOnly = process.argv.includes('--summary');
const wanted = process.argv.slice(2).filter((arg) => arg !== '--summary');
const unknown = wanted.filter((name) => !(name in modules));
if (unknown.length > 0) {
  console.error(`Unknown module(s): ${unknown.join(', ')}. Known: ${Object.keys(modules).join(', ')}`);
  process.exit(2);
}

const readRuns = (): Record<string, Run> => (existsSync(runsFile) ? (JSON.parse(readFileSync(runsFile, 'utf8')) as Record<string, Run>) : {});
if (summaryOnly) await writeFile(path.join(mutationDir, 'SUMMARY.md'), summary());
for (const name of summaryOnly ? [] : wanted.length > 0 ? wanted : Object.keys(modules)) {
  console.log(`▶ mutation testing ${name}: ${modules[name]!.about}`);
  const started = Date.now();
  // The code as the run found it: Stryker copies the tree when it starts, and commits made while it runs are not measured.
  const measured = provenance();
  await new Stryker({
    mutate: modules[name]!.mutate,
    incrementalFile: resultsFile(name),
    htmlReporter: { fileName: path.join(mutationDir, 'html', `${name}.html`) },
  }).runMutationTest();
  const runs = { ...readRuns(), [name]: { ...measured, finishedAt: new Date().toISOString(), seconds: Math.round((Date.now() - started) / 1000) } };
  await writeFile(runsFile, `${JSON.stringify(runs, null, 2)}\n`);
  await writeFile(path.join(mutationDir, 'SUMMARY.md'), summary());
  console.log(`→ ${path.join(mutationDir, 'SUMMARY.md')}`);
}

/** Mutation score as Stryker counts it: detected (killed or timed out) over all valid mutants; ignored and
 * mutants that do not compile are not valid. */
function score(mutants: MutantResult[]): { detected: number; undetected: number; ignored: number; invalid: number; percent: number } {
  const count = (...statuses: Status[]) => mutants.filter((m) => statuses.includes(m.status)).length;
  const detected = count('Killed', 'Timeout');
  const undetected = count('Survived', 'NoCoverage');
  return {
    detected,
    undetected,
    ignored: count('Ignored'),
    invalid: count('CompileError', 'RuntimeError'),
    percent: detected + undetected === 0 ? 100 : (100 * detected) / (detected + undetected),
  };
}

function summary(): string {
  const runs = readRuns();
  const lines = [
    '# Mutation testing',
    '',
    'Written by `npm run mutation` (StrykerJS, vitest runner, TypeScript checker; tests: `vitest.mutation.config.ts`).',
    'Score = mutants detected (killed, or timed out) / mutants that compile and are not ignored. Ignored mutants are',
    'equivalent ones, disabled in the code by a `// Stryker disable` comment that gives the reason (listed below).',
    '',
    '| module | score | detected | survived or not covered | ignored (equivalent) | not compiling | commit |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  const details: string[] = [];
  for (const name of Object.keys(modules)) {
    if (!existsSync(resultsFile(name))) continue;
    const report = JSON.parse(readFileSync(resultsFile(name), 'utf8')) as Report;
    const files = Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b));
    const all = files.flatMap(([, file]) => file.mutants);
    const s = score(all);
    const run = runs[name];
    const commit = run ? `${run.commit.slice(0, 12)}${run.uncommitted.length > 0 ? ' (+ uncommitted changes)' : ''}` : 'unknown';
    lines.push(`| ${name} | ${s.percent.toFixed(1)}% | ${s.detected} | ${s.undetected} | ${s.ignored} | ${s.invalid} | ${commit} |`);

    details.push('', `## ${name}: ${modules[name]!.about}`, '', '| file | score | detected | undetected | ignored |', '| --- | ---: | ---: | ---: | ---: |');
    for (const [file, result] of files) {
      const f = score(result.mutants);
      details.push(`| ${file} | ${f.percent.toFixed(1)}% | ${f.detected} | ${f.undetected} | ${f.ignored} |`);
    }
    const survivors = files.flatMap(([file, result]) => result.mutants.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage').map((m) => ({ file, m })));
    if (survivors.length > 0) {
      details.push('', `Undetected (${survivors.length}):`, '');
      for (const { file, m } of survivors) details.push(`- ${file}:${m.location.start.line} ${m.mutatorName} → \`${oneLine(m.replacement)}\` (${m.status})`);
    }
    // Only a `// Stryker disable` comment with its reason ignores a mutant: a static one skipped by `ignoreStatic`
    // would be an untested one, and the config tests those.
    const ignored = files.flatMap(([file, result]) => result.mutants.filter((m) => m.status === 'Ignored').map((m) => ({ file, m })));
    if (ignored.length > 0) {
      details.push('', `Ignored as equivalent (${ignored.length}):`, '');
      for (const { file, m } of ignored) details.push(`- ${file}:${m.location.start.line} ${m.mutatorName} → \`${oneLine(m.replacement)}\`: ${m.statusReason ?? 'no reason given'}`);
    }
  }
  return `${[...lines, ...details].join('\n')}\n`;
}

function oneLine(text: string | undefined): string {
  const flat = (text ?? '').replace(/\s+/g, ' ').replaceAll('`', "'");
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}
