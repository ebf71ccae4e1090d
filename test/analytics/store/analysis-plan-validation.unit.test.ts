import { describe, expect, it } from 'vitest';
import type { ExperimentStatisticsQuery, MetricQuery } from '../../../src/analytics/analytics-store.ts';
import { assembleStatistics, planAnalysis } from '../../../src/analytics/store/analysis-plan.ts';
import { ValidationError } from '../../../src/shared/errors.ts';

const KEY_PATTERN = '^[a-z0-9][a-z0-9._-]{0,127}$';
const EVENT_PATTERN = '^[A-Za-z0-9_.:-]{1,128}$';

const converted: MetricQuery = { key: 'converted', kind: 'binomial', event: 'purchase', cuped: false };
const query = (change: Partial<ExperimentStatisticsQuery> = {}): ExperimentStatisticsQuery => ({
  experimentKey: 'checkout-test',
  environment: 'production',
  variants: ['control', 'treatment'],
  metrics: [converted],
  cupedPreWindowDays: 14,
  ...change,
});
/** A query whose second metric (index 1, so the pointer shows the index) is `metric`. */
const secondMetric = (metric: Record<string, unknown>): ExperimentStatisticsQuery => query({ metrics: [converted, metric as unknown as MetricQuery] });

/** The refusal planAnalysis throws: its class, message and issues. */
function refusal(q: ExperimentStatisticsQuery): { message: string; issues: readonly { pointer: string; detail: string }[] } {
  try {
    planAnalysis(q);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    const { message, issues } = error as ValidationError;
    return { message, issues };
  }
  throw new Error('planAnalysis accepted the query');
}

/** The one issue, and a message that names the field (the pointer without `#/`) and says the same. */
const refused = (pointer: string, detail: string) => ({ message: `Invalid analytics query: ${pointer.slice(2)} ${detail}`, issues: [{ pointer, detail }] });

describe('planAnalysis refuses each field with its pointer and the reason', () => {
  it.each([
    ['an experiment key that is not a key', query({ experimentKey: 'Checkout' }), '#/experimentKey', `must match ${KEY_PATTERN}`],
    ['an experiment key that is not a string', query({ experimentKey: 7 as never }), '#/experimentKey', `must match ${KEY_PATTERN}`],
    ['an empty environment', query({ environment: '' }), '#/environment', `must match ${KEY_PATTERN}`],
    ['variants that are not a list', query({ variants: 'control' as never }), '#/variants', 'must be a list of at most 100 variants'],
    ['a variant that is not a key, by its index', query({ variants: ['control', 'Treatment'] }), '#/variants/1', `must match ${KEY_PATTERN}`],
    ['a repeated variant', query({ variants: ['control', 'treatment', 'control'] }), '#/variants', 'must not repeat a variant'],
    ['an invalid from', query({ from: new Date(Number.NaN) }), '#/from', 'must be a valid date'],
    ['a from that is not a Date', query({ from: 1000 as never }), '#/from', 'must be a valid date'],
    ['an invalid to', query({ to: new Date(Number.NaN) }), '#/to', 'must be a valid date'],
    ['metrics that are not a list', query({ metrics: { converted } as never }), '#/metrics', 'must be a list of at most 100 metrics'],
    ['a zero pre-window when a metric uses CUPED', query({ metrics: [{ ...converted, cuped: true }], cupedPreWindowDays: 0 }), '#/cupedPreWindowDays', 'must be a positive number'],
    ['a pre-window that is not a number', query({ metrics: [{ ...converted, cuped: true }], cupedPreWindowDays: '14' as never }), '#/cupedPreWindowDays', 'must be a positive number'],
    ['an empty metric key', secondMetric({ ...converted, key: '' }), '#/metrics/1/key', 'must be a non-empty string'],
    ['a metric key that is not a string', secondMetric({ ...converted, key: 5 }), '#/metrics/1/key', 'must be a non-empty string'],
    ['a repeated metric key', secondMetric({ ...converted, event: 'signup' }), '#/metrics/1/key', 'must not repeat a metric key'],
    ['a binomial event that is not an event name', secondMetric({ key: 'b', kind: 'binomial', event: 'pur chase', cuped: false }), '#/metrics/1/event', `must match ${EVENT_PATTERN}`],
    ['a mean event that is not an event name', secondMetric({ key: 'b', kind: 'mean', event: '', cuped: false }), '#/metrics/1/event', `must match ${EVENT_PATTERN}`],
    ['a percentile of 1', secondMetric({ key: 'b', kind: 'mean', event: 'purchase', winsorizePercentile: 1, cuped: false }), '#/metrics/1/winsorizePercentile', 'must be between 0 and 1 (exclusive)'],
    ['a ratio numerator that is not an event name', secondMetric({ key: 'b', kind: 'ratio', numerator: "x'", denominator: 'view', cuped: false }), '#/metrics/1/numerator', `must match ${EVENT_PATTERN}`],
    ['a ratio denominator that is not an event name', secondMetric({ key: 'b', kind: 'ratio', numerator: 'purchase', cuped: false }), '#/metrics/1/denominator', `must match ${EVENT_PATTERN}`],
    ['an unknown kind', secondMetric({ key: 'b', kind: 'median', event: 'purchase', cuped: false }), '#/metrics/1/kind', 'must be binomial, mean or ratio'],
  ] as const)('%s', (_, q, pointer, detail) => {
    expect(refusal(q)).toEqual(refused(pointer, detail));
  });

  // Windows are whole milliseconds: anything that is not a number, or rounds to less than 1 ms or beyond a safe
  // integer, is refused.
  it.each([
    ['zero', 0],
    ['negative', -1],
    ['too small to be a millisecond', 1e-9],
    ['not a number but a numeric string', '2'],
    ['true (which arithmetic would read as 1)', true],
    ['infinite', Number.POSITIVE_INFINITY],
    ['NaN', Number.NaN],
    ['beyond a safe integer of milliseconds', 1e20],
  ])('a window that is %s', (_, windowHours) => {
    expect(refusal(secondMetric({ key: 'b', kind: 'binomial', event: 'purchase', windowHours, cuped: false }))).toEqual(
      refused('#/metrics/1/windowHours', 'must be a positive number'),
    );
  });
});

describe('planAnalysis accepts up to its bounds, and leaves out what the query leaves out', () => {
  const names = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  const binomials = (n: number): MetricQuery[] => names('m', n).map((key) => ({ ...converted, key }));

  it('takes 100 variants, refuses 101', () => {
    expect(planAnalysis(query({ variants: names('v', 100) })).variants).toEqual(names('v', 100));
    expect(refusal(query({ variants: names('v', 101) }))).toEqual(refused('#/variants', 'must be a list of at most 100 variants'));
  });

  it('takes 100 metrics, refuses 101', () => {
    expect(planAnalysis(query({ metrics: binomials(100) })).metrics.map((m) => m.key)).toEqual(names('m', 100));
    expect(refusal(query({ metrics: binomials(101) }))).toEqual(refused('#/metrics', 'must be a list of at most 100 metrics'));
  });

  it('takes a window of exactly 1 ms', () => {
    expect(planAnalysis(query({ metrics: [{ ...converted, windowHours: 1 / 3_600_000 }] })).metrics[0]!.windowMs).toBe(1);
  });

  it('ignores the pre-window when no metric uses CUPED', () => {
    expect(planAnalysis(query({ cupedPreWindowDays: 0 })).preWindowMs).toBe(0);
  });

  it('has no fromMs, toMs, windowMs or capMicros keys at all when the query gives none', () => {
    const plan = planAnalysis(query({ metrics: [converted, { key: 'revenue', kind: 'mean', event: 'purchase', cuped: false }] }));
    expect(plan).toStrictEqual({
      experimentKey: 'checkout-test',
      environment: 'production',
      variants: ['control', 'treatment'],
      preWindowMs: 0,
      metrics: [
        { key: 'converted', kind: 'binomial', event: 'purchase', cuped: false },
        { key: 'revenue', kind: 'mean', event: 'purchase', cuped: false },
      ],
      eventNames: ['purchase'],
    });
  });

  it('takes an empty variant list and an empty metric list', () => {
    expect(planAnalysis(query({ variants: [], metrics: [] }))).toStrictEqual({
      experimentKey: 'checkout-test',
      environment: 'production',
      variants: [],
      preWindowMs: 0,
      metrics: [],
      eventNames: [],
    });
  });
});

describe('assembleStatistics reads numbers, 64-bit strings and bigints, and nothing else', () => {
  const plan = planAnalysis(query({ variants: ['control'], metrics: [] }));

  // A driver that sent null or a boolean would be misread as 0 or 1 if anything but numbers, bigints and strings were converted.
  it.each([
    [null, 'null'],
    [true, 'true'],
    [undefined, 'undefined'],
  ])('refuses %s as a statistic', (n, shown) => {
    expect(() => assembleStatistics(plan, [{ g: 1, n }])).toThrow(new Error(`The analytics store returned a non-numeric statistic: ${shown}`));
  });
});
