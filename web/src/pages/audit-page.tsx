import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, describeError, download, query } from '../api.ts';
import { actorChoices } from '../audit-actors.ts';
import { changeLines } from '../change-summary.ts';
import { ErrorSummary, Field } from '../components/field.tsx';
import { FlagDiffToggle } from '../components/flag-diff.tsx';
import { Time } from '../components/time.tsx';
import { eventLabel, knownEventTypes } from '../event-labels.ts';
import { placeErrors, pointer } from '../field-errors.ts';
import { localZoneLabel } from '../format-time.ts';
import { useTitle } from '../hooks.ts';
import { localToIso } from '../local-datetime.ts';
import type { AuditEntry } from '../types.ts';
import { Link } from '../router.tsx';

interface Filters {
  actor: string;
  entity: string;
  type: string;
  from: string;
  to: string;
}
const EMPTY: Filters = { actor: '', entity: '', type: '', from: '', to: '' };

/** The audit feed: every change in the log, newest first, filtered by actor, entity, event type and time. */
export function AuditPage() {
  useTitle('Audit');
  const [form, setForm] = useState<Filters>(EMPTY);
  const [applied, setApplied] = useState<Filters>(EMPTY);
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  // Every actor seen since the page opened: filtering the feed must not shrink what the actor field offers.
  const [actorsSeen, setActorsSeen] = useState<readonly string[]>([]);

  const filterQuery = (filters: Filters, extra: Record<string, string | number | undefined>) =>
    query({ actor: filters.actor, entity: filters.entity, type: filters.type, from: localToIso(filters.from), to: localToIso(filters.to), ...extra });
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
      setActorsSeen((prev) => actorChoices([...prev, ...r.body.entries.map((e) => e.actor)]));
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
        <Field label="Actor" at="#/actor" errors={placed.byField.get('#/actor')} hint="token:<name> finds every token of that name">
          <input value={form.actor} onChange={set('actor')} placeholder="token:<name>" list="audit-actors" autoComplete="off" />
        </Field>
        <datalist id="audit-actors">
          {actorsSeen.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <Field label="Entity" at="#/entity" errors={placed.byField.get('#/entity')} hint="flag, or flag:new-checkout">
          <input value={form.entity} onChange={set('entity')} placeholder="category or category:key" autoComplete="off" />
        </Field>
        <Field label="Event type" at="#/type" errors={placed.byField.get('#/type')} hint="e.g. FlagToggled">
          <input value={form.type} onChange={set('type')} list="audit-event-types" autoComplete="off" />
        </Field>
        <datalist id="audit-event-types">
          {knownEventTypes().map(({ type, label }) => (
            <option key={type} value={type} label={label} />
          ))}
        </datalist>
        <Field label="From" at="#/from" errors={placed.byField.get('#/from')} hint={`your time, ${localZoneLabel()}`}>
          <input type="datetime-local" value={form.from} onChange={set('from')} />
        </Field>
        <Field label="To" at="#/to" errors={placed.byField.get('#/to')} hint={`your time, ${localZoneLabel()}`}>
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
                  <Time value={e.time} />
                </td>
                <td>{e.actor ?? '–'}</td>
                <td title={e.type}>{eventLabel(e.type)}</td>
                <td>
                  <EntityLink entityType={e.entityType} entityKey={e.entityKey} /> v{e.version}
                </td>
                <td>{e.reason ?? ''}</td>
                <td>
                  <ChangeCell entry={e} />
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

/** Where an entity lives in the app: a flag's history, an experiment's results, a metric in the experiments page's list. */
function EntityLink({ entityType, entityKey }: { entityType: string; entityKey: string }) {
  const key = encodeURIComponent(entityKey);
  const to = entityType === 'flag' ? `/flags/${key}/history` : entityType === 'experiment' ? `/experiments/${key}` : entityType === 'metric' ? `/experiments#metric-${key}` : null;
  const name = `${entityType}:${entityKey}`;
  return to ? <Link to={to}>{name}</Link> : <>{name}</>;
}

/** How many leaves of a change show at once; the rest (a whole targeting has dozens) folds away. */
const SHOWN_LINES = 4;

/**
 * What an entry changed, readable: the event's data as path: value lines and, for a flag, its structural diff
 * from the version before (before → after, from the API) on request.
 */
function ChangeCell({ entry }: { entry: AuditEntry }) {
  const lines = changeLines(entry.change);
  const line = (l: { path: string; value: string }) => (
    <li key={l.path}>
      <code className="change-path">{l.path}</code> {l.value}
    </li>
  );
  return (
    <div className="change">
      {lines.length === 0 ? <span className="muted">no data</span> : <ul className="change-lines">{lines.slice(0, SHOWN_LINES).map(line)}</ul>}
      {lines.length > SHOWN_LINES && (
        <details>
          <summary>{lines.length - SHOWN_LINES} more</summary>
          <ul className="change-lines">{lines.slice(SHOWN_LINES).map(line)}</ul>
        </details>
      )}
      {entry.entityType === 'flag' && entry.version > 1 && <FlagDiffToggle flagKey={entry.entityKey} version={entry.version} />}
    </div>
  );
}
