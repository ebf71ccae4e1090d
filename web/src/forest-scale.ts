/** A linear scale of a forest plot: lifts (fractions) to x positions, with "nice" ticks and 0 always in view. */
export interface ForestScale {
  domain: [number, number];
  ticks: number[];
  x(value: number): number;
}

/**
 * Takes every interval end and point estimate to plot (nulls, an open end of a one-sided interval, are
 * skipped) and the pixel range; pads the domain to round tick steps, always including 0 (no effect).
 */
export function forestScale(values: readonly (number | null)[], range: [number, number], tickCount = 5): ForestScale {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  let lo = Math.min(0, ...finite);
  let hi = Math.max(0, ...finite);
  if (lo === hi) {
    lo = -0.01;
    hi = 0.01;
  }
  const step = niceStep((hi - lo) / Math.max(1, tickCount));
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let t = lo; t <= hi + step / 2; t += step) ticks.push(roundTo(t, step));
  const [r0, r1] = range;
  return { domain: [roundTo(lo, step), roundTo(hi, step)], ticks, x: (v) => r0 + ((v - lo) / (hi - lo)) * (r1 - r0) };
}

/** 1, 2 or 5 times a power of ten. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const f = rough / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

/** Removes float noise (0.30000000000000004) from a multiple of the step. */
function roundTo(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  const rounded = Number(value.toFixed(decimals));
  return Object.is(rounded, -0) ? 0 : rounded;
}

/** A lift as a signed percentage: 0.128 → "+12.8%". */
export function formatLift(value: number | null, digits = 1): string {
  if (value === null || !Number.isFinite(value)) return '–';
  const pct = (value * 100).toFixed(digits);
  return `${value > 0 ? '+' : ''}${pct}%`;
}
