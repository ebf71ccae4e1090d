import { describe, expect, it } from 'vitest';
import { fuzzBenchReport, type FuzzCampaign } from '../../bench/fuzz-results.ts';
import { formatReport } from '../../bench/harness.ts';

const campaign: FuzzCampaign = {
  seed: 1234,
  runs: 3_000,
  mode: 'survey',
  cases: 3_000,
  serverErrors: 0,
  appended: 41,
  statuses: { createFlag: { '201': 30, '400': 900, '415': 70 }, getFlag: { '200': 1_000, '404': 990, '400': 10 } },
  failures: [{ class: 'no field pointer on 400/422 · 400 · GET /admin/flags/{key}: …', count: 2, operations: ['GET /admin/flags/{key}'], detail: '400 bad', example: 'GET /admin/flags/x%' }],
  durationMs: 60_000,
};
const context = { startedAt: '2026-12-07T12:00:00.000Z', machine: { cpus: 2, cpuModel: 'test cpu', memoryGiB: 4, node: 'v20' }, code: { commit: 'abc123def4567890', uncommitted: [], startScript: 'node src/main.ts' } };

describe('the fuzz figure (bench/results/fuzz.json)', () => {
  it('counts the cases, every answer by status over all operations, the 5xx and the failures, with the seed and the code', () => {
    const report = fuzzBenchReport(campaign, context);
    expect(report.bench).toBe('fuzz');
    expect(report.code).toEqual(context.code);
    expect(report.fuzz).toMatchObject({ seed: 1234, mode: 'survey', runs: 3_000, cases: 3_000, operations: 2, serverErrors: 0, appended: 41, durationSeconds: 60, failures: campaign.failures });
    expect(Object.entries(report.fuzz.statuses)).toEqual([
      ['200', 1_000],
      ['201', 30],
      ['400', 910],
      ['404', 990],
      ['415', 70],
    ]);
    expect(report.fuzz.replay).toBe('FLAGSTAFF_FUZZ_SEED=1234 FLAGSTAFF_FUZZ_RUNS=3000 FLAGSTAFF_FUZZ_MODE=survey npx vitest run test/http/hostile-input.int.test.ts');
    expect(report.measurements.map((m) => [m.name.split(' (')[0], m.value, m.unit, m.target ?? null])).toEqual([
      ['hostile requests sent', 3_000, 'cases', null],
      ['answered 5xx', 0, 'responses', '0'],
      ['failure classes', 1, 'classes', '0'],
      ['failing cases', 2, 'cases', '0'],
      ['answered 200', 1_000, 'responses', null],
      ['answered 201', 30, 'responses', null],
      ['answered 400', 910, 'responses', null],
      ['answered 404', 990, 'responses', null],
      ['answered 415', 70, 'responses', null],
      ['cases after which the event store had moved', 41, 'cases', null],
      ['duration', 60, 's', null],
    ]);
  });

  it('reads in RESULTS.md as a section of its own, naming the commit', () => {
    const section = formatReport(fuzzBenchReport(campaign, context));
    expect(section).toContain('## fuzz — 2026-12-07T12:00:00.000Z');
    expect(section).toContain('Code: commit abc123def456; server started as `node src/main.ts`');
    expect(section).toContain('| hostile requests sent (cases) | 3,000 cases |');
    expect(section).toContain('| answered 5xx | 0 responses |  |  | 0 |');
    expect(section).toContain('| answered 201 | 30 responses |');
    expect(section).toContain('| duration | 60 s |');
  });
});
