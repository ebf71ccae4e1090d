import { render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Comparison, ExperimentResults } from '../types.ts';
import { ExperimentResultsPage } from './experiment-results-page.tsx';

const NOTE = 'the control mean is 0, so there is no relative effect; the comparison is on the absolute difference instead';

const comparison = (overrides: Partial<Comparison>): Comparison => ({
  variant: 'on',
  baseline: 'off',
  status: 'ok',
  reason: null,
  note: null,
  method: 'frequentist',
  effect: 'relative',
  relativeLift: 0.25,
  ci: [0.05, 0.45],
  absoluteLift: 0.025,
  absoluteCi: [0.005, 0.045],
  pValue: 0.012,
  adjustedPValue: null,
  chanceToWin: null,
  risk: null,
  significant: true,
  verdict: 'improvement',
  cuped: false,
  ...overrides,
});

function results(comparisons: Comparison[]): ExperimentResults {
  return {
    experimentKey: 'payments-test',
    status: 'running',
    method: 'frequentist',
    controlVariant: 'off',
    window: { from: '2026-12-01T00:00:00Z', to: null },
    srm: { status: 'ok', pValue: 0.6, observed: { off: 1000, on: 1000, beta: 1000 }, expected: { off: 1 / 3, on: 1 / 3, beta: 1 / 3 }, mismatch: false },
    multipleExposures: 0,
    correction: 'none',
    generatedAt: '2026-12-02T00:00:00Z',
    metrics: [
      {
        metricKey: 'failed-payment',
        kind: 'binomial',
        role: 'guardrail',
        direction: 'lower',
        variants: [{ variant: 'off', units: 1000, mean: 0 }, { variant: 'on', units: 1000, mean: 0.3 }, { variant: 'beta', units: 1000, mean: 0 }],
        comparisons,
        statistics: { off: { n: 1000, sum: 0, sumSquares: 0 }, on: { n: 1000, sum: 300, sumSquares: 300 }, beta: { n: 1000, sum: 0, sumSquares: 0 } },
      },
    ],
  };
}

/** The API as the page calls it: the results answer with `body`; the experiment itself is not needed here (404). */
function serve(body: ExperimentResults): void {
  vi.stubGlobal('fetch', async (path: string) =>
    path.endsWith('/results')
      ? new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } })
      : new Response(JSON.stringify({ status: 404, detail: 'not here' }), { status: 404, headers: { 'content-type': 'application/problem+json' } }),
  );
}

afterEach(() => vi.unstubAllGlobals());

describe('<ExperimentResultsPage>', () => {
  it('shows the note of a comparison judged on the absolute difference, and keeps it off the relative forest plot', async () => {
    const absolute = comparison({ effect: 'absolute', note: NOTE, relativeLift: null, absoluteLift: 0.3, ci: [0.27, 0.33], absoluteCi: [0.27, 0.33], pValue: 1e-79, verdict: 'regression' });
    serve(results([absolute, comparison({ variant: 'beta', significant: false, verdict: 'inconclusive' })]));
    render(<ExperimentResultsPage experimentKey="payments-test" />);

    const note = await screen.findByTestId('comparison-note');
    expect(note.textContent).toBe(`Note on on: ${NOTE}`);
    const table = screen.getByRole('table', { name: 'Comparisons with off' });
    const row = within(table).getByRole('rowheader', { name: 'on' }).closest('tr')!;
    expect(within(row).getByText('0.3 (absolute)')).toBeTruthy();
    expect(within(row).getByText('0.27 to 0.33')).toBeTruthy();
    expect(within(row).getByText('regression')).toBeTruthy();
    const plotted = screen.getAllByTestId('forest-row').map((r) => r.textContent);
    expect(plotted).toEqual(['beta vs off']);
  });

  it('shows no note, and plots every comparison, when each is the relative one asked for', async () => {
    serve(results([comparison({}), comparison({ variant: 'beta', significant: false, verdict: 'inconclusive' })]));
    render(<ExperimentResultsPage experimentKey="payments-test" />);

    expect(await screen.findAllByTestId('forest-row')).toHaveLength(2);
    expect(screen.queryByTestId('comparison-note')).toBeNull();
    const table = screen.getByRole('table', { name: 'Comparisons with off' });
    expect(within(within(table).getByRole('rowheader', { name: 'on' }).closest('tr')!).getByText('+25.0%')).toBeTruthy();
  });
});
