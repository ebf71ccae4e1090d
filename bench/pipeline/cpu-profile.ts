import fs from 'node:fs/promises';

/**
 * A V8 CPU profile (.cpuprofile, what the inspector's Profiler.stop returns) boiled down: the functions with the
 * most self time, self time per package (kafkajs, zod, @clickhouse/client, Flagstaff's own files, Node's
 * internals, the garbage collector), and the inclusive time of named functions. Shares are of the busy samples
 * (every sample but `(idle)`), i.e. of the CPU time of the process's main thread.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
  children?: number[];
}

export interface ProfileSummary {
  readonly seconds: number;
  readonly samples: number;
  /** Share of all samples the thread was idle (waiting on I/O). */
  readonly idleShare: number;
  readonly topSelf: { label: string; share: number; ms: number }[];
  readonly byPackage: { name: string; share: number }[];
  readonly inclusive: { label: string; share: number }[];
  /** Every busy sample charged to one stage: that of the frame nearest the leaf that a rule names (see `stages`). */
  readonly byStage: { name: string; share: number }[];
}

/** A stage and the frames (by URL) that belong to it. */
export interface StageRule {
  readonly name: string;
  readonly url: RegExp;
}

const label = (n: ProfileNode): string => {
  const where = n.callFrame.url ? `${n.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/')}:${n.callFrame.lineNumber + 1}` : '';
  return `${n.callFrame.functionName || '(anonymous)'} ${where}`.trim();
};

/** The package a frame belongs to: `kafkajs`, `zod`, `@clickhouse/client-common`, `src/read`, `node:internal`... */
export function packageOf(n: ProfileNode): string {
  const { url, functionName } = n.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native / V8 builtins)';
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (module) return module[1]!;
  const own = /\/(src|bench)\/([^/]+)\//.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  if (url.startsWith('node:')) return 'node:internal';
  return url;
}

export async function summariseProfile(file: string, options: { top?: number; inclusiveOf?: RegExp; stages?: readonly StageRule[] } = {}): Promise<ProfileSummary> {
  const profile = JSON.parse(await fs.readFile(file, 'utf8')) as { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / profile.samples.length;
  const self = new Map<string, number>();
  const packages = new Map<string, number>();
  const total = new Map<string, number>();
  const stages = new Map<string, number>();
  const stageOf = (node: ProfileNode, inherited: string): string => {
    if (node.callFrame.functionName === '(garbage collector)') return '(garbage collector)';
    const rule = options.stages?.find((r) => r.url.test(node.callFrame.url));
    return rule?.name ?? inherited;
  };
  let idle = 0;
  const walk = (node: ProfileNode, onStack: Set<string>, parentStage: string): number => {
    const name = label(node);
    const stage = stageOf(node, parentStage);
    if (node.callFrame.functionName !== '(idle)') stages.set(stage, (stages.get(stage) ?? 0) + node.hitCount);
    if (node.callFrame.functionName === '(idle)') idle += node.hitCount;
    else {
      self.set(name, (self.get(name) ?? 0) + node.hitCount);
      const pkg = packageOf(node);
      packages.set(pkg, (packages.get(pkg) ?? 0) + node.hitCount);
    }
    let sum = node.callFrame.functionName === '(idle)' ? 0 : node.hitCount;
    const nested = onStack.has(name);
    onStack.add(name);
    for (const child of node.children ?? []) sum += walk(byId.get(child)!, onStack, stage);
    if (!nested) {
      onStack.delete(name);
      total.set(name, (total.get(name) ?? 0) + sum);
    }
    return sum;
  };
  walk(profile.nodes[0]!, new Set(), 'other (event loop, timers, sockets, program)');
  const busy = profile.samples.length - idle;
  const share = (hits: number): number => hits / busy;
  const sorted = (map: Map<string, number>): [string, number][] => [...map].sort((a, b) => b[1] - a[1]);
  return {
    seconds: (profile.endTime - profile.startTime) / 1e6,
    samples: profile.samples.length,
    idleShare: idle / profile.samples.length,
    topSelf: sorted(self)
      .slice(0, options.top ?? 25)
      .map(([name, hits]) => ({ label: name, share: share(hits), ms: hits * msPerSample })),
    byPackage: sorted(packages).map(([name, hits]) => ({ name, share: share(hits) })),
    inclusive: sorted(total)
      .filter(([name]) => !options.inclusiveOf || options.inclusiveOf.test(name))
      .slice(0, 40)
      .map(([name, hits]) => ({ label: name, share: share(hits) })),
    byStage: sorted(stages).map(([name, hits]) => ({ name, share: share(hits) })),
  };
}

export function profileText(summary: ProfileSummary): string {
  const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
  return [
    `${summary.samples} samples over ${summary.seconds.toFixed(1)} s, main thread idle ${pct(summary.idleShare)}; shares below are of its busy time`,
    'by stage (each sample charged to the stage of its frame nearest the leaf that has one):',
    ...summary.byStage.map((p) => `  ${pct(p.share).padStart(6)}  ${p.name}`),
    'self time by package:',
    ...summary.byPackage.slice(0, 15).map((p) => `  ${pct(p.share).padStart(6)}  ${p.name}`),
    'self time by function:',
    ...summary.topSelf.map((f) => `  ${pct(f.share).padStart(6)}  ${f.ms.toFixed(0).padStart(6)} ms  ${f.label}`),
    'inclusive time:',
    ...summary.inclusive.map((f) => `  ${pct(f.share).padStart(6)}  ${f.label}`),
  ].join('\n');
}
