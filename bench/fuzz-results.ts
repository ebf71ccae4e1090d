import { machine, provenance, writeReport, writeResultsIndex, type BenchReport, type Measurement, type Provenance } from './harness.ts';

/**
 * `npm run fuzz` (test/http/hostile-input.int.test.ts with FLAGSTAFF_FUZZ_RECORD=1) reports like every benchmark:
 * bench/results/fuzz.json, and its section in bench/results/RESULTS.md. A figure to cite names how many cases
 * ran, what they were answered, the seed that replays them and the code they ran against. The bounded run of
 * `npm test` records nothing.
 */

/** What a campaign found (test/support/hostile/fuzz-campaign.ts's CampaignReport has this shape). */
export interface FuzzCampaign {
  readonly seed: number;
  readonly runs: number;
  readonly mode: string;
  readonly cases: number;
  readonly serverErrors: number;
  readonly appended: number;
  /** Answers by operation id, then by status. */
  readonly statuses: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly failures: readonly { readonly class: string; readonly count: number; readonly operations: readonly string[]; readonly detail: string; readonly example: string }[];
  readonly durationMs: number;
}

export interface FuzzBenchReport extends BenchReport {
  readonly fuzz: {
    readonly seed: number;
    readonly mode: string;
    /** Cases asked for; `cases` ran (fewer only when a `first`-mode run stopped at a failure). */
    readonly runs: number;
    readonly cases: number;
    readonly operations: number;
    /** Every answer by status, over all operations. */
    readonly statuses: Record<string, number>;
    readonly statusesByOperation: FuzzCampaign['statuses'];
    readonly serverErrors: number;
    readonly appended: number;
    readonly failures: FuzzCampaign['failures'];
    readonly durationSeconds: number;
    /** The command that replays exactly these cases. */
    readonly replay: string;
  };
}

/** Pure: the campaign as a benchmark report. */
export function fuzzBenchReport(campaign: FuzzCampaign, context: { startedAt: string; machine: BenchReport['machine']; code: Provenance }): FuzzBenchReport {
  const statuses: Record<string, number> = {};
  for (const byStatus of Object.values(campaign.statuses)) {
    for (const [status, count] of Object.entries(byStatus)) statuses[status] = (statuses[status] ?? 0) + count;
  }
  const ordered = Object.fromEntries(Object.entries(statuses).sort(([a], [b]) => Number(a) - Number(b)));
  const operations = Object.keys(campaign.statuses).length;
  const durationSeconds = campaign.durationMs / 1000;
  const replay = `FLAGSTAFF_FUZZ_SEED=${campaign.seed} FLAGSTAFF_FUZZ_RUNS=${campaign.runs} FLAGSTAFF_FUZZ_MODE=${campaign.mode} npx vitest run test/http/hostile-input.int.test.ts`;
  const measurements: Measurement[] = [
    { name: 'hostile requests sent (cases)', value: campaign.cases, unit: 'cases', notes: `${operations} operations of /openapi.json, seed ${campaign.seed}, ${campaign.mode} mode; replay: ${replay}` },
    { name: 'answered 5xx', value: campaign.serverErrors, unit: 'responses', target: '0' },
    { name: 'failure classes (5xx, not a problem, no pointer on a 400/422, state changed on a 4xx, duplicate or __proto__ keys accepted, stack trace)', value: campaign.failures.length, unit: 'classes', target: '0' },
    { name: 'failing cases', value: campaign.failures.reduce((n, f) => n + f.count, 0), unit: 'cases', target: '0' },
    ...Object.entries(ordered).map(([status, count]) => ({ name: `answered ${status}`, value: count, unit: 'responses' })),
    { name: 'cases after which the event store had moved (commands that applied)', value: campaign.appended, unit: 'cases' },
    { name: 'duration', value: durationSeconds, unit: 's', notes: `${(campaign.cases / durationSeconds).toFixed(0)} cases/s` },
  ];
  return {
    bench: 'fuzz',
    startedAt: context.startedAt,
    machine: context.machine,
    measurements,
    code: context.code,
    fuzz: {
      seed: campaign.seed,
      mode: campaign.mode,
      runs: campaign.runs,
      cases: campaign.cases,
      operations,
      statuses: ordered,
      statusesByOperation: campaign.statuses,
      serverErrors: campaign.serverErrors,
      appended: campaign.appended,
      failures: campaign.failures,
      durationSeconds,
      replay,
    },
  };
}

/** Writes bench/results/fuzz.json and regenerates RESULTS.md; returns the paths written. */
export async function recordFuzzResults(campaign: FuzzCampaign, startedAt: string): Promise<string[]> {
  const report = fuzzBenchReport(campaign, { startedAt, machine: machine(), code: provenance() });
  return [await writeReport(report), await writeResultsIndex()];
}
