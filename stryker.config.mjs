// Mutation testing of the core: how many deliberate small bugs the tests catch. Run it with `npm run mutation`.
// Mutants that cannot change behaviour are disabled where they occur, with a `// Stryker disable` comment giving
// the reason; the summary (bench/results/mutation/SUMMARY.md) lists them.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.mutation.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  ignorePatterns: ['.stryker-tmp', 'bench/results', 'dist', 'data', 'test-artifacts', '.flagstaff-test-*', 'infra/.cache'],
  // Mutants in code that runs when a module loads (schemas, tables) are tested too: Stryker reloads the module
  // and runs every test for each, which is slower, but validation lives mostly in such code.
  ignoreStatic: false,
  concurrency: 2,
  timeoutMS: 20_000,
  // `npm run mutation` (bench/mutation.ts) runs one module at a time, naming what to mutate, where to keep the
  // module's results (the incremental file, reused by the next run) and its HTML report.
  incremental: true,
  reporters: ['clear-text', 'progress', 'html'],
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
