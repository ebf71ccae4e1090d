import { formatReport, stamped, writeReport, writeResultsIndex, type BenchReport } from './harness.ts';

/**
 * `npm run bench [name...]`: runs the benchmarks (all, or those named), writes each report to
 * bench/results/<name>.json and regenerates bench/results/RESULTS.md from every report on disk.
 */
const benches: Record<string, () => Promise<{ run: () => Promise<BenchReport> }>> = {
  'append-throughput': () => import('./append-throughput.bench.ts'),
  stats: () => import('./stats.bench.ts'),
  'read-api': () => import('./read-api.bench.ts'),
  'read-memory': () => import('./read-memory.bench.ts'),
  'local-evaluation': () => import('./local-evaluation.bench.ts'),
  pipeline: () => import('./pipeline.bench.ts'),
  'analytics-query': () => import('./analytics-query.bench.ts'),
  'time-travel': () => import('./time-travel.bench.ts'),
  'sdk-propagation': () => import('./sdk-propagation.bench.ts'),
  'cli-startup': () => import('./cli-startup.bench.ts'),
  'metrics-scrape': () => import('./metrics-scrape.bench.ts'),
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in benches));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Known: ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
for (const name of wanted.length > 0 ? wanted : Object.keys(benches)) {
  console.log(`▶ ${name}`);
  const report = stamped(await (await benches[name]!()).run());
  console.log(formatReport(report));
  console.log(`→ ${await writeReport(report)}\n`);
}

await writeResultsIndex();
