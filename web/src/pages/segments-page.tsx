import './admin-pages.css';
import { useState, type FormEvent } from 'react';
import { api, ApiError, describeError } from '../api.ts';
import type { SegmentResource } from '../admin-types.ts';
import { ErrorSummary, Field } from '../components/field.tsx';
import { FormActions } from '../components/form-actions.tsx';
import { PageHeading } from '../components/page-heading.tsx';
import { ModalDialog } from '../components/portal-dialog.tsx';
import { placeErrors, pointer } from '../field-errors.ts';
import { formatTime } from '../format-time.ts';
import { useLoad, useTitle } from '../hooks.ts';
import { Link, navigate } from '../router.tsx';

/** Segments: reusable conditions and unit lists that flag rules name with `in_segment`. */
export function SegmentsPage() {
  useTitle('Segments');
  const segments = useLoad(async () => (await api.get<{ segments: SegmentResource[] }>('/admin/segments')).body.segments, []);
  const [showArchived, setShowArchived] = useState(false);
  const [creating, setCreating] = useState(false);
  const shown = (segments.data ?? []).filter((s) => showArchived || !s.archived);
  const archivedCount = (segments.data ?? []).filter((s) => s.archived).length;

  return (
    <section>
      <div className="page-head">
        <PageHeading>Segments</PageHeading>
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          New segment
        </button>
      </div>
      <p className="muted">A segment is a named set of units: those listed as included, and those whose context meets its conditions. Flag rules use it with “in segment”.</p>
      <div className="field checkbox">
        <input id="show-archived-segments" type="checkbox" checked={showArchived} onChange={(e) => setShowArchived(e.target.checked)} />
        <label htmlFor="show-archived-segments">Show archived segments ({archivedCount})</label>
      </div>
      {segments.error && (
        <div className="error-summary" role="alert">
          {segments.error}
        </div>
      )}
      {segments.loading && !segments.data && <p aria-busy="true">Loading segments…</p>}
      {segments.data && shown.length === 0 && <p>No segments yet.</p>}
      {shown.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Segments</caption>
            <thead>
              <tr>
                <th scope="col">Segment</th>
                <th scope="col">Conditions</th>
                <th scope="col">Included</th>
                <th scope="col">Excluded</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((s) => (
                <tr key={s.key} data-testid="segment">
                  <th scope="row">
                    <Link to={`/segments/${encodeURIComponent(s.key)}`} className="flag-key">
                      {s.key}
                    </Link>
                    {s.archived && <span className="status">archived</span>}
                    {s.description && <div className="muted">{s.description}</div>}
                  </th>
                  <td>{s.conditions.length}</td>
                  <td>{s.included.length}</td>
                  <td>{s.excluded.length}</td>
                  <td>
                    <time dateTime={s.updatedAt}>{formatTime(s.updatedAt)}</time>
                    {s.updatedBy && <div className="muted">by {s.updatedBy}</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {creating && <CreateSegmentDialog onClose={() => setCreating(false)} />}
    </section>
  );
}

function CreateSegmentDialog({ onClose }: { onClose: () => void }) {
  const [key, setKey] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<unknown>(null);
  const placed = placeErrors(error instanceof ApiError ? error.issues : [], ['key', 'description'].map((f) => pointer(f)));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await api.post('/admin/segments', { key: key.trim(), description: description.trim() });
      onClose();
      navigate(`/segments/${encodeURIComponent(key.trim())}`);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <ModalDialog title="New segment" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <ErrorSummary message={error ? describeError(error) : null} issues={placed.unplaced} />
        <Field label="Key" at="#/key" errors={placed.byField.get('#/key')} hint="lower case letters, digits, . _ -">
          <input value={key} onChange={(e) => setKey(e.target.value)} data-autofocus autoComplete="off" />
        </Field>
        <Field label="Description" at="#/description" errors={placed.byField.get('#/description')}>
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
        <p className="muted">Its conditions and units are edited on the next page.</p>
        <FormActions submitLabel="Create segment" onCancel={onClose} />
      </form>
    </ModalDialog>
  );
}
