import { bearer } from './scenarios.ts';
import { CHECKOUT_FLAG } from './seed.ts';
import { connectSse } from './sse-client.ts';

/**
 * Toggles the checkout flag in production `changes` times, one after the other, through the admin API, with
 * one server-key SSE client connected. For each: milliseconds from just before the admin request to the
 * `change` event whose delta carries the flag in its new state (`seen`), and to the admin response (`answered`).
 */
export async function toggleAndWatch(url: string, adminToken: string, serverKey: string, changes: number): Promise<{ seen: number[]; answered: number[] }> {
  const stream = await connectSse(`${url}/api/v1/stream?environment=production`, bearer(serverKey));
  if (stream.status !== 200) throw new Error(`SSE stream: ${stream.status}`);
  try {
    await stream.waitFor((e) => e.event === 'snapshot', { from: 0 });
    const seen: number[] = [];
    const answered: number[] = [];
    for (let i = 0; i < changes; i++) {
      const enabled = i % 2 === 1; // the flag starts enabled: off, on, off, ...
      const change = stream.waitFor((e) => e.event === 'change' && (JSON.parse(e.data) as { flags: Record<string, { enabled: boolean }> }).flags[CHECKOUT_FLAG]?.enabled === enabled);
      const started = performance.now();
      const response = await fetch(`${url}/admin/flags/${CHECKOUT_FLAG}/environments/production/toggle`, {
        method: 'POST',
        headers: { ...bearer(adminToken), 'content-type': 'application/json' },
        body: JSON.stringify({ enabled, reason: 'bench: SSE propagation' }),
      });
      const text = await response.text();
      answered.push(performance.now() - started);
      if (response.status !== 200) throw new Error(`toggle: ${response.status} ${text}`);
      seen.push((await change).receivedAt - started);
    }
    return { seen, answered };
  } finally {
    stream.close();
  }
}
