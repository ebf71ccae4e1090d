import { defineConfig } from 'vitest/config';

// The tests Stryker runs against each mutant (`npm run mutation`): every unit test, and the analytics-store
// contract on embedded DuckDB, which is what checks the analysis SQL the planner writes. Integration tests that
// start the whole app would cover every mutant of the core at once and make a run take hours on two cores;
// what they check beyond these is the HTTP edge, which is not mutated.
export default defineConfig({
  test: {
    include: ['test/**/*.unit.test.ts', 'test/analytics/store/duckdb-analytics-store.int.test.ts'],
    exclude: [
      'node_modules/**',
      // Over a million values compiled to pass the shared-conditions bound: minutes per mutant once instrumented.
      'test/evaluation/shared-conditions-bound.unit.test.ts',
      // The stats engine's calibration by simulation (2,000 seeded experiments per case) and its robustness fuzz
      // (tens of thousands of random inputs): 15 s per mutant of the engine, hours per run. They guard properties
      // (error rates, no NaN anywhere) rather than values; a mutant is counted caught only by the exact tests.
      'test/analytics/simulation.unit.test.ts',
      'test/analytics/fuzz.unit.test.ts',
    ],
    // Instrumented code runs several times slower than plain: a unit test's 5 s default is not enough.
    testTimeout: 120_000,
  },
});
