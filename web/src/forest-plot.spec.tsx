import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ForestPlot } from './components/forest-plot.tsx';
import { forestScale, formatLift } from './forest-scale.ts';

describe('the forest plot scale', () => {
  it('always shows 0 and pads the domain to round ticks', () => {
    const s = forestScale([0.051, 0.128, 0.205], [0, 100]);
    expect(s.domain[0]).toBe(0);
    expect(s.domain[1]).toBeGreaterThanOrEqual(0.205);
    expect(s.ticks).toContain(0);
    expect(s.ticks[0]).toBe(s.domain[0]);
    expect(s.ticks[s.ticks.length - 1]).toBe(s.domain[1]);
    // ticks are evenly spaced, without float noise
    expect(s.ticks).toEqual([0, 0.05, 0.1, 0.15, 0.2, 0.25]);
  });

  it('maps values linearly onto the pixel range', () => {
    const s = forestScale([-0.1, 0.3], [100, 500]);
    expect(s.domain).toEqual([-0.1, 0.3]);
    expect(s.x(-0.1)).toBe(100);
    expect(s.x(0.3)).toBe(500);
    expect(s.x(0.1)).toBeCloseTo(300, 9);
    expect(s.x(0)).toBeCloseTo(200, 9);
  });

  it('skips nulls (open ends of one-sided intervals) and copes with no data', () => {
    expect(forestScale([null, 0.02, null], [0, 10]).domain).toEqual([0, 0.02]);
    expect(forestScale([], [0, 10]).domain).toEqual([-0.01, 0.01]);
  });

  it('formats lifts as signed percentages', () => {
    expect(formatLift(0.128)).toBe('+12.8%');
    expect(formatLift(-0.05)).toBe('-5.0%');
    expect(formatLift(null)).toBe('–');
  });
});

describe('<ForestPlot>', () => {
  it('draws one row per comparison with its interval and estimate, coloured by verdict, and describes itself', () => {
    const { container, getByRole } = render(
      <ForestPlot
        title="purchase"
        rows={[
          { label: 'on vs off', estimate: 0.128, ci: [0.051, 0.205], significant: true, verdict: 'improvement' },
          { label: 'beta vs off', estimate: -0.02, ci: [-0.08, null], significant: false },
        ]}
      />,
    );
    const rows = container.querySelectorAll('[data-testid="forest-row"]');
    expect(rows).toHaveLength(2);
    expect(rows[0]!.getAttribute('class')).toContain('improvement');
    expect(rows[1]!.getAttribute('class')).toContain('neutral');
    const line = rows[0]!.querySelector('line.interval')!;
    expect(Number(line.getAttribute('x1'))).toBeLessThan(Number(line.getAttribute('x2')));
    const dot = rows[0]!.querySelector('circle')!;
    expect(Number(dot.getAttribute('cx'))).toBeGreaterThan(Number(line.getAttribute('x1')));
    expect(Number(dot.getAttribute('cx'))).toBeLessThan(Number(line.getAttribute('x2')));
    // the open upper end is drawn as an arrow
    expect(rows[1]!.querySelectorAll('path')).toHaveLength(1);
    expect(getByRole('img').getAttribute('aria-label')).toBe('purchase: on vs off: +12.8% (+5.1% to +20.5%); beta vs off: -2.0% (-8.0% to –)');
  });
});
