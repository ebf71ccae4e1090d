import { startChildServer, type ChildServer } from './child-server.ts';
import { largestMappings } from './proc.ts';
import type { MemoryReport, ReadProcessReady } from './read-process.ts';
import { bearer } from './scenarios.ts';
import { CHECKOUT_FLAG, ENVIRONMENTS } from './seed.ts';
import { seededStore, type StoreKind } from './seeded-store.ts';

/** After the warm-up: the read model's file is saved 1 s after the last change, and lazy work settles. */
const SETTLE_MS = 3_000;
/** After a forced GC, V8 returns the freed pages to the system from a background thread. */
const GC_SETTLE_MS = 1_000;
/**
 * Measured from the end of the warm-up: V8's memory reducer, which shrinks the heap (the young generation above
 * all) once a process has allocated little for a while, ran 35-40 s after the last request in every trial.
 */
const IDLE_MS = 60_000;

/** The process's figures at one moment. */
export interface MemorySample {
  readonly report: MemoryReport;
  /** The largest resident mappings, `resident/mapped MiB name`. */
  readonly mappings: string[];
}

export interface MemoryFigures {
  readonly kind: StoreKind;
  readonly flags: number;
  readonly ready: ReadProcessReady;
  readonly seed: { readonly events: number; readonly milliseconds: number };
  /** 3 s after the warm-up, as it is. */
  readonly warm: MemorySample;
  /** Just after that, after `global.gc()` (twice) and 1 s. */
  readonly afterGc: MemorySample;
  /** 60 s after the warm-up, nothing forced since the GC above: what an idle process settles at. */
  readonly idle: MemorySample;
}

/**
 * One Flagstaff process (bench/read-api/read-process.ts, started as `npm start` starts it) on a store seeded
 * beforehand with `flags` flags: in each environment one flag evaluated, every flag evaluated in a batch
 * for two contexts, and the snapshot fetched once (the warm-up),
 * then every flag in a batch twice (two contexts), then its memory three times (as it is, after a forced GC, idle). No admin request is made.
 */
export async function measureMemory(kind: StoreKind, flags: number, segments: number): Promise<MemoryFigures> {
  const store = await seededStore(kind, { flags, segments });
  try {
    const server = await startChildServer<ReadProcessReady>('read-process.ts', {
      env: { ...store.env, PORT: '0', HOST: '127.0.0.1', FLAGSTAFF_ADMIN_TOKEN: 'bench-admin-token-not-used' },
      nodeOptions: ['--expose-gc'],
      timeoutMs: 300_000,
    });
    try {
      const { url } = server.ready;
      const { serverKeys, flagKeys } = store.seed;
      for (const environment of ENVIRONMENTS) {
        const headers = bearer(serverKeys[environment]!);
        const evaluation = await fetch(`${url}/api/v1/flags/${flagKeys[0] ?? CHECKOUT_FLAG}?targetingKey=user-1&country=US`, { headers });
        await evaluation.text();
        if (evaluation.status !== (flags > 0 ? 200 : 404)) throw new Error(`evaluation in ${environment}: ${evaluation.status}`);
        // Every flag evaluated, for two contexts: what a server in use has built (lazy result objects included).
        for (const context of [{ targetingKey: 'user-1', country: 'US', plan: 'premium' }, { targetingKey: 'user-2', country: 'DE', plan: 'free' }]) {
          const batch = await fetch(`${url}/api/v1/flags/batch`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ context }) });
          const evaluated = (await batch.json()) as { flags: unknown[] };
          if (batch.status !== 200 || evaluated.flags.length !== flags) throw new Error(`batch in ${environment}: ${batch.status}`);
        }
        const snapshot = await fetch(`${url}/api/v1/snapshot`, { headers });
        const body = (await snapshot.json()) as { flags: Record<string, unknown> };
        if (snapshot.status !== 200 || Object.keys(body.flags).length !== flags) throw new Error(`snapshot of ${environment}: ${snapshot.status}`);
      }
      const warmedUp = performance.now();
      await sleep(SETTLE_MS);
      const warm = await sample(server);
      await server.ask<MemoryReport>({ type: 'memory', gc: true });
      await sleep(GC_SETTLE_MS);
      const afterGc = await sample(server);
      await sleep(IDLE_MS - (performance.now() - warmedUp));
      const idle = await sample(server);
      const mib = (s: MemorySample): string => `${(s.report.vmRssKiB / 1024).toFixed(1)} MiB (heap used ${(s.report.usage.heapUsed / 2 ** 20).toFixed(1)})`;
      console.log(`  memory, ${kind}, ${flags} flags: VmRSS ${mib(warm)}, after GC ${mib(afterGc)}, idle ${mib(idle)}`);
      return { kind, flags, ready: server.ready, seed: { events: store.seed.events, milliseconds: Math.round(store.seed.milliseconds) }, warm, afterGc, idle };
    } finally {
      await server.stop();
    }
  } finally {
    await store.dispose();
  }
}

async function sample(server: ChildServer<ReadProcessReady>): Promise<MemorySample> {
  const report = await server.ask<MemoryReport>({ type: 'memory', gc: false });
  return { report, mappings: await largestMappings(server.pid, 4) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
