import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { provenance, resultsDir } from './harness.ts';

/**
 * `npm run planted [change...]`: realistic bugs planted in the core one at a time, each of which the unit and
 * integration tests must catch (issue 15, "Tests that catch what they claim"). A change is an exact text
 * replacement in today's source; its find text must occur exactly once, so when the code moves the script fails
 * instead of quietly testing nothing. Each change runs only the tests that cover it (two cores, other jobs), and
 * counts as caught only when a test fails: a file that no longer loads, or tests that failed before the change,
 * prove nothing. Without names, every change runs and bench/results/mutation/planted-changes.md is rewritten.
 */

interface Edit {
  readonly find: string;
  readonly replace: string;
}

interface PlantedChange {
  readonly name: string;
  /** What the bug does, for the results table. */
  readonly change: string;
  readonly file: string;
  /** All applied together; each find text must occur exactly once in the file as committed. */
  readonly edits: readonly Edit[];
  /** Test files or directories (vitest filters), unit and integration only. */
  readonly tests: readonly string[];
}

const EVALUATION_TESTS = ['test/evaluation'];
const STATS_TESTS = ['test/analytics/compare.unit.test.ts', 'test/analytics/golden-cases.unit.test.ts', 'test/analytics/experiment-results.unit.test.ts', 'test/analytics/stats-api.int.test.ts'];
const FLAG_DECIDER_TESTS = ['test/write/flag-decider.unit.test.ts', 'test/http/admin-flags.int.test.ts'];
const COMMAND_HANDLER_TESTS = ['test/shared/command-handler'];

const changes: readonly PlantedChange[] = [
  {
    name: 'lt',
    change: '`lt` compares with `<=`',
    file: 'src/evaluation/conditions.ts',
    edits: [{ find: "case 'lt':\n      return numberTest(attribute, Number(values[0]), (n, t) => n < t);", replace: "case 'lt':\n      return numberTest(attribute, Number(values[0]), (n, t) => n <= t);" }],
    tests: EVALUATION_TESTS,
  },
  {
    name: 'after',
    change: '`after` compares with `>=`',
    file: 'src/evaluation/conditions.ts',
    edits: [{ find: 'const test = (v: unknown): boolean => instant(v) > at;', replace: 'const test = (v: unknown): boolean => instant(v) >= at;' }],
    tests: EVALUATION_TESTS,
  },
  {
    name: 'lte',
    change: '`lte` compares with `<`',
    file: 'src/evaluation/conditions.ts',
    edits: [{ find: "case 'lte':\n      return numberTest(attribute, Number(values[0]), (n, t) => n <= t);", replace: "case 'lte':\n      return numberTest(attribute, Number(values[0]), (n, t) => n < t);" }],
    tests: EVALUATION_TESTS,
  },
  {
    name: 'less-bound',
    change: 'one-sided "less" upper bound Δ − margin instead of Δ + margin',
    file: 'src/analytics/stats/frequentist.ts',
    edits: [{ find: 'interval: [null, effect.estimate + margin]', replace: 'interval: [null, effect.estimate - margin]' }],
    tests: STATS_TESTS,
  },
  {
    name: 'relative-abs',
    change: 'relative effect divides by the control mean without `Math.abs`',
    file: 'src/analytics/stats/effect.ts',
    edits: [{ find: 'estimate: (treatment.mean - control.mean) / Math.abs(control.mean),', replace: 'estimate: (treatment.mean - control.mean) / control.mean,' }],
    tests: STATS_TESTS,
  },
  {
    name: 'toggle-archived',
    change: 'toggling an archived flag allowed (the live check dropped from ToggleFlag)',
    file: 'src/write/flags/flag-decider.ts',
    edits: [{ find: "case 'ToggleFlag': {\n      requireLive(state);\n", replace: "case 'ToggleFlag': {\n" }],
    tests: FLAG_DECIDER_TESTS,
  },
  {
    name: 'append-any',
    change: "every append with `expectedVersion: 'any'` (the command's events and the Idempotency-Key records)",
    file: 'src/shared/command-handler.ts',
    edits: [
      { find: '{ expectedVersion: expectedVersionAt(version) }', replace: "{ expectedVersion: 'any' }" },
      { find: 'await store.append(noOpRecordStream(key), [event], { expectedVersion });', replace: "await store.append(noOpRecordStream(key), [event], { expectedVersion: 'any' });" },
    ],
    tests: [...COMMAND_HANDLER_TESTS, 'test/http/cross-stream-invariants.int.test.ts', 'test/http/idempotency-shared-name.int.test.ts'],
  },
  {
    name: 'openapi-required',
    change: '`required` stripped from every published OpenAPI schema (components, at every depth)',
    file: 'src/http/openapi/openapi-document.ts',
    edits: [
      {
        find: 'Object.entries(value).map(([k, v]) =>',
        replace: "Object.entries(value).filter(([k, v]) => !(k === 'required' && Array.isArray(v))).map(([k, v]) =>",
      },
    ],
    tests: ['test/http/openapi.unit.test.ts', 'test/http/openapi.int.test.ts'],
  },
  {
    name: 'prerequisite-cycle',
    change: 'prerequisite-cycle check removed (a targeting that closes a cycle is accepted)',
    file: 'src/write/flags/flag-decider.ts',
    edits: [{ find: "    if (cycle) issues.push(issue([...path, 'flagKey'], `would form a prerequisite cycle: ${[flag.key, ...cycle].join(' → ')}`));\n", replace: '' }],
    tests: FLAG_DECIDER_TESTS,
  },
  {
    name: 'stream-deltas',
    change: 'stream deltas never list deleted flags or segments (an archived flag stays in streaming SDKs)',
    file: 'src/read/stream-hub.ts',
    edits: [{ find: 'deleted: Object.keys(before).filter((key) => !(key in after)),', replace: 'deleted: [] as string[],' }],
    tests: ['test/read/stream-hub.unit.test.ts', 'test/sdk/snapshot-delta.unit.test.ts', 'test/read/read-api.int.test.ts'],
  },
  {
    name: 'first-exposure',
    change: "a unit's first exposure taken as its last (`max(ts) AS f` in the DuckDB analysis)",
    file: 'src/analytics/store/analysis-sql.ts',
    edits: [{ find: 'units AS MATERIALIZED (SELECT unit_id, min(ts) AS f,', replace: 'units AS MATERIALIZED (SELECT unit_id, max(ts) AS f,' }],
    tests: ['test/analytics/store/analysis-sql.unit.test.ts', 'test/analytics/store/duckdb-analytics-store.int.test.ts'],
  },
  {
    name: 'ingest-validation',
    change: 'ingest refuses a batch only when every event is invalid (the valid ones of a mixed batch are published)',
    file: 'src/read/ingest.ts',
    edits: [{ find: 'if (issues.length > 0) {', replace: 'if (issues.length > 0 && valid.length === 0) {' }],
    tests: ['test/read/ingest.unit.test.ts'],
  },
  {
    name: 'murmur3-constant',
    change: 'murmur3 constant c1 0xcc9e2d51 altered by one digit (0xcc9e2d50)',
    file: 'src/evaluation/murmur3.ts',
    edits: [{ find: 'const C1 = 0xcc9e2d51;', replace: 'const C1 = 0xcc9e2d50;' }],
    tests: EVALUATION_TESTS,
  },
  {
    name: 'if-match',
    change: 'If-Match pre-check skipped (a stale If-Match appends at the current version)',
    file: 'src/shared/command-handler.ts',
    edits: [{ find: 'if (context.expectedVersion !== undefined && context.expectedVersion !== version) {', replace: 'if (false) {' }],
    tests: [...COMMAND_HANDLER_TESTS, 'test/http/admin-flags.int.test.ts'],
  },
];

const repoRoot = path.resolve(import.meta.dirname, '..');
const tmpDir = path.join(resultsDir, 'tmp', 'planted-changes');
const resultsFile = path.join(resultsDir, 'mutation', 'planted-changes.md');
const vitestArgs = (tests: readonly string[], report: string): string[] => [
  'vitest', 'run', '--project', 'unit', '--project', 'int', ...tests, '--reporter=json', `--outputFile=${report}`,
];
const shownCommand = (tests: readonly string[]): string => `npx vitest run --project unit --project int ${tests.join(' ')}`;

// The file under change and its bytes as committed: put back after each run, on an error, a signal or exit.
let planted: { file: string; original: Buffer } | undefined;
let running: ChildProcess | undefined;
function restore(): void {
  if (!planted) return;
  writeFileSync(planted.file, planted.original);
  planted = undefined;
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    running?.kill('SIGTERM');
    restore();
    console.error(`\n${signal}: the planted change was undone; stopping`);
    process.exit(130);
  });
}
process.on('exit', restore);

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !changes.some((c) => c.name === name));
if (unknown.length > 0) fail(`Unknown change(s): ${unknown.join(', ')}. Known: ${changes.map((c) => c.name).join(', ')}`);
const selected = wanted.length === 0 ? changes : changes.filter((c) => wanted.includes(c.name));

const files = [...new Set(selected.map((c) => c.file))];
const dirty = git('status', '--porcelain', '--', ...files).trim();
if (dirty !== '') fail(`Uncommitted changes in the files this would change; commit or stash them first:\n${dirty}`);
const moved = selected.flatMap((c) => {
  const text = readFileSync(path.join(repoRoot, c.file), 'utf8');
  return c.edits.map((e) => ({ c, e, count: text.split(e.find).length - 1 })).filter(({ count }) => count !== 1);
});
if (moved.length > 0) {
  fail(`The code moved: update these changes' find texts.\n${moved.map(({ c, e, count }) => `- ${c.name} (${c.file}): found ${count} times, not once: ${JSON.stringify(e.find)}`).join('\n')}`);
}

interface Outcome {
  readonly caught: boolean;
  readonly failedFiles: string[];
  readonly firstFailure: string | undefined;
  readonly seconds: number;
}

const measured = provenance();
mkdirSync(tmpDir, { recursive: true });

// The tests must pass on the code as it is, or a failure under a change would prove nothing.
const allTests = [...new Set(selected.flatMap((c) => c.tests))];
console.log(`▶ baseline: ${shownCommand(allTests)}`);
const baseline = await runTests(allTests, 'baseline');
if (baseline.caught) fail(`The tests fail without any change (${baseline.failedFiles.join(', ')}): ${baseline.firstFailure}`);

const outcomes: { change: PlantedChange; outcome: Outcome }[] = [];
for (const change of selected) {
  console.log(`▶ ${change.name}: ${change.change}`);
  const file = path.join(repoRoot, change.file);
  const original = readFileSync(file);
  planted = { file, original };
  let outcome: Outcome;
  try {
    writeFileSync(file, change.edits.reduce((text, e) => text.replace(e.find, () => e.replace), original.toString('utf8')));
    outcome = await runTests(change.tests, change.name);
  } finally {
    restore();
  }
  if (!readFileSync(file).equals(original)) fail(`${change.file} was not restored exactly`);
  console.log(`  ${outcome.caught ? `caught by ${outcome.failedFiles.join(', ')}: ${outcome.firstFailure}` : 'NOT CAUGHT'} (${outcome.seconds} s)`);
  outcomes.push({ change, outcome });
}
rmSync(tmpDir, { recursive: true, force: true });

const missed = outcomes.filter(({ outcome }) => !outcome.caught);
if (wanted.length === 0) {
  writeFileSync(resultsFile, report());
  console.log(`→ ${path.relative(repoRoot, resultsFile)}`);
} else {
  console.log(`(only some changes ran: ${path.relative(repoRoot, resultsFile)} is left as it was)`);
}
console.log(`${outcomes.length - missed.length} of ${outcomes.length} planted changes caught`);
process.exitCode = missed.length > 0 ? 1 : 0;

/** Runs the tests; caught = some test failed. A run that fails with no failed test (a file that does not load) is an error. */
async function runTests(tests: readonly string[], label: string): Promise<Outcome> {
  const reportFile = path.join(tmpDir, `${label}.json`);
  rmSync(reportFile, { force: true });
  const started = Date.now();
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn('npx', vitestArgs(tests, reportFile), { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    running = child;
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
  running = undefined;
  const seconds = Math.round((Date.now() - started) / 1000);
  let json: VitestReport;
  try {
    json = JSON.parse(readFileSync(reportFile, 'utf8')) as VitestReport;
  } catch {
    fail(`${label}: vitest wrote no report (exit ${code}):\n${output.slice(-4000)}`);
  }
  if (json.numTotalTests === 0) fail(`${label}: no test ran for ${tests.join(' ')}`);
  const failedFiles = json.testResults.filter((r) => r.assertionResults.some((a) => a.status === 'failed')).map((r) => path.relative(repoRoot, r.name));
  const broken = json.testResults.filter((r) => r.status === 'failed' && !r.assertionResults.some((a) => a.status === 'failed'));
  if (broken.length > 0) fail(`${label}: test files failed without a failing test (did the change break loading?):\n${broken.map((r) => `${r.name}: ${r.message}`).join('\n')}`);
  if ((code === 0) !== (failedFiles.length === 0)) fail(`${label}: vitest exited ${code} with ${failedFiles.length} failing test files:\n${output.slice(-4000)}`);
  const first = json.testResults.flatMap((r) => r.assertionResults.filter((a) => a.status === 'failed').map((a) => `${path.relative(repoRoot, r.name)} › ${a.fullName}`))[0];
  return { caught: failedFiles.length > 0, failedFiles, firstFailure: first, seconds };
}

interface VitestReport {
  numTotalTests: number;
  testResults: { name: string; status: string; message: string; assertionResults: { fullName: string; status: string }[] }[];
}

function report(): string {
  const code = `${measured.commit.slice(0, 12)}${measured.uncommitted.length > 0 ? ` with uncommitted changes to ${measured.uncommitted.join(', ')}` : ''}`;
  const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const lines = [
    '# Planted changes',
    '',
    'Written by `npm run planted` (`npx tsx bench/planted-changes.ts`). Each row is a realistic bug planted in the',
    'core as an exact text replacement, then the unit and integration tests that cover that code, run as shown;',
    'the file is restored byte for byte afterwards. A change is caught when at least one test fails; the same tests',
    'passed on the unchanged code first. The replacements themselves are listed in bench/planted-changes.ts.',
    '',
    `Code: commit ${code}. Run finished ${new Date().toISOString()}.`,
    '',
    `Caught: ${outcomes.length - missed.length} of ${outcomes.length}.`,
    '',
    '| change | file | tests run | caught | first failing test | test files that failed | seconds |',
    '| --- | --- | --- | --- | --- | --- | ---: |',
    ...outcomes.map(({ change, outcome }) =>
      `| ${cell(change.change)} | ${change.file} | \`${cell(shownCommand(change.tests))}\` | ${outcome.caught ? 'yes' : '**no**'} | ${cell(outcome.firstFailure ?? '')} | ${outcome.failedFiles.join(', ')} | ${outcome.seconds} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' });
}

function fail(message: string): never {
  restore();
  console.error(message);
  process.exit(2);
}
