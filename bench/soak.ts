import os from 'node:os';
import { formatReport, machine, stamped, writeReport, writeResultsIndex, type BenchReport, type Measurement } from './harness.ts';
import { DEFAULT_RATES, RSS_GROWTH_LIMIT_MIB, runSoak, type SoakResult } from './soak/soak-run.ts';

/**
 * `npm run soak [minutes]` (default 10; `SOAK_MINUTES` works too): the soak of bench/soak/soak-run.ts, reported
 * like every benchmark in bench/results/soak.json and RESULTS.md. Exits 1 when an invariant failed.
 *
 * RSS may grow by at most RSS_GROWTH_LIMIT_MIB (30 MiB) from the end of warm-up (the first 20% of the run) to the
 * end, comparing medians of the samples so one GC sawtooth does not decide. Why 30 MiB: what legitimately grows
 * is small (DuckDB's tables and index by some 100,000 events, PGlite by ~1,200 small events, the read model not at
 * all), a few MiB; a leak of one 1 KiB object per request at this load (~130 requests/s) would add about
 * 60 MiB over the eight minutes after warm-up, twice the limit. At 10% of a ~200 MiB process, 30 MiB is also
 * above the V8 heap's normal breathing at this load.
 */
const minutes = Number(process.argv[2] ?? process.env['SOAK_MINUTES'] ?? 10);
if (!(minutes > 0)) {
  console.error('usage: npm run soak [minutes]');
  process.exit(2);
}

const startedAt = new Date().toISOString();
console.log(`▶ soak for ${minutes} min at ${JSON.stringify(DEFAULT_RATES)} per second; load average before: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const result = await runSoak({ durationMs: minutes * 60_000 });
const failures = [...result.failures];
if (result.rss.growthMib > RSS_GROWTH_LIMIT_MIB) failures.push(`RSS grew by ${result.rss.growthMib.toFixed(1)} MiB after warm-up (limit ${RSS_GROWTH_LIMIT_MIB} MiB)`);

const report: BenchReport = stamped({ bench: 'soak', startedAt, machine: machine(), measurements: measurements(result) });
console.log(formatReport(report));
console.log(`RSS samples (s: MiB): ${result.rss.samples.map((s) => `${s.atSeconds.toFixed(0)}: ${s.mib.toFixed(0)}`).join(', ')}`);
console.log(`→ ${await writeReport(report)}`);
console.log(`→ ${await writeResultsIndex()}`);
if (failures.length > 0) {
  console.error(`✗ soak failed:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('✓ no errors, no lost events, no lost commands, SSE clients at the final revision, RSS flat after warm-up');

function measurements(r: SoakResult): Measurement[] {
  const m: Measurement[] = [
    { name: 'duration', value: r.durationSeconds, unit: 's', notes: `rates per second: ${JSON.stringify(DEFAULT_RATES)}` },
    { name: 'failed requests (any unexpected status)', value: r.errors, unit: 'requests', target: '0' },
  ];
  for (const [op, f] of Object.entries(r.operations)) {
    m.push(
      { name: `${op}: requests`, value: f.requests, unit: 'requests' },
      { name: `${op}: p50`, value: f.p50Ms, unit: 'ms' },
      { name: `${op}: p99`, value: f.p99Ms, unit: 'ms' },
    );
  }
  const skipped = Object.values(r.skipped).reduce((a, b) => a + b, 0);
  m.push(
    { name: 'requests skipped (too many in flight)', value: skipped, unit: 'requests', notes: JSON.stringify(r.skipped) },
    { name: 'events acknowledged (202), unique', value: r.events.acknowledged.exposures + r.events.acknowledged.metricEvents, unit: 'events', notes: `${r.events.resentBatches} batches resent as retries` },
    { name: 'events stored in DuckDB after SIGTERM', value: r.events.stored.exposures + r.events.stored.metricEvents, unit: 'events', target: '= acknowledged, each once' },
    { name: 'commands acknowledged (toggles, targeting edits)', value: r.commands.acknowledged, unit: 'commands' },
    { name: 'flags whose version ≠ acknowledged commands', value: r.commands.flagsWithVersionMismatch.length, unit: 'flags', target: '0' },
    { name: 'SSE clients at the final revision', value: r.sse.caughtUp, unit: `of ${r.sse.clients}`, target: 'all', notes: `revision ${r.sse.finalRevision}, ${r.sse.eventsReceived} events received` },
    { name: 'server RSS after warm-up (20%)', value: r.rss.afterWarmUpMib, unit: 'MiB' },
    { name: 'server RSS at the end', value: r.rss.endMib, unit: 'MiB' },
    { name: 'server RSS growth after warm-up', value: r.rss.growthMib, unit: 'MiB', target: `< ${RSS_GROWTH_LIMIT_MIB} MiB` },
    { name: 'server RSS peak', value: r.rss.peakMib, unit: 'MiB' },
    { name: 'server V8 heap used after warm-up (20%)', value: r.rss.heapAfterWarmUpMib, unit: 'MiB', notes: 'from the server\'s /metrics (flagstaff_nodejs_heap_size_used_bytes)' },
    { name: 'server V8 heap used growth after warm-up', value: r.rss.heapEndMib - r.rss.heapAfterWarmUpMib, unit: 'MiB', notes: 'JavaScript objects only; the rest of the RSS growth is native (DuckDB\'s buffer cache and index)' },
    { name: 'server CPU', value: r.cpu.serverCores, unit: 'cores' },
    { name: 'load generator CPU', value: r.cpu.loadGeneratorCores, unit: 'cores' },
    { name: 'other processes CPU (machine busy − server − generator)', value: r.cpu.otherProcessesCores, unit: 'cores' },
    { name: 'SIGTERM to exit', value: r.shutdown.seconds, unit: 's', notes: `exit code ${r.shutdown.exitCode}` },
  );
  return m;
}
