import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startChildServer } from './child-server.ts';
import type { ServerReady } from './flagstaff-server.ts';
import { load } from './load.ts';
import { batchRequests, evaluationRequests } from './scenarios.ts';
import { toggleAndWatch } from './sse-propagation.ts';

/**
 * Where a read-API scenario's server time goes: runs it against a Flagstaff server whose V8 CPU profiler
 * (what --cpu-prof runs) records the scenario alone, not the start, and prints the functions with the most
 * self time and the most inclusive time.
 *
 *   npx tsx bench/read-api/profile.ts single|batch|sse [seconds]
 */
const scenario = process.argv[2] ?? 'single';
const seconds = Number(process.argv[3] ?? 8);
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flagstaff-profile-'));
const file = path.join(dir, `${scenario}.cpuprofile`);
const server = await startChildServer<ServerReady>('flagstaff-server.ts');
try {
  await server.ask({ type: 'profile', file });
  const key = server.ready.serverKeys['production']!;
  const settings = { connections: 10, seconds, pipelining: 1 } as const;
  if (scenario === 'single' || scenario === 'batch') {
    const result = await load(server.ready.url, scenario === 'single' ? evaluationRequests(key) : batchRequests(key), settings, server.pid);
    console.log(`${scenario}: ${Math.round(result.rps)} req/s, p99 ${result.latency.p99.toFixed(2)} ms, server CPU ${result.serverCpu.toFixed(2)} s/s`);
  } else {
    const { seen, answered } = await toggleAndWatch(server.ready.url, server.ready.adminToken, key, 200);
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
    console.log(`sse: median seen ${median(seen).toFixed(1)} ms, median admin response ${median(answered).toFixed(1)} ms`);
  }
  await server.ask({ type: 'profile', file });
} finally {
  await server.stop();
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}
const profile = JSON.parse(await fs.readFile(file, 'utf8')) as { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[] };
const msPerSample = (profile.endTime - profile.startTime) / 1000 / profile.samples.length;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const name = (n: ProfileNode): string => {
  const where = n.callFrame.url ? `${n.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/')}:${n.callFrame.lineNumber + 1}` : '';
  return `${n.callFrame.functionName || '(anonymous)'} ${where}`.trim();
};
const self = new Map<string, number>();
const total = new Map<string, number>();
const walk = (node: ProfileNode, onStack: Set<string>): number => {
  let sum = node.hitCount;
  const label = name(node);
  self.set(label, (self.get(label) ?? 0) + node.hitCount);
  const nested = onStack.has(label);
  onStack.add(label);
  for (const child of node.children ?? []) sum += walk(byId.get(child)!, onStack);
  if (!nested) {
    onStack.delete(label);
    total.set(label, (total.get(label) ?? 0) + sum);
  }
  return sum;
};
walk(profile.nodes[0]!, new Set());
const all = profile.samples.length;
const top = (map: Map<string, number>, n: number) =>
  [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([label, hits]) => `  ${((100 * hits) / all).toFixed(1).padStart(5)}%  ${(hits * msPerSample).toFixed(0).padStart(6)} ms  ${label}`).join('\n');
console.log(`profile ${file}: ${all} samples, ${(all * msPerSample / 1000).toFixed(1)} s\nself time:\n${top(self, 30)}\ninclusive time:\n${top(total, 40)}`);
