import './admin-pages.css';
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, apiRequest, describeError, type Versioned } from '../api.ts';
import type { SegmentResource } from '../admin-types.ts';
import { ConditionsEditor } from '../components/conditions-editor.tsx';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { ErrorSummary, Field } from '../components/field.tsx';
import { PageHeading } from '../components/page-heading.tsx';
import { placeErrors } from '../field-errors.ts';
import { formatTime } from '../format-time.ts';
import { useFocusFirstInvalid, useLoad, useTitle } from '../hooks.ts';
import { Link } from '../router.tsx';
import { segmentFromDraft, segmentPointers, segmentToDraft, type SegmentDraft } from '../segment-form.ts';

const segmentPath = (key: string) => `/admin/segments/${encodeURIComponent(key)}`;

/** One segment: its conditions (the flag editor's condition rows), included and excluded units; archive and restore. */
export function SegmentPage({ segmentKey }: { segmentKey: string }) {
  useTitle(segmentKey);
  const segment = useLoad(() => api.get<SegmentResource>(segmentPath(segmentKey)), [segmentKey]);
  const [archiving, setArchiving] = useState(false);
  const [status, setStatus] = useState('');
  const [actionError, setActionError] = useState<string | null>(null);
  const current = segment.data;

  const restore = async () => {
    setActionError(null);
    try {
      const next = await api.post<SegmentResource>(`${segmentPath(segmentKey)}/restore`);
      segment.setData(next);
      setStatus(`Restored ${segmentKey}`);
    } catch (e) {
      setActionError(describeError(e));
    }
  };

  return (
    <section>
      <div className="page-head">
        <PageHeading>
          Segment {segmentKey} {current?.body.archived && <span className="status">archived</span>}
        </PageHeading>
        <div className="actions">
          <Link to={`/segments/${encodeURIComponent(segmentKey)}/history`} className="button">
            History
          </Link>
          {current && !current.body.archived && (
            <button type="button" className="danger-outline" onClick={() => setArchiving(true)}>
              Archive
            </button>
          )}
          {current?.body.archived && (
            <button type="button" onClick={() => void restore()}>
              Restore
            </button>
          )}
        </div>
      </div>
      <p className="visually-hidden" role="status">
        {status}
      </p>
      {(segment.error || actionError) && (
        <div className="error-summary" role="alert">
          {segment.error ?? actionError}
        </div>
      )}
      {!current && !segment.error && <p aria-busy="true">Loading {segmentKey}…</p>}
      {current && (
        <>
          <p className="muted">
            <Link to="/segments">All segments</Link> · version {current.body.version} · updated <time dateTime={current.body.updatedAt}>{formatTime(current.body.updatedAt)}</time>
            {current.body.updatedBy ? ` by ${current.body.updatedBy}` : ''}
          </p>
          <SegmentEditor segment={current} onSaved={(next) => segment.setData(next)} onReload={segment.reload} />
        </>
      )}
      {archiving && current && (
        <ConfirmDialog
          title={`Archive segment ${segmentKey}?`}
          confirmLabel="Archive segment"
          onClose={() => setArchiving(false)}
          onConfirm={async () => {
            const next = await apiRequest<SegmentResource>('DELETE', segmentPath(segmentKey));
            setArchiving(false);
            segment.setData(next);
            setStatus(`Archived ${segmentKey}`);
          }}
        >
          <p>
            Rules can no longer name <strong>{segmentKey}</strong>. Flagstaff refuses to archive a segment a flag still uses; it can be restored later, with its history.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function SegmentEditor({ segment, onSaved, onReload }: { segment: Versioned<SegmentResource>; onSaved: (s: Versioned<SegmentResource>) => void; onReload: () => void }) {
  const [draft, setDraft] = useState<SegmentDraft>(() => segmentToDraft(segment.body));
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState('');
  // A saved or reloaded version replaces the draft with what the server stored.
  useEffect(() => {
    setDraft(segmentToDraft(segment.body));
    setError(null);
  }, [segment.body]);
  const placed = placeErrors(error instanceof ApiError ? error.issues : [], segmentPointers(draft));
  const errors = placed.byField;
  const conflict = error instanceof ApiError && error.status === 412;
  const archived = segment.body.archived;
  const form = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(form, error);
  // A refused stale save has no field in error: focus goes to the way out, the reload.
  const focusOnMount = useCallback((button: HTMLButtonElement | null) => button?.focus(), []);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const next = await api.put<SegmentResource>(segmentPath(segment.body.key), segmentFromDraft(draft), segment.etag);
      setError(null);
      setSaved(`Saved ${segment.body.key} as version ${next.body.version}`);
      onSaved(next);
    } catch (e) {
      setError(e);
      setSaved('');
    }
  };

  return (
    <form ref={form} className="segment-form" onSubmit={save} noValidate aria-label={`Definition of ${segment.body.key}`}>
      {conflict ? (
        <div className="banner banner-danger" role="alert">
          <p>
            Someone else changed <strong>{segment.body.key}</strong> since you opened it, so your changes were not saved. Reload to see their version (your edits here are discarded), then edit again.
          </p>
          <button type="button" onClick={onReload} ref={focusOnMount}>
            Reload {segment.body.key}
          </button>
        </div>
      ) : (
        <ErrorSummary message={error ? describeError(error) : null} issues={placed.unplaced} />
      )}
      {archived && <p className="banner">This segment is archived: restore it to change it.</p>}
      <fieldset disabled={archived} className="plain">
        <Field label="Description" at="#/description" errors={errors.get('#/description')}>
          <input value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.target.value })} />
        </Field>
        {(errors.get('#/conditions') ?? []).map((m) => (
          <div key={m} className="field-error" role="alert">
            {m}
          </div>
        ))}
        <ConditionsEditor
          conditions={draft.conditions}
          at="#"
          owner={segment.body.key}
          segments={[]}
          allowSegments={false}
          errors={errors}
          onChange={(conditions) => setDraft({ ...draft, conditions })}
          emptyText="No conditions: only the included units are in the segment."
        />
        <div className="grid-2">
          <Field label="Included units" at="#/included" errors={errors.get('#/included')} hint="always in the segment; one a line, or comma-separated">
            <textarea rows={5} value={draft.includedText} onChange={(e) => setDraft({ ...draft, includedText: e.target.value })} />
          </Field>
          <Field label="Excluded units" at="#/excluded" errors={errors.get('#/excluded')} hint="never in it, whatever the conditions say">
            <textarea rows={5} value={draft.excludedText} onChange={(e) => setDraft({ ...draft, excludedText: e.target.value })} />
          </Field>
        </div>
      </fieldset>
      <div className="actions">
        <span role="status">{saved}</span>
        <button type="submit" className="primary" disabled={archived}>
          Save segment
        </button>
      </div>
    </form>
  );
}
