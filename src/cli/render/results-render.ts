import { formatNumber, percent, renderTable, type Cell } from '../output.ts';

interface Comparison {
  variant: string;
  baseline: string;
  relativeLift: number | null;
  ci: [number | null, number | null] | null;
  absoluteLift: number | null;
  absoluteCi: [number | null, number | null] | null;
  effect?: 'relative' | 'absolute';
  pValue: number | null;
  adjustedPValue?: number | null;
  chanceToWin: number | null;
  significant: boolean;
  verdict?: string;
  status?: string;
  reason?: string | null;
  note?: string | null;
}

interface MetricResult {
  metricKey: string;
  kind: string;
  role: string;
  direction?: string;
  variants: { variant: string; units: number; mean: number | null }[];
  comparisons: Comparison[];
  cuped?: boolean;
}

export interface ExperimentResults {
  experimentKey: string;
  status: string;
  method: string;
  controlVariant?: string;
  srm: { status?: string; reason?: string | null; pValue: number | null; observed: Record<string, number>; expected: Record<string, number>; mismatch: boolean };
  multipleExposures: number;
  correction?: string;
  metrics: MetricResult[];
}

/**
 * Results as people read them: SRM first (if it fails, nothing below is to be trusted), then one table per
 * metric with each variant's units and mean (a rate for binomial metrics) and its comparison with control.
 */
export function renderResults(results: ExperimentResults): string {
  const lines: string[] = [];
  lines.push(`Experiment ${results.experimentKey} — ${results.status}, ${results.method}${results.correction && results.correction !== 'none' ? `, ${results.correction} correction` : ''}`);
  const observed = Object.entries(results.srm.observed).map(([v, n]) => `${v} ${n}`).join(', ') || 'no units yet';
  if (results.srm.mismatch) {
    lines.push(`WARNING: sample ratio mismatch (p = ${formatNumber(results.srm.pValue ?? 0)}): units did not split as configured; do not trust these results.`);
  } else {
    lines.push(`SRM check: ${results.srm.pValue === null ? (results.srm.reason ?? 'not enough data') : `ok (p = ${formatNumber(results.srm.pValue)})`}`);
  }
  lines.push(`Units: ${observed}; excluded for multiple exposures: ${results.multipleExposures}`);
  for (const metric of results.metrics) {
    lines.push('');
    lines.push(`${metric.metricKey} (${metric.role}, ${metric.kind}${metric.direction === 'lower' ? ', lower is better' : ''}${metric.cuped ? ', CUPED' : ''})`);
    const rows: Cell[][] = metric.variants.map((variant) => {
      const comparison = metric.comparisons.find((c) => c.variant === variant.variant);
      const mean = variant.mean === null ? null : metric.kind === 'binomial' ? `${(variant.mean * 100).toFixed(2)}%` : formatNumber(variant.mean);
      if (!comparison) return [variant.variant + (variant.variant === results.controlVariant ? ' (control)' : ''), variant.units, mean, '', '', '', '', ''];
      const relative = comparison.effect !== 'absolute';
      const lift = relative ? percent(comparison.relativeLift) : formatSigned(comparison.absoluteLift);
      const interval = relative ? intervalText(comparison.ci, (v) => percent(v)) : intervalText(comparison.absoluteCi ?? comparison.ci, formatSigned);
      const p = comparison.adjustedPValue ?? comparison.pValue;
      return [
        variant.variant,
        variant.units,
        mean,
        comparison.status === 'insufficient-data' ? 'not enough data' : lift,
        interval,
        comparison.chanceToWin === null ? null : `${(comparison.chanceToWin * 100).toFixed(1)}%`,
        p,
        comparison.significant ? (comparison.verdict ?? 'yes') : 'no',
      ];
    });
    lines.push(renderTable(['variant', 'units', metric.kind === 'binomial' ? 'rate' : 'mean', 'lift', 'interval', 'chance to win', 'p-value', 'significant'], rows));
    // A comparison judged otherwise than asked (an absolute lift among relative ones) must say so beside the table.
    for (const c of metric.comparisons) if (c.note) lines.push(`Note on ${c.variant}: ${c.note}`);
  }
  return lines.join('\n');
}

function intervalText(ci: [number | null, number | null] | null | undefined, format: (v: number) => string): string | null {
  if (!ci) return null;
  const [low, high] = ci;
  return `[${low === null ? '−∞' : format(low)}, ${high === null ? '+∞' : format(high)}]`;
}

function formatSigned(value: number | null): string {
  if (value === null) return '—';
  return value > 0 ? `+${formatNumber(value)}` : formatNumber(value);
}
