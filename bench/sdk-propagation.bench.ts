import { createFlagstaffClient } from '../src/sdk/flagstaff-client.ts';
import { compared, machine, type BenchReport, type Measurement } from './harness.ts';
import { startChildServer } from './read-api/child-server.ts';
import type { ServerReady } from './read-api/flagstaff-server.ts';
import { bearer } from './read-api/scenarios.ts';
import { CHECKOUT_FLAG } from './read-api/seed.ts';
import { connectSse } from './read-api/sse-client.ts';

/**
 * The target "a change reaches a connected SDK within 100 ms (p99)": Flagstaff as `npm start` runs it (embedded
 * PGlite on disk, 50 seeded flags) in its own process; in this one, a connected SDK and, as the same run's
 * baseline, a bare SSE client on the same stream. 200 toggles of the checkout flag through the admin API, one
 * after the other; for each, milliseconds from just before the admin request to the SDK's `changed` event for the
 * flag with the new state applied (evaluations answer from it from then on), and to the bare client's frame.
 */
const CHANGES = 200;
const TARGET_P99_MS = 100;

export async function run(): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const server = await startChildServer<ServerReady>('flagstaff-server.ts', { env: { BENCH_FLAGS: '50' } });
  const { url, adminToken } = server.ready;
  const sdkKey = server.ready.serverKeys['production']!;
  const sdk = createFlagstaffClient({ url, sdkKey, events: { flushIntervalMs: 60_000 } });
  const bare = await connectSse(`${url}/api/v1/stream?environment=production`, bearer(sdkKey));
  try {
    await sdk.ready();
    await bare.waitFor((e) => e.event === 'snapshot', { from: 0 });
    const seen: number[] = [];
    const bareSeen: number[] = [];
    const answered: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const enabled = !sdk.snapshot!.flags[CHECKOUT_FLAG]!.enabled;
      const applied = new Promise<number>((resolve) => {
        const off = sdk.on('changed', ({ flagKeys }) => {
          if (!flagKeys.includes(CHECKOUT_FLAG) || sdk.snapshot!.flags[CHECKOUT_FLAG]!.enabled !== enabled) return;
          off();
          resolve(performance.now());
        });
      });
      const frame = bare.waitFor((e) => e.event === 'change' && (JSON.parse(e.data) as { flags: Record<string, { enabled: boolean }> }).flags[CHECKOUT_FLAG]?.enabled === enabled);
      const started = performance.now();
      const response = await fetch(`${url}/admin/flags/${CHECKOUT_FLAG}/environments/production/toggle`, {
        method: 'POST',
        headers: { ...bearer(adminToken), 'content-type': 'application/json' },
        body: JSON.stringify({ enabled, reason: 'bench: SDK propagation' }),
      });
      const text = await response.text();
      answered.push(performance.now() - started);
      if (response.status !== 200) throw new Error(`toggle: ${response.status} ${text}`);
      seen.push((await applied) - started);
      bareSeen.push((await frame).receivedAt - started);
    }
    const p = percentiles(seen);
    const b = percentiles(bareSeen);
    const a = percentiles(answered);
    const notes = `${CHANGES} sequential toggles of ${CHECKOUT_FLAG} through POST /admin/flags/:key/environments/production/toggle; Flagstaff in its own process on embedded PGlite with 50 flags; SDK and bare SSE client in the bench process`;
    const bareP99: Measurement = { name: 'bare SSE client: admin toggle → change frame, p99', value: b.p99, unit: 'ms' };
    return {
      bench: 'sdk-propagation',
      startedAt,
      machine: machine(),
      measurements: [
        { name: 'SDK: admin toggle → changed event (applied), p50', value: p.p50, unit: 'ms', notes },
        compared('SDK: admin toggle → changed event (applied), p99', p.p99, 'ms', bareP99, { target: `< ${TARGET_P99_MS} ms`, notes: p.p99 < TARGET_P99_MS ? 'met' : 'NOT met' }),
        { name: 'SDK: admin toggle → changed event (applied), max', value: p.max, unit: 'ms' },
        { name: 'bare SSE client: admin toggle → change frame, p50', value: b.p50, unit: 'ms' },
        bareP99,
        { name: 'admin toggle request alone (response time), p99', value: a.p99, unit: 'ms', notes: `p50 ${a.p50.toFixed(2)} ms, max ${a.max.toFixed(2)} ms` },
      ],
    };
  } finally {
    bare.close();
    await sdk.close();
    await server.stop();
  }
}

function percentiles(values: readonly number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((x, y) => x - y);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? Number.NaN };
}
