import { defineConfig } from 'vitest/config';

// The tests Stryker runs against each mutant (`npm run mutation`): every unit test, and the analytics-store
// contract on embedded DuckDB, which is what checks the analysis SQL the planner writes. Integration tests that
// start the whole app would cover every mutant of the core at once and make a run take hours on two cores;
// what they check beyond these is the HTTP edge, which is not mutated.
export default defineConfig({
  test: {
    include: ['test/**/*.unit.test.ts', 'test/analytics/store/duckdb-analytics-store.int.test.ts'],
    // Over a million values compiled to pass the shared-conditions bound: minutes per mutant once instrumented.
    exclude: ['node_modules/**', 'test/evaluation/shared-conditions-bound.unit.test.ts'],
    // Instrumented code runs several times slower than plain: a unit test's 5 s default is not enough.
    testTimeout: 120_000,
  },
});
