import { mkdirSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordFuzzResults } from '../../bench/fuzz-results.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startTestServer, type TestServer } from '../support/flagstaff.ts';
import { formatFindings, runCampaign, type CampaignMode } from '../support/hostile/fuzz-campaign.ts';
import type { Fixture } from '../support/hostile/hostile-request.ts';
import { closeConnections } from '../support/hostile/send-hostile.ts';

/**
 * Issue 14, "close the class": for every operation in the served /openapi.json, generated hostile paths, query
 * strings, headers and bodies (test/support/hostile/). Never a 5xx; every 4xx an RFC 9457 problem (OFREP: its own
 * error body) with JSON pointers on field errors; the event store's head does not move on a 4xx.
 *
 * A budget of runs, not of time: FLAGSTAFF_FUZZ_RUNS (default 6,000), FLAGSTAFF_FUZZ_SEED (default 14; `random`
 * picks one and prints it), FLAGSTAFF_FUZZ_MODE=first|survey, FLAGSTAFF_FUZZ_PATH (fast-check's path of a failure,
 * to replay it alone). `npm run fuzz` runs 25 times as many cases (150,000) in survey mode. Either way the report
 * goes to test-artifacts/fuzz-report.json; with FLAGSTAFF_FUZZ_RECORD=1 (`npm run fuzz` sets it) the figure also
 * goes to bench/results/fuzz.json and RESULTS.md, naming the commit, as the benchmarks do (bench/fuzz-results.ts).
 */
const RUNS = Number(process.env['FLAGSTAFF_FUZZ_RUNS'] ?? 6_000);
const SEED = process.env['FLAGSTAFF_FUZZ_SEED'] === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(process.env['FLAGSTAFF_FUZZ_SEED'] ?? 14);
const PATH = process.env['FLAGSTAFF_FUZZ_PATH'];
const MODE: CampaignMode = process.env['FLAGSTAFF_FUZZ_MODE'] === 'survey' ? 'survey' : 'first';
const REPORT = 'test-artifacts/fuzz-report.json';
const RECORD = process.env['FLAGSTAFF_FUZZ_RECORD'] === '1';

/** What the server logged at error level (a 5xx's cause), kept so a failure can show it. */
const errorLines: string[] = [];
const logSink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      const entry = JSON.parse(line) as { level: number; msg?: string; err?: string };
      if (entry.level >= 50 && entry.err) errorLines.push(`${entry.msg ?? ''}: ${String(entry.err ?? '').split('\n').slice(0, 3).join(' | ')}`);
    }
    done();
  },
});

let server: TestServer;
let document: Record<string, unknown>;
let fixture: Fixture;

beforeAll(async () => {
  server = await startTestServer({
    // Not throttled (the fuzzer is one client sending as fast as it can) and no usage flush appending mid-run.
    config: { operations: { logLevel: 'warn', adminRequestsPerSecond: 1_000_000, authFailuresPerSecond: 1_000_000, eventsPerSecond: 10_000_000, usageFlushMs: 86_400_000 } },
    logger: createLogger('warn', logSink),
  });
  document = (await (await fetch(`${server.url}/openapi.json`)).json()) as Record<string, unknown>;
  fixture = await setUp(server);
});
afterAll(async () => {
  closeConnections();
  await server?.close();
});

describe('hostile input on every operation of /openapi.json', () => {
  it(`answers ${RUNS} generated hostile requests without a 5xx, with problems, and without changing state on a 4xx`, { timeout: Math.max(300_000, RUNS * 1_000) }, async () => {
    const startedAt = new Date().toISOString();
    const report = await runCampaign(
      { url: server.url, headPosition: () => server.store.headPosition(), serverLog: { mark: () => errorLines.length, since: (mark) => errorLines.slice(mark) } },
      document,
      fixture,
      { runs: RUNS, seed: SEED, mode: MODE, ...(PATH ? { path: PATH } : {}) },
    );
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync(REPORT, `${JSON.stringify(report, null, 2)}\n`);
    const operations = Object.keys(report.statuses).length;
    console.log(`hostile input: ${report.cases} cases, ${report.serverErrors} server errors, ${report.appended} that appended; ${report.failures.length} failure classes over ${operations} operations (seed ${SEED}, ${MODE} mode, ${(report.durationMs / 1000).toFixed(1)} s); report in ${REPORT}`);
    // Recorded before the verdict: a run that found failures is a figure too.
    if (RECORD) console.log(`recorded in ${(await recordFuzzResults(report, startedAt)).join(' and ')}`);

    const replay = `Replay with FLAGSTAFF_FUZZ_SEED=${SEED} FLAGSTAFF_FUZZ_RUNS=${RUNS}${MODE === 'survey' ? ' FLAGSTAFF_FUZZ_MODE=survey' : ' (add FLAGSTAFF_FUZZ_PATH=<path below> for the failing case alone)'}`;
    expect(report.failures.length, `${replay}\n\n${report.counterexample ?? ''}\n\n${formatFindings(report.failures)}\n`).toBe(0);
    // Every operation of the document was reached.
    expect(operations).toBe(Object.values(document['paths'] as Record<string, object>).reduce((n, item) => n + Object.keys(item).length, 0));
  });
});

/** Tokens of every role, SDK keys, and one resource of each kind, so most requests reach validation on something real. */
async function setUp(s: TestServer): Promise<Fixture> {
  const ok = async (method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Record<string, unknown>> => {
    const response = await s.api(method, path, { ...(body === undefined ? {} : { body }), ...(headers ? { headers } : {}) });
    expect(response.status, `${method} ${path}: ${JSON.stringify(response.body)}`).toBeLessThan(300);
    return response.body as Record<string, unknown>;
  };
  await ok('POST', '/admin/flags', { key: 'new-checkout', type: 'boolean', description: 'New checkout flow', tags: ['checkout'] });
  await ok('POST', '/admin/flags', { key: 'colour', type: 'string', variants: { red: 'red', blue: 'blue' } });
  await ok('POST', '/admin/flags', { key: 'config', type: 'json', variants: { small: { size: 1 }, large: { size: 100, nested: [1, 2] } } });
  await ok('PUT', '/admin/flags/new-checkout/environments/production', {
    enabled: true, offVariant: 'off',
    targets: [{ variant: 'on', units: ['user-1'] }],
    rules: [{ id: 'us', conditions: [{ attribute: 'country', operator: 'in', values: ['US', 'CA'] }], serve: { variant: 'on' } }],
    defaultServe: { split: [{ variant: 'on', weight: 25_000 }, { variant: 'off', weight: 75_000 }] },
  }, { 'if-match': '*' });
  await ok('POST', '/admin/segments', { key: 'beta-testers', conditions: [{ attribute: 'plan', operator: 'eq', values: ['beta'] }], included: ['user-1'] });
  await ok('POST', '/admin/metrics', { key: 'purchase', kind: 'binomial', event: 'purchase' });
  await ok('POST', '/admin/metrics', { key: 'revenue', kind: 'mean', event: 'purchase' });
  await ok('POST', '/admin/experiments', {
    key: 'checkout-test', flagKey: 'new-checkout', environment: 'production', hypothesis: 'The new checkout raises purchases',
    controlVariant: 'off', variants: [{ variant: 'off', weight: 50_000 }, { variant: 'on', weight: 50_000 }],
    trafficPercent: 100, primaryMetric: 'purchase', secondaryMetrics: ['revenue'], guardrailMetrics: [], method: 'frequentist', alpha: 0.05, cuped: false,
  });
  const key = async (environment: string, kind: 'server' | 'client') => ok('POST', '/admin/api-keys', { environment, kind });
  const token = async (role: 'viewer' | 'editor' | 'admin') => ok('POST', '/admin/tokens', { name: `fuzz ${role}`, role });
  const [server, client, staging] = [await key('production', 'server'), await key('production', 'client'), await key('staging', 'server')];
  // Keys and tokens the fuzzer may revoke; the ones it sends stay valid.
  const spareKeys = [await key('production', 'client'), await key('development', 'server')];
  const spareTokens = [await token('viewer'), await token('admin')];
  const [viewer, editor, admin] = [await token('viewer'), await token('editor'), await token('admin')];
  return {
    adminTokens: { viewer: String(viewer['token']), editor: String(editor['token']), admin: String(admin['token']) },
    sdkKeys: { server: String(server['key']), client: String(client['key']), otherEnvironment: String(staging['key']) },
    environment: 'production',
    resources: {
      flags: ['new-checkout', 'colour', 'config'],
      segments: ['beta-testers'],
      metrics: ['purchase', 'revenue'],
      experiments: ['checkout-test'],
      environments: ['production', 'staging', 'development'],
      'api-keys': spareKeys.map((k) => String(k['id'])),
      tokens: spareTokens.map((t) => String(t['id'])),
    },
  };
}
