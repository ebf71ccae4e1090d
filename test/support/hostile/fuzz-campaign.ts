import fc from 'fast-check';
import { describeRequest, operationsOf, requestArbitrary, type Fixture, type HostileRequest } from './hostile-request.ts';
import { judge, type Observation, type Violation } from './response-check.ts';
import { sendHostile, type WireResponse } from './send-hostile.ts';

type Schema = { [key: string]: unknown };

/**
 * `first`: stop at the first broken answer and let fast-check shrink it (the bounded run in `npm test`).
 * `survey`: run every case and group what broke by class, one smallest reproduction each (`npm run fuzz`).
 */
export type CampaignMode = 'first' | 'survey';

export interface CampaignTarget {
  readonly url: string;
  readonly headPosition: () => Promise<number>;
  /** Error lines the server logged since the given mark (what a 5xx was about). */
  readonly serverLog: { mark(): number; since(mark: number): string[] };
}

export interface Finding {
  /** kind · operation · status · what was hostile: failures group by it. */
  readonly class: string;
  count: number;
  /** `METHOD /template` of every operation it was seen on. */
  readonly operations: string[];
  example: string;
  detail: string;
  serverLog: string[];
}

export interface CampaignReport {
  readonly seed: number;
  readonly runs: number;
  readonly mode: CampaignMode;
  cases: number;
  serverErrors: number;
  /** Cases after which the event store's head had moved (successful commands): shows the 4xx check has teeth. */
  appended: number;
  readonly statuses: Record<string, Record<string, number>>;
  readonly failures: Finding[];
  readonly observations: Finding[];
  /** fast-check's own report of the first (shrunk) failure, in `first` mode. */
  counterexample?: string;
  durationMs: number;
}

export async function runCampaign(target: CampaignTarget, document: Schema, fixture: Fixture, options: { runs: number; seed: number; mode: CampaignMode; path?: string }): Promise<CampaignReport> {
  const started = Date.now();
  const report: CampaignReport = { seed: options.seed, runs: options.runs, mode: options.mode, cases: 0, serverErrors: 0, appended: 0, statuses: {}, failures: [], observations: [], durationMs: 0 };
  const failures = new Map<string, Finding>();
  const observations = new Map<string, Finding>();
  const operations = operationsOf(document);
  const requests = fc.oneof(...operations.map((op) => requestArbitrary(document, op, fixture)));

  const property = fc.asyncProperty(requests, async (request) => {
    const mark = target.serverLog.mark();
    const before = await target.headPosition();
    const response = await sendHostile(target.url, request);
    const after = await target.headPosition();
    report.cases++;
    if (response.status >= 500) report.serverErrors++;
    if (after !== before) report.appended++;
    const byStatus = (report.statuses[request.operation.operationId] ??= {});
    byStatus[response.status] = (byStatus[response.status] ?? 0) + 1;

    const verdict = judge(document, request, response, { before, after });
    const serverLog = verdict.violations.length > 0 ? target.serverLog.since(mark) : [];
    for (const o of verdict.observations) record(observations, classOf(o, request, response.status, response, []), request, o.detail, []);
    for (const v of verdict.violations) record(failures, classOf(v, request, response.status, response, serverLog), request, v.detail, serverLog);
    if (options.mode === 'first' && verdict.violations.length > 0) {
      throw new Error(`${verdict.violations.map((v) => `${v.kind}: ${v.detail}`).join('\n')}${serverLog.length > 0 ? `\nserver log:\n${serverLog.join('\n')}` : ''}`);
    }
  });

  try {
    // With fast-check's `path` of a failure, only that case (and its shrinking) is replayed.
    await fc.assert(property, { seed: options.seed, numRuns: options.runs, ...(options.path ? { path: options.path } : {}) });
  } catch (error) {
    report.counterexample = (error as Error).message;
  } finally {
    report.failures.push(...[...failures.values()].sort(byCount));
    report.observations.push(...[...observations.values()].sort(byCount));
    report.durationMs = Date.now() - started;
  }
  return report;
}

const byCount = (a: Finding, b: Finding): number => b.count - a.count || a.class.localeCompare(b.class);

/**
 * A class groups answers that most likely share a cause: what went wrong, at which status, and why: the error
 * the server logged (a 5xx), the problem's own detail (a wrong shape), or else what was hostile about the request,
 * without the exact place or value. The operations it was seen on are listed with it.
 */
function classOf(finding: Violation | Observation, request: HostileRequest, status: number, response: WireResponse, serverLog: readonly string[]): string {
  const hostile = request.body && request.body.label !== 'valid' ? `body: ${request.body.label}` : (request.labels[0] ?? 'valid request');
  const byRequest = hostile.replace(/ at #.*$/, '').replace(/ added$/, '').replace(/^(body: duplicate key) "[^"]*"/, '$1').replace(/^body: #\S* left out$/, 'body: a field left out');
  const detail = problemDetail(response.text);
  let cause: string;
  switch (finding.kind) {
    case 'server error':
      cause = serverLog[0] ?? byRequest;
      break;
    case 'not a problem':
    case 'not an OFREP error':
      cause = detail ?? String(response.headers['content-type'] ?? 'no content-type');
      break;
    case 'state changed on a 4xx':
    case 'no field pointer on 400/422':
      cause = `${request.method} ${request.operation.template}: ${detail ?? byRequest}`;
      break;
    case 'undocumented status':
      cause = `${request.method} ${request.operation.template}`;
      break;
    case 'duplicate keys accepted':
      cause = 'a key twice in one object of the body';
      break;
    default:
      cause = byRequest;
  }
  return `${finding.kind} · ${status} · ${normalise(cause)}`;
}

/** Values out of a message, so messages about different inputs group: quoted text, numbers. */
function normalise(text: string): string {
  return text.replace(/'[^']*'/g, "'…'").replace(/"[^"]*"/g, '"…"').replace(/\d+/g, 'N').slice(0, 200);
}

function problemDetail(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { detail?: unknown; errorDetails?: unknown };
    const detail = body.detail ?? body.errorDetails;
    return typeof detail === 'string' ? detail : undefined;
  } catch {
    return undefined;
  }
}

function record(into: Map<string, Finding>, key: string, request: HostileRequest, detail: string, serverLog: string[]): void {
  const example = describeRequest(request);
  const operation = `${request.method} ${request.operation.template}`;
  const known = into.get(key);
  if (!known) {
    into.set(key, { class: key, count: 1, operations: [operation], example, detail, serverLog });
    return;
  }
  known.count++;
  if (!known.operations.includes(operation)) known.operations.push(operation);
  // Keep the smallest reproduction of the class.
  if (example.length < known.example.length) Object.assign(known, { example, detail, serverLog });
}

/** One line per class, then each class's smallest reproduction: what a failing run prints. */
export function formatFindings(findings: readonly Finding[]): string {
  return findings
    .map((f) => [`■ ${f.class} (${f.count}×)`, `  on ${f.operations.slice(0, 6).join(', ')}${f.operations.length > 6 ? ` and ${f.operations.length - 6} more` : ''}`, `  ${f.detail.slice(0, 400)}`, ...(f.serverLog.length > 0 ? [`  server: ${f.serverLog[0]!.slice(0, 300)}`] : []), ...f.example.split('\n').map((l) => `    ${l}`)].join('\n'))
    .join('\n\n');
}
