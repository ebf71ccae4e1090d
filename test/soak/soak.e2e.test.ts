import { expect, it } from 'vitest';
import { runSoak } from '../../bench/soak/soak-run.ts';

/**
 * The short soak: the same run as `npm run soak`, for 25 seconds. It asserts what must hold at any length;
 * RSS growth is reported, not asserted (warm-up alone takes longer than this).
 */
it('keeps every response, event, command and stream right under mixed load (25 s)', async () => {
  const lines: string[] = [];
  const result = await runSoak({ durationMs: 25_000, sampleEveryMs: 1_000, log: (line) => lines.push(line) });
  console.log(
    `short soak: ${Object.entries(result.operations).map(([op, f]) => `${op} ${f.requests} req p50 ${f.p50Ms.toFixed(1)} ms p99 ${f.p99Ms.toFixed(1)} ms`).join('; ')}; ` +
      `RSS ${result.rss.afterWarmUpMib.toFixed(0)} → ${result.rss.endMib.toFixed(0)} MiB`,
  );

  expect(result.failures).toEqual([]);
  expect(result.errors).toBe(0);
  for (const op of ['evaluate', 'batch', 'ingest', 'toggle', 'targeting', 'admin-list']) expect(result.operations[op]?.requests, op).toBeGreaterThan(0);
  expect(result.events.stored).toEqual(result.events.acknowledged);
  expect(result.events.acknowledged.exposures).toBeGreaterThan(1_000);
  expect(result.events.resentBatches).toBeGreaterThan(0);
  expect(result.commands.acknowledged).toBeGreaterThan(20);
  expect(result.commands.flagsWithVersionMismatch).toEqual([]);
  expect(result.sse.caughtUp).toBe(result.sse.clients);
  expect(result.shutdown.exitCode).toBe(0);
}, 180_000);
