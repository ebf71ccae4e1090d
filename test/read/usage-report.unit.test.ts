import { describe, expect, it } from 'vitest';
import type { CompiledEnvironment } from '../../src/evaluation/compile.ts';
import { knownUsage } from '../../src/read/read-api.ts';
import { MAX_USAGE_FLAGS, MAX_USAGE_VARIANTS, parseUsageReport } from '../../src/read/usage-report.ts';
import { ValidationError } from '../../src/shared/errors.ts';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const policy = { maxFutureSkewMs: 60_000, now: () => NOW };
const period = { start: '2026-01-01T11:59:00Z', stop: '2026-01-01T12:00:00Z' };

/** The problem's pointers, when parsing refuses the body. */
function pointers(body: unknown): string[] {
  try {
    parseUsageReport(body, policy);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues.map((i) => i.pointer).sort();
  }
  throw new Error('the report was accepted');
}

describe('POST /api/v1/usage: the report', () => {
  it('takes counts per flag and variant over a period', () => {
    const report = { ...period, flags: { 'new-checkout': { on: 3, off: 4 } } };
    expect(parseUsageReport(report, policy)).toEqual(report);
    expect(parseUsageReport({ ...period, start: period.stop, flags: {} }, policy).flags).toEqual({}); // an empty period is a period
  });

  it('names every bad field', () => {
    expect(pointers({ ...period, flags: { 'new-checkout': { on: 0, off: 1.5, ok: 2 } } })).toEqual(['#/flags/new-checkout/off', '#/flags/new-checkout/on']);
    expect(pointers({ start: 'noon', stop: 12, flags: [] })).toEqual(['#/flags', '#/start', '#/stop']);
    expect(pointers({ ...period })).toEqual(['#/flags']);
    expect(pointers({ ...period, flags: {}, environment: 'production' })).toEqual(['#/environment']);
    expect(pointers({ ...period, flags: { 'new-checkout': { on: Number.MAX_SAFE_INTEGER + 2 } } })).toEqual(['#/flags/new-checkout/on']);
  });

  it('refuses a period that ends before it starts, or ends beyond the allowed clock skew', () => {
    expect(pointers({ start: period.stop, stop: period.start, flags: {} })).toEqual(['#/start']);
    expect(pointers({ start: period.start, stop: new Date(NOW + 60_001).toISOString(), flags: {} })).toEqual(['#/stop']);
    expect(parseUsageReport({ start: period.start, stop: new Date(NOW + 60_000).toISOString(), flags: {} }, policy).flags).toEqual({});
  });

  it('is bounded: at most 10,000 flags, 100 variants a flag', () => {
    const variants = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`v${i}`, 1]));
    expect(pointers({ ...period, flags: { many: variants(MAX_USAGE_VARIANTS + 1) } })).toEqual(['#/flags/many']);
    expect(parseUsageReport({ ...period, flags: { many: variants(MAX_USAGE_VARIANTS) } }, policy).flags['many']).toEqual(variants(MAX_USAGE_VARIANTS));
    const flags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, { on: 1 }]));
    expect(pointers({ ...period, flags: flags(MAX_USAGE_FLAGS + 1) })).toEqual(['#/flags']);
  });
});

describe('POST /api/v1/usage: what the environment takes of a report', () => {
  const env = { flags: new Map([['checkout', { source: { variants: { on: true, off: false } } }]]) } as unknown as CompiledEnvironment;

  it('counts declared flags and variants, and names the rest as ignored', () => {
    expect(knownUsage(env, { checkout: { on: 2, off: 3, purple: 1 }, gone: { on: 5 } })).toEqual({ counted: { checkout: { on: 2, off: 3 } }, evaluations: 5, ignored: ['checkout/purple', 'gone'] });
    expect(knownUsage(env, { checkout: { constructor: 1 } as Record<string, number> })).toEqual({ counted: {}, evaluations: 0, ignored: ['checkout/constructor'] });
  });

  it('ignores everything for an environment without configuration', () => {
    expect(knownUsage(undefined, { checkout: { on: 1 } })).toEqual({ counted: {}, evaluations: 0, ignored: ['checkout'] });
  });
});
