import './admin-pages.css';
import { useState } from 'react';
import { ApiError, api, apiRequest, query } from '../api.ts';
import type { StaleFlag } from '../admin-types.ts';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { Field } from '../components/field.tsx';
import { PageHeading } from '../components/page-heading.tsx';
import { ActionsHeader } from '../components/revocable-cells.tsx';
import { placeErrors, pointer } from '../field-errors.ts';
import { formatTime } from '../format-time.ts';
import { useLoad, useTitle } from '../hooks.ts';
import { Link, navigate, useLocation } from '../router.tsx';
import { describeStaleness, STALE_PERIODS } from '../staleness.ts';

/**
 * Flags that look finished: not evaluated at all over the period, or serving one variant to everyone. Each
 * links to its editor and can be archived (after a confirmation) from here.
 */
export function StaleFlagsPage() {
  useTitle('Stale flags');
  const { search } = useLocation();
  const days = search.get('days') ?? '30';
  const [archiving, setArchiving] = useState<StaleFlag | null>(null);
  const [status, setStatus] = useState('');
  const [loadError, setLoadError] = useState<unknown>(null);
  const stale = useLoad(async () => {
    try {
      const r = await api.get<{ flags: StaleFlag[]; nextCursor: string | null }>(`/admin/flags${query({ stale: 'true', staleDays: days, limit: 1000 })}`);
      setLoadError(null);
      // The period travels with its answer, so the page never describes one period's list with another's.
      return { ...r.body, days };
    } catch (e) {
      setLoadError(e);
      throw e;
    }
  }, [days]);
  // A period the API refuses (the address can say anything) is shown on the period picker, by its pointer.
  const placed = placeErrors(loadError instanceof ApiError ? loadError.issues : [], [pointer('staleDays')]);
  const periodErrors = placed.byField.get('#/staleDays');
  const periods = STALE_PERIODS.map(String).includes(days) ? STALE_PERIODS.map(String) : [days, ...STALE_PERIODS.map(String)];

  return (
    <section>
      <PageHeading>Stale flags</PageHeading>
      <p className="muted">
        Flags not evaluated at all, or serving one and the same variant to everyone, over the whole period: candidates for removal from the code, then archiving. Flags younger than the period are
        not listed. The counts come from the evaluations Flagstaff records; an SDK that evaluates locally counts only if it reports its evaluations, so check the code before archiving.
      </p>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <Field label="Period" at="#/staleDays" errors={periodErrors}>
          <select value={days} onChange={(e) => navigate(`/stale-flags${query({ days: e.target.value })}`, { replace: true })}>
            {periods.map((d) => (
              <option key={d} value={d}>
                last {d} days
              </option>
            ))}
          </select>
        </Field>
      </form>
      <p className="visually-hidden" role="status">
        {status}
      </p>
      {stale.error && !periodErrors && (
        <div className="error-summary" role="alert">
          {stale.error}
        </div>
      )}
      {stale.loading && !stale.data && <p aria-busy="true">Loading stale flags…</p>}
      {stale.data && !stale.error && stale.data.flags.length === 0 && <p>No stale flags over the last {stale.data.days} days.</p>}
      {stale.data && !stale.error && stale.data.flags.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Flags stale over the last {stale.data.days} days</caption>
            <thead>
              <tr>
                <th scope="col">Flag</th>
                <th scope="col">Why stale</th>
                <th scope="col">Evaluations</th>
                <th scope="col">Last evaluated</th>
                <ActionsHeader />
              </tr>
            </thead>
            <tbody>
              {stale.data.flags.map((f) => (
                <tr key={f.key} data-testid="stale-flag">
                  <th scope="row">
                    <Link to={`/flags/${encodeURIComponent(f.key)}`} className="flag-key">
                      {f.key}
                    </Link>
                    {f.description && <div className="muted">{f.description}</div>}
                  </th>
                  <td>{describeStaleness(f.stale)}</td>
                  <td>{f.stale.evaluations.toLocaleString('en')}</td>
                  <td>{f.stale.lastEvaluatedAt ? <time dateTime={f.stale.lastEvaluatedAt}>{formatTime(f.stale.lastEvaluatedAt)}</time> : 'never'}</td>
                  <td>
                    <button type="button" className="danger-outline" onClick={() => setArchiving(f)} aria-label={`Archive ${f.key}`}>
                      Archive
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {stale.data.nextCursor && <p className="muted">The first 1,000 stale flags are shown.</p>}
        </div>
      )}
      {archiving && (
        <ConfirmDialog
          title={`Archive ${archiving.key}?`}
          confirmLabel="Archive flag"
          onClose={() => setArchiving(null)}
          onConfirm={async () => {
            await apiRequest('DELETE', `/admin/flags/${encodeURIComponent(archiving.key)}`);
            setArchiving(null);
            setStatus(`Archived ${archiving.key}`);
            stale.reload();
          }}
        >
          <p>
            <strong>{archiving.key}</strong> stops being served in every environment: applications that still evaluate it get “flag not found” and their default value.
          </p>
          <p>Its history stays, and it can be restored.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
