import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, describeError, download, query } from '../api.ts';
import { ErrorSummary, Field } from '../components/field.tsx';
import { placeErrors, pointer } from '../field-errors.ts';
import { useTitle } from '../hooks.ts';
import type { AuditEntry } from '../types.ts';
import { Link } from '../router.tsx';
import { brief } from '../describe-serve.ts';

interface Filters {
  actor: string;
  entity: string;
  type: string;
  from: string;
  to: string;
}
const EMPTY: Filters = { actor: '', entity: '', type: '', from: '', to: '' };

/** `datetime-local` values carry no zone; the API wants one, so they are read as local time. */
const toInstant = (local: string) => (local ? new Date(local).toISOString() : undefined);

/** The audit feed: every change in the log, newest first, filtered by actor, entity, event type and time. */
export function AuditPage() {
  useTitle('Audit');
  const [form, setForm] = useState<Filters>(EMPTY);
  const [applied, setApplied] = useState<Filters>(EMPTY);
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);

  const filterQuery = (filters: Filters, extra: Record<string, string | number | undefined>) =>
    query({ actor: filters.actor, entity: filters.entity, type: filters.type, from: toInstant(filters.from), to: toInstant(filters.to), ...extra });
  const exportAs = async (format: 'csv' | 'json') => {
    try {
      await download(`/admin/audit${filterQuery(applied, { format })}`, `flagstaff-audit.${format}`);
    } catch (e) {
      setError(e);
    }
  };
  const load = async (filters: Filters, before?: number) => {
    setLoading(true);
    try {
      const q = filterQuery(filters, { limit: 50, before });
      const r = await api.get<{ entries: AuditEntry[]; nextCursor: number | null }>(`/admin/audit${q}`);
      setEntries((prev) => (before === undefined ? r.body.entries : [...prev, ...r.body.entries]));
      setCursor(r.body.nextCursor);
      setError(null);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    void load(applied);
  }, [applied]);

  const placed = placeErrors(error instanceof ApiError ? error.issues : [], ['actor', 'entity', 'type', 'from', 'to'].map((f) => pointer(f)));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setApplied({ ...form });
  };
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  return (
    <section>
      <h1>Audit</h1>
      <form className="filters" onSubmit={submit} noValidate aria-label="Audit filters">
        <ErrorSummary message={error ? describeError(error) : null} issues={placed.unplaced} />
        <Field label="Actor" at="#/actor" errors={placed.byField.get('#/actor')}>
          <input value={form.actor} onChange={set('actor')} />
        </Field>
        <Field label="Entity" at="#/entity" errors={placed.byField.get('#/entity')} hint="flag, or flag:new-checkout">
          <input value={form.entity} onChange={set('entity')} />
        </Field>
        <Field label="Event type" at="#/type" errors={placed.byField.get('#/type')} hint="e.g. FlagToggled">
          <input value={form.type} onChange={set('type')} />
        </Field>
        <Field label="From" at="#/from" errors={placed.byField.get('#/from')}>
          <input type="datetime-local" value={form.from} onChange={set('from')} />
        </Field>
        <Field label="To" at="#/to" errors={placed.byField.get('#/to')}>
          <input type="datetime-local" value={form.to} onChange={set('to')} />
        </Field>
        <div className="actions">
          <button type="submit" className="primary">
            Apply filters
          </button>
          <button
            type="button"
            onClick={() => {
              setForm(EMPTY);
              setApplied(EMPTY);
            }}
          >
            Clear
          </button>
          <button type="button" onClick={() => void exportAs('csv')}>
            Export CSV
          </button>
          <button type="button" onClick={() => void exportAs('json')}>
            Export JSON
          </button>
        </div>
      </form>
      <div className="table-wrap">
        <table className="audit-table">
          <caption className="visually-hidden">Audit entries, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Entity</th>
              <th scope="col">Reason</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.position} data-testid="audit-entry">
                <td>
                  <time dateTime={e.time}>{new Date(e.time).toLocaleString()}</time>
                </td>
                <td>{e.actor ?? '–'}</td>
                <td>{e.type}</td>
                <td>
                  {e.entityType === 'flag' ? <Link to={`/flags/${encodeURIComponent(e.entityKey)}/history`}>flag:{e.entityKey}</Link> : `${e.entityType}:${e.entityKey}`} v{e.version}
                </td>
                <td>{e.reason ?? ''}</td>
                <td>
                  <code className="change">{brief(e.change, 90)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!loading && entries.length === 0 && !error && <p>No entries match.</p>}
      {cursor !== null && (
        <button type="button" onClick={() => void load(applied, cursor)} disabled={loading}>
          Load older entries
        </button>
      )}
    </section>
  );
}
