import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { FlagSchedule, ScheduledChange } from '../admin-types.ts';
import { api, ApiError, apiRequest, describeError, type Versioned } from '../api.ts';
import { asksBeforeChanging } from '../confirmed-environments.ts';
import { fieldId, placeErrors, pointer } from '../field-errors.ts';
import { formatTime, localZoneLabel } from '../format-time.ts';
import { useFocusFirstInvalid, useLoad } from '../hooks.ts';
import { localToIso } from '../local-datetime.ts';
import { describeChange, describeOutcome, refreshDelay } from '../schedules.ts';
import type { Flag, Targeting } from '../types.ts';
import { ConfirmDialog } from './confirm-dialog.tsx';
import { ErrorSummary, Field } from './field.tsx';
import { FormActions } from './form-actions.tsx';
import { ModalDialog } from './portal-dialog.tsx';
import { Time } from './time.tsx';

type ChangeChoice = 'on' | 'off' | 'draft';

const AT = pointer('at');
const CHANGE = pointer('change');
const REASON = pointer('reason');
const IF_VERSION = pointer('ifVersion');

/**
 * One environment's scheduled changes of a flag, and a form to schedule another. `draft` is the targeting editor's
 * unsaved targeting (null when there is none), offered as a change; `onChanged` reloads the flag, whose version a
 * schedule moves and whose targeting an applied one changes.
 */
export function FlagSchedules({ flag, environment, draft, onChanged }: { flag: Versioned<Flag>; environment: string; draft: Targeting | null; onChanged: () => void }) {
  const path = `/admin/flags/${encodeURIComponent(flag.body.key)}/environments/${encodeURIComponent(environment)}/schedules`;
  const schedules = useLoad(async () => (await api.get<{ schedules: FlagSchedule[] }>(path)).body.schedules, [path]);
  const [cancelling, setCancelling] = useState<FlagSchedule | null>(null);
  const [status, setStatus] = useState('');
  const changed = useRef(onChanged);
  changed.current = onChanged;

  // A pending schedule is applied by the server: read the list again once it is due, so the page shows the outcome.
  useEffect(() => {
    const delay = refreshDelay(schedules.data ?? [], new Date());
    if (delay === null) return;
    const timer = setTimeout(() => {
      schedules.reload();
      changed.current();
    }, delay);
    return () => clearTimeout(timer);
    // Re-armed for each list read, not for each render.
  }, [schedules.data]);

  const afterChange = (message: string) => {
    setStatus(message);
    schedules.reload();
    onChanged();
  };

  return (
    <section className="card schedules" aria-labelledby="schedules-heading">
      <h2 id="schedules-heading">Schedules in {environment}</h2>
      <p className="visually-hidden" role="status">
        {status}
      </p>
      {schedules.error && (
        <div className="error-summary" role="alert">
          {schedules.error}
        </div>
      )}
      {schedules.data && schedules.data.length === 0 && <p className="muted">Nothing scheduled in {environment}.</p>}
      {schedules.data && schedules.data.length > 0 && <ScheduleTable environment={environment} schedules={schedules.data} onCancel={setCancelling} />}
      <ScheduleForm flag={flag} environment={environment} path={path} draft={draft} onScheduled={(s) => afterChange(`Scheduled: ${describeChange(s.change)} at ${formatTime(s.at)}`)} onStale={onChanged} />
      {cancelling && (
        <CancelDialog
          path={path}
          schedule={cancelling}
          onClose={() => setCancelling(null)}
          onCancelled={() => {
            setCancelling(null);
            afterChange(`Cancelled: ${describeChange(cancelling.change)} at ${formatTime(cancelling.at)}`);
          }}
        />
      )}
    </section>
  );
}

function ScheduleTable({ environment, schedules, onCancel }: { environment: string; schedules: readonly FlagSchedule[]; onCancel: (s: FlagSchedule) => void }) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Changes scheduled in {environment}, by time</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Change</th>
            <th scope="col">Status</th>
            <th scope="col">By</th>
            <th scope="col">Reason</th>
            <th scope="col">Outcome</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {schedules.map((s) => (
            <tr key={s.id} data-testid="schedule">
              <th scope="row">
                <Time value={s.at} />
              </th>
              <td>{describeChange(s.change)}</td>
              <td>
                <span className={`status status-${s.status}`}>{s.status}</span>
              </td>
              <td>{s.createdBy}</td>
              <td>{s.reason ?? ''}</td>
              <td>
                {describeOutcome(s)}
                {s.status === 'pending' && s.ifVersion !== null && <span className="muted">fails if the flag changes after version {s.ifVersion}</span>}
              </td>
              <td>
                {s.status === 'pending' && (
                  <button type="button" className="danger-outline" aria-label={`Cancel ${describeChange(s.change)} at ${formatTime(s.at)}`} onClick={() => onCancel(s)}>
                    Cancel
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ScheduleForm({ flag, environment, path, draft, onScheduled, onStale }: { flag: Versioned<Flag>; environment: string; path: string; draft: Targeting | null; onScheduled: (s: FlagSchedule) => void; onStale: () => void }) {
  const [choice, setChoice] = useState<ChangeChoice>('on');
  const [when, setWhen] = useState('');
  const [reason, setReason] = useState('');
  const [bound, setBound] = useState(true);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const form = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(form, error);

  // The draft may be saved (or undone) while chosen: then there is no draft to schedule, and the toggle is.
  const effective: ChangeChoice = choice === 'draft' && draft === null ? 'on' : choice;
  const change: ScheduledChange = effective === 'draft' ? { targeting: draft! } : { enabled: effective === 'on' };
  const placed = placeErrors(error instanceof ApiError ? error.issues : [], [AT, CHANGE, REASON, IF_VERSION]);
  const errors = placed.byField;
  const ifVersionId = fieldId(IF_VERSION);
  const ifVersionErrors = errors.get(IF_VERSION) ?? [];

  const schedule = async () => {
    const at = localToIso(when);
    if (at === null) {
      // Checked here as the server would, so it shows the way the server's problems do.
      setError(new ApiError({ status: 400, title: 'Invalid schedule', errors: [{ pointer: AT, detail: 'enter a date and a time' }] }));
      return;
    }
    try {
      const body = { at, change, ...(bound ? { ifVersion: flag.body.version } : {}), ...(reason.trim() ? { reason: reason.trim() } : {}) };
      const created = await api.post<FlagSchedule>(path, body);
      setError(null);
      setWhen('');
      setReason('');
      onScheduled(created.body);
    } catch (e) {
      setError(e);
      // The flag changed since the page read it: read it again, so a retry binds to the version now shown.
      if (e instanceof ApiError && e.status === 409) onStale();
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (asksBeforeChanging(environment) && localToIso(when) !== null) setConfirming(true);
    else void schedule();
  };

  return (
    <>
      <form ref={form} onSubmit={submit} noValidate aria-labelledby="schedule-form-heading">
        <h3 id="schedule-form-heading">Schedule a change</h3>
        <ErrorSummary message={error ? describeError(error) : null} issues={placed.unplaced} />
        <div className="grid-3">
          <Field label="Change" at={CHANGE} errors={errors.get(CHANGE)} hint={effective === 'draft' ? describeChange(change) : undefined}>
            <select value={effective} onChange={(e) => setChoice(e.target.value as ChangeChoice)}>
              <option value="on">Turn on</option>
              <option value="off">Turn off</option>
              {draft !== null && <option value="draft">Schedule the current targeting draft</option>}
            </select>
          </Field>
          <Field label="At" at={AT} errors={errors.get(AT)} hint={`your time, ${localZoneLabel()}`}>
            <input type="datetime-local" step={1} value={when} onChange={(e) => setWhen(e.target.value)} required />
          </Field>
          <Field label="Reason" at={REASON} errors={errors.get(REASON)}>
            <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="why this change (audit log)" />
          </Field>
        </div>
        <div className={`field checkbox${ifVersionErrors.length > 0 ? ' invalid' : ''}`}>
          <input
            id={ifVersionId}
            type="checkbox"
            checked={bound}
            onChange={(e) => setBound(e.target.checked)}
            data-pointer={IF_VERSION}
            aria-invalid={ifVersionErrors.length > 0 || undefined}
            aria-describedby={`${ifVersionId}-hint${ifVersionErrors.length > 0 ? ` ${ifVersionId}-error` : ''}`}
          />
          <label htmlFor={ifVersionId}>Fail if the flag changes before then</label>
          <small id={`${ifVersionId}-hint`} className="hint">
            bound to version {flag.body.version}
          </small>
        </div>
        {ifVersionErrors.length > 0 && (
          <div id={`${ifVersionId}-error`} className="field-error" role="alert">
            {ifVersionErrors.join('; ')}
          </div>
        )}
        <div className="actions">
          <button type="submit" className="primary">
            Schedule
          </button>
        </div>
      </form>
      {confirming && (
        <ConfirmSchedule
          flagKey={flag.body.key}
          environment={environment}
          change={change}
          at={localToIso(when) ?? ''}
          reason={reason}
          onReason={setReason}
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            void schedule();
          }}
        />
      )}
    </>
  );
}

/** As switching a flag in production asks first, with a reason, so does scheduling it. */
function ConfirmSchedule({ flagKey, environment, change, at, reason, onReason, onCancel, onConfirm }: { flagKey: string; environment: string; change: ScheduledChange; at: string; reason: string; onReason: (r: string) => void; onCancel: () => void; onConfirm: () => void }) {
  return (
    <ModalDialog title={`Schedule ${describeChange(change)} of ${flagKey} in ${environment}?`} onClose={onCancel} describedBy="confirm-schedule-text">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onConfirm();
        }}
      >
        <p id="confirm-schedule-text">
          At <Time value={at} /> this changes what every application in <strong>{environment}</strong> gets, at once.
        </p>
        <div className="field">
          <label htmlFor="schedule-reason">Reason (recorded in the audit log)</label>
          <input id="schedule-reason" data-autofocus value={reason} onChange={(e) => onReason(e.target.value)} />
        </div>
        <FormActions submitLabel="Schedule" onCancel={onCancel} />
      </form>
    </ModalDialog>
  );
}

function CancelDialog({ path, schedule, onClose, onCancelled }: { path: string; schedule: FlagSchedule; onClose: () => void; onCancelled: () => void }) {
  const [reason, setReason] = useState('');
  const what = `${describeChange(schedule.change)} at ${formatTime(schedule.at)}`;
  return (
    <ConfirmDialog
      title={`Cancel ${what}?`}
      confirmLabel="Cancel schedule"
      onClose={onClose}
      onConfirm={async () => {
        await apiRequest('DELETE', `${path}/${encodeURIComponent(schedule.id)}`, reason.trim() ? { body: { reason: reason.trim() } } : {});
        onCancelled();
      }}
    >
      <p>It will not be applied. The schedule stays in the list, cancelled.</p>
      <div className="field">
        <label htmlFor="cancel-schedule-reason">Reason (recorded in the audit log)</label>
        <input id="cancel-schedule-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
      </div>
    </ConfirmDialog>
  );
}
