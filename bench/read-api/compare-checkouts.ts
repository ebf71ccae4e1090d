import type autocannon from 'autocannon';
import path from 'node:path';
import { startChildServer, type ChildServer } from './child-server.ts';
import type { ServerReady } from './flagstaff-server.ts';
import { load, pooled, type LoadResult, type LoadSettings } from './load.ts';
import { batchRequests, evaluationRequests } from './scenarios.ts';

/**
 * This checkout's read API against another checkout's (an older commit in a git worktree), with a bare node:http
 * server in the same run: the three take interleaved rounds, so a machine that slows down mid-run slows all three.
 * For a refactoring that must not cost speed; the figures of bench/read-api.bench.ts compare with bare Node only.
 *
 *   npx tsx bench/read-api/compare-checkouts.ts <other checkout> single|batch [rounds]
 */
const [other, scenario = 'single', rounds = '6'] = process.argv.slice(2);
if (!other || (scenario !== 'single' && scenario !== 'batch')) {
  console.error('usage: npx tsx bench/read-api/compare-checkouts.ts <other checkout> single|batch [rounds]');
  process.exit(2);
}
const ROUNDS = Number(rounds);
const LOAD: LoadSettings = { connections: 10, seconds: 4, pipelining: 1 };
const seeded = { env: { BENCH_FLAGS: '50', BENCH_SEGMENTS: '5' } };

// The other checkout's own child-server module, so its server runs its own code and start script.
const theirs = (await import(path.resolve(other, 'bench/read-api/child-server.ts'))) as { startChildServer: typeof startChildServer };
const servers: Record<string, ChildServer<ServerReady>> = {
  this: await startChildServer<ServerReady>('flagstaff-server.ts', seeded),
  other: await theirs.startChildServer<ServerReady>('flagstaff-server.ts', seeded),
};
const requestsOf = (key: string): autocannon.Request[] => (scenario === 'single' ? evaluationRequests(key) : batchRequests(key));
const first = requestsOf(servers.this!.ready.serverKeys['production']!)[0]!;
const body = await (await fetch(`${servers.this!.ready.url}${first.path}`, { method: first.method, headers: first.headers as Record<string, string>, body: first.body as string | undefined })).text();
const bare = await startChildServer<{ url: string }>('bare-server.ts', { env: { BARE_GET_BODY: body, BARE_POST_BODY: body } });

const targets: Record<string, { url: string; pid: number; requests: autocannon.Request[] }> = {
  bare: { url: bare.ready.url, pid: bare.pid, requests: requestsOf(servers.this!.ready.serverKeys['production']!) },
  this: { url: servers.this!.ready.url, pid: servers.this!.pid, requests: requestsOf(servers.this!.ready.serverKeys['production']!) },
  other: { url: servers.other!.ready.url, pid: servers.other!.pid, requests: requestsOf(servers.other!.ready.serverKeys['production']!) },
};
const ORDERS = [['bare', 'other', 'this'], ['this', 'other', 'bare'], ['other', 'this', 'bare']] as const;
const runs: Record<string, LoadResult[]> = { bare: [], this: [], other: [] };
try {
  for (const t of Object.values(targets)) await load(t.url, t.requests, { ...LOAD, seconds: 2 }, t.pid);
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of ORDERS[round % ORDERS.length]!) runs[name]!.push(await load(targets[name]!.url, targets[name]!.requests, LOAD, targets[name]!.pid));
    console.log(`round ${round + 1}: ${Object.entries(runs).map(([name, r]) => `${name} ${Math.round(r.at(-1)!.rps)} req/s`).join(', ')}`);
  }
} finally {
  await Promise.all([bare.stop(), servers.this!.stop(), servers.other!.stop()]);
}
const all = Object.fromEntries(Object.entries(runs).map(([name, r]) => [name, pooled(r)]));
for (const name of ['other', 'this']) {
  const p = all[name]!;
  console.log(
    `${name}: ${Math.round(p.rps)} req/s (÷ bare ${(p.rps / all.bare!.rps).toFixed(3)}), server CPU per request ${p.cpuMicrosPerRequest.toFixed(2)} µs (÷ bare ${(p.cpuMicrosPerRequest / all.bare!.cpuMicrosPerRequest).toFixed(3)})`,
  );
}
const ratio = all.this!.cpuMicrosPerRequest / all.other!.cpuMicrosPerRequest;
console.log(`${scenario}, ${LOAD.connections} connections, ${ROUNDS} interleaved rounds × ${LOAD.seconds} s: server CPU per request, this ÷ other = ${ratio.toFixed(3)}; req/s, this ÷ other = ${(all.this!.rps / all.other!.rps).toFixed(3)}`);
