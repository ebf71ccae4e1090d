import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, describeError } from '../api.ts';
import { ErrorSummary, Field } from '../components/field.tsx';
import { FormActions } from '../components/form-actions.tsx';
import { ModalDialog } from '../components/portal-dialog.tsx';
import { placeErrors, pointer } from '../field-errors.ts';
import { useLoad, useTitle } from '../hooks.ts';
import { Link } from '../router.tsx';
import type { Experiment, Metric } from '../types.ts';

export function ExperimentsPage() {
  useTitle('Experiments');
  const experiments = useLoad(async () => (await api.get<{ experiments: Experiment[] }>('/admin/experiments')).body.experiments, []);
  const metrics = useLoad(async () => (await api.get<{ metrics: Metric[] }>('/admin/metrics')).body.metrics, []);
  const [defining, setDefining] = useState(false);
  // `/experiments#metric-<key>` (the audit feed links metrics so) points at one metric of the list.
  const pointed = window.location.hash.startsWith('#metric-') ? decodeURIComponent(window.location.hash.slice('#metric-'.length)) : null;
  useEffect(() => {
    if (pointed && metrics.data) document.getElementById(`metric-${pointed}`)?.scrollIntoView({ block: 'center' });
  }, [pointed, metrics.data]);
  return (
    <section>
      <div className="page-head">
        <h1>Experiments</h1>
        <div className="actions">
          <button type="button" onClick={() => setDefining(true)}>
            New metric
          </button>
          <Link to="/experiments/new" className="button primary">
            New experiment
          </Link>
        </div>
      </div>
      {experiments.error && <div className="error-summary" role="alert">{experiments.error}</div>}
      {experiments.data && experiments.data.length === 0 && <p>No experiments yet.</p>}
      {experiments.data && experiments.data.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Experiment</th>
                <th scope="col">Flag</th>
                <th scope="col">Environment</th>
                <th scope="col">Status</th>
                <th scope="col">Primary metric</th>
              </tr>
            </thead>
            <tbody>
              {experiments.data.map((e) => (
                <tr key={e.key}>
                  <th scope="row">
                    <Link to={`/experiments/${encodeURIComponent(e.key)}`}>{e.key}</Link>
                    {e.hypothesis && <div className="muted">{e.hypothesis}</div>}
                  </th>
                  <td>
                    <Link to={`/flags/${encodeURIComponent(e.flagKey)}`}>{e.flagKey}</Link>
                  </td>
                  <td>{e.environment}</td>
                  <td>
                    <span className={`status status-${e.status}`}>{e.status}</span>
                  </td>
                  <td>{e.primaryMetric}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Metrics</h2>
      {metrics.data && metrics.data.length === 0 && <p>No metrics yet: define one before designing an experiment.</p>}
      {metrics.data && metrics.data.length > 0 && (
        <ul className="metric-list">
          {metrics.data.map((m) => (
            <li key={m.key} id={`metric-${m.key}`} className={m.key === pointed ? 'selected' : undefined} aria-current={m.key === pointed ? 'true' : undefined}>
              <strong>{m.key}</strong> <span className="muted">{m.kind}{m.event ? ` of ${m.event}` : ''}, {m.direction} is better</span>
            </li>
          ))}
        </ul>
      )}
      {defining && (
        <MetricDialog
          onClose={() => setDefining(false)}
          onDefined={() => {
            setDefining(false);
            metrics.reload();
          }}
        />
      )}
    </section>
  );
}

function MetricDialog({ onClose, onDefined }: { onClose: () => void; onDefined: () => void }) {
  const [key, setKey] = useState('');
  const [kind, setKind] = useState<'binomial' | 'mean' | 'ratio'>('binomial');
  const [event, setEvent] = useState('');
  const [numerator, setNumerator] = useState('');
  const [denominator, setDenominator] = useState('');
  const [direction, setDirection] = useState<'higher' | 'lower'>('higher');
  const [error, setError] = useState<unknown>(null);
  const placed = placeErrors(error instanceof ApiError ? error.issues : [], ['key', 'kind', 'event', 'numerator', 'denominator', 'direction'].map((f) => pointer(f)));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const events = kind === 'ratio' ? { numerator, denominator } : { event };
      await api.post('/admin/metrics', { key: key.trim(), kind, direction, ...events });
      onDefined();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <ModalDialog title="New metric" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <ErrorSummary message={error ? describeError(error) : null} issues={placed.unplaced} />
        <Field label="Key" at="#/key" errors={placed.byField.get('#/key')}>
          <input value={key} onChange={(e) => setKey(e.target.value)} data-autofocus autoComplete="off" />
        </Field>
        <Field label="Kind" at="#/kind" errors={placed.byField.get('#/kind')} hint={kind === 'binomial' ? 'converted if the unit sent the event after exposure' : kind === 'mean' ? 'per-unit sum of the event values' : 'per-unit numerator sum over denominator sum'}>
          <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
            <option>binomial</option>
            <option>mean</option>
            <option>ratio</option>
          </select>
        </Field>
        {kind === 'ratio' ? (
          <>
            <Field label="Numerator event" at="#/numerator" errors={placed.byField.get('#/numerator')}>
              <input value={numerator} onChange={(e) => setNumerator(e.target.value)} />
            </Field>
            <Field label="Denominator event" at="#/denominator" errors={placed.byField.get('#/denominator')}>
              <input value={denominator} onChange={(e) => setDenominator(e.target.value)} />
            </Field>
          </>
        ) : (
          <Field label="Event" at="#/event" errors={placed.byField.get('#/event')}>
            <input value={event} onChange={(e) => setEvent(e.target.value)} />
          </Field>
        )}
        <Field label="Better when" at="#/direction" errors={placed.byField.get('#/direction')}>
          <select value={direction} onChange={(e) => setDirection(e.target.value as typeof direction)}>
            <option value="higher">higher</option>
            <option value="lower">lower</option>
          </select>
        </Field>
        <FormActions submitLabel="Define metric" onCancel={onClose} />
      </form>
    </ModalDialog>
  );
}
