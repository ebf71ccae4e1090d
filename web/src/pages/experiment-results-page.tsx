import { useState } from 'react';
import { api, describeError, etagOf } from '../api.ts';
import { ForestPlot } from '../components/forest-plot.tsx';
import { NoTrafficWarning } from '../components/no-traffic-warning.tsx';
import { Time } from '../components/time.tsx';
import { starvedExperiments } from '../experiment-traffic.ts';
import { formatLift } from '../forest-scale.ts';
import { useLoad, useTitle } from '../hooks.ts';
import { Link } from '../router.tsx';
import type { Comparison, Experiment, ExperimentResults, Flag, MetricResult } from '../types.ts';
import { formatPercent } from '../weights.ts';

const fmt = (n: number | null | undefined, digits = 4) => (n === null || n === undefined || !Number.isFinite(n) ? '–' : Number(n.toPrecision(digits)).toLocaleString('en', { maximumFractionDigits: 6 }));
/** p-values this small are all "certain"; printing 0 or 1e-42 would suggest a precision that is not there. */
const pValue = (p: number | null) => (p === null ? '–' : p < 0.0001 ? '< 0.0001' : fmt(p, 3));
const pct = (n: number | null) => (n === null ? '–' : `${(n * 100).toFixed(1)}%`);

/** An experiment's results: SRM first (it voids the rest), the sequential state, then per metric a forest plot, the comparisons and the raw numbers. */
export function ExperimentResultsPage({ experimentKey }: { experimentKey: string }) {
  useTitle(`${experimentKey} results`);
  const path = `/admin/experiments/${encodeURIComponent(experimentKey)}`;
  const experiment = useLoad(() => api.get<Experiment>(path), [experimentKey]);
  const results = useLoad(async () => (await api.get<ExperimentResults>(`${path}/results`)).body, [experimentKey]);
  const [actionError, setActionError] = useState<string | null>(null);
  const flagKey = experiment.data?.body.flagKey;
  // The flag's switch in the experiment's environment decides whether the experiment gets any traffic at all.
  const flag = useLoad(async () => (flagKey === undefined ? undefined : (await api.get<Flag>(`/admin/flags/${encodeURIComponent(flagKey)}`)).body), [flagKey]);

  const act = async (action: 'start' | 'stop') => {
    try {
      await api.post(`${path}/${action}`, {}, experiment.data ? etagOf(experiment.data.body.version) : null);
      experiment.reload();
      results.reload();
    } catch (e) {
      setActionError(describeError(e));
    }
  };

  const e = experiment.data?.body;
  const r = results.data;
  const enabled = flag.data ? Object.fromEntries(Object.entries(flag.data.environments).map(([env, t]) => [env, t.enabled])) : undefined;
  const starved = e && enabled ? starvedExperiments([e], e.flagKey, enabled) : [];
  return (
    <section>
      <div className="page-head">
        <h1>{experimentKey}</h1>
        <div className="actions">
          {e && (e.status === 'draft' || e.status === 'stopped') && (
            <button type="button" className="primary" onClick={() => void act('start')}>
              Start
            </button>
          )}
          {e?.status === 'running' && (
            <button type="button" className="danger" onClick={() => void act('stop')}>
              Stop
            </button>
          )}
          <button type="button" onClick={results.reload}>
            Refresh results
          </button>
        </div>
      </div>
      {(experiment.error || results.error || actionError) && <div className="error-summary" role="alert">{experiment.error ?? results.error ?? actionError}</div>}
      {starved.map((s) => (
        <NoTrafficWarning key={s.key} experiment={s} from="experiment" />
      ))}
      {e && (
        <dl className="facts">
          <div>
            <dt>Status</dt>
            <dd>
              <span className={`status status-${e.status}`}>{e.status}</span>
            </dd>
          </div>
          <div>
            <dt>Flag</dt>
            <dd>
              <Link to={`/flags/${encodeURIComponent(e.flagKey)}`}>{e.flagKey}</Link> in {e.environment}
              {enabled ? `, switched ${enabled[e.environment] ? 'on' : 'off'}` : ''}
            </dd>
          </div>
          <div>
            <dt>Hypothesis</dt>
            <dd>{e.hypothesis || '–'}</dd>
          </div>
          <div>
            <dt>Design</dt>
            <dd>
              {e.variants.map((v) => `${v.variant} ${formatPercent(v.weight)}`).join(' / ')}, control {e.controlVariant}, {e.trafficPercent}% traffic, {e.method}, α {e.alpha}, power {e.power}
              {e.minimumDetectableEffect ? `, MDE ${formatLift(e.minimumDetectableEffect)}` : ''}
            </dd>
          </div>
        </dl>
      )}
      {r && <SrmBanner results={r} />}
      {r && r.method === 'sequential' && <SequentialState results={r} />}
      {r && (
        <p className="muted">
          Units excluded for seeing several variants: {r.multipleExposures.toLocaleString('en')} · generated <Time value={r.generatedAt} />
          {r.correction !== 'none' ? ` · p-values adjusted (${r.correction})` : ''}
        </p>
      )}
      {r?.metrics.map((m) => <MetricSection key={m.metricKey} metric={m} srmMismatch={r.srm.mismatch} />)}
      {r && r.metrics.length === 0 && <p>No metric results yet.</p>}
    </section>
  );
}

function SrmBanner({ results }: { results: ExperimentResults }) {
  const { srm } = results;
  const observed = Object.entries(srm.observed).map(([v, n]) => `${v} ${n.toLocaleString('en')}`).join(', ');
  const expected = Object.entries(srm.expected).map(([v, share]) => `${v} ${(share * 100).toFixed(1)}%`).join(', ');
  if (!srm.mismatch) {
    return (
      <p className="srm-ok">
        Sample ratio OK (p = {pValue(srm.pValue)}): {observed}.
      </p>
    );
  }
  return (
    <div className="banner banner-danger" role="alert" data-testid="srm-banner">
      <strong>Sample ratio mismatch.</strong> Units did not split as configured (observed {observed}; expected {expected}; p {srm.pValue !== null && srm.pValue < 0.0001 ? '' : '= '}{pValue(srm.pValue)}). Assignment or
      exposure logging is broken somewhere: do not trust any result below until the cause is found.
    </div>
  );
}

/** Confidence sequences stay valid however often one looks: stopping is safe once an interval excludes 0. */
function SequentialState({ results }: { results: ExperimentResults }) {
  const primary = results.metrics.find((m) => m.role === 'primary');
  const decided = primary?.comparisons.filter((c) => c.significant) ?? [];
  const total = Object.values(results.srm.observed).reduce((a, b) => a + b, 0);
  return (
    <div className="banner banner-info" data-testid="sequential-state">
      <strong>Sequential analysis</strong> (always-valid intervals, safe to peek) · {total.toLocaleString('en')} units so far ·{' '}
      {decided.length > 0
        ? `can stop: ${decided.map((c) => `${c.variant} is ${c.verdict === 'regression' ? 'worse' : 'better'} than ${c.baseline} on ${primary!.metricKey}`).join('; ')}`
        : `keep running: no interval of ${primary?.metricKey ?? 'the primary metric'} excludes 0 yet`}
      {results.srm.mismatch && ' (not before the sample ratio mismatch is explained)'}
    </div>
  );
}

function MetricSection({ metric, srmMismatch }: { metric: MetricResult; srmMismatch: boolean }) {
  // The plot's axis is the relative lift: a comparison judged on the absolute difference stays in the table, with its note.
  const rows = metric.comparisons
    .filter((c) => c.effect === 'relative')
    .map((c) => ({ label: `${c.variant} vs ${c.baseline}`, estimate: c.relativeLift, ci: c.ci, significant: c.significant, verdict: c.verdict }));
  return (
    <section className={`card metric${srmMismatch ? ' distrusted' : ''}`} aria-labelledby={`metric-${metric.metricKey}`} data-testid="metric-result">
      <h2 id={`metric-${metric.metricKey}`}>
        {metric.metricKey} <span className="role-badge">{metric.role}</span> <span className="muted">{metric.kind}, {metric.direction} is better</span>
      </h2>
      {rows.length > 0 && <ForestPlot title={`${metric.metricKey}: relative lift with its interval`} rows={rows} />}
      <div className="table-wrap">
        <table>
          <caption>Comparisons with {metric.comparisons[0]?.baseline ?? 'control'}</caption>
          <thead>
            <tr>
              <th scope="col">Variant</th>
              <th scope="col">Lift</th>
              <th scope="col">Interval</th>
              <th scope="col">p-value</th>
              <th scope="col">Chance to win</th>
              <th scope="col">Verdict</th>
            </tr>
          </thead>
          <tbody>
            {metric.comparisons.map((c) => (
              <ComparisonRow key={c.variant} c={c} />
            ))}
          </tbody>
        </table>
      </div>
      <div className="table-wrap">
        <table>
          <caption>Raw numbers per variant</caption>
          <thead>
            <tr>
              <th scope="col">Variant</th>
              <th scope="col">Units (n)</th>
              <th scope="col">Mean</th>
              <th scope="col">Σy</th>
              <th scope="col">Σy²</th>
            </tr>
          </thead>
          <tbody>
            {metric.variants.map((v) => {
              const s = metric.statistics[v.variant];
              return (
                <tr key={v.variant}>
                  <th scope="row">{v.variant}</th>
                  <td>{v.units.toLocaleString('en')}</td>
                  <td>{fmt(v.mean)}</td>
                  <td>{fmt(s?.sum, 8)}</td>
                  <td>{fmt(s?.sumSquares, 8)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function ComparisonRow({ c }: { c: Comparison }) {
  if (c.status !== 'ok') {
    return (
      <tr>
        <th scope="row">{c.variant}</th>
        <td colSpan={5}>Not enough data: {c.reason}</td>
      </tr>
    );
  }
  const relative = c.effect === 'relative';
  const lift = relative ? c.relativeLift : c.absoluteLift;
  return (
    <>
      <tr>
        <th scope="row">{c.variant}</th>
        <td>{relative ? formatLift(lift) : `${fmt(lift)} (absolute)`}</td>
        <td>{c.ci ? `${relative ? formatLift(c.ci[0]) : fmt(c.ci[0])} to ${relative ? formatLift(c.ci[1]) : fmt(c.ci[1])}` : '–'}</td>
        <td>{pValue(c.adjustedPValue ?? c.pValue)}</td>
        <td>{pct(c.chanceToWin)}</td>
        <td>
          <span className={`verdict verdict-${c.verdict}`}>{c.significant ? c.verdict : 'inconclusive'}</span>
        </td>
      </tr>
      {c.note && (
        <tr className="comparison-note">
          <td colSpan={6} data-testid="comparison-note">
            Note on {c.variant}: {c.note}
          </td>
        </tr>
      )}
    </>
  );
}
