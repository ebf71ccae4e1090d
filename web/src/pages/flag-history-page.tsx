import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, describeError, etagOf, query } from '../api.ts';
import { ErrorSummary, Field } from '../components/field.tsx';
import { FormActions } from '../components/form-actions.tsx';
import { FlagDiffToggle } from '../components/flag-diff.tsx';
import { ModalDialog } from '../components/portal-dialog.tsx';
import { Time } from '../components/time.tsx';
import { placeErrors } from '../field-errors.ts';
import { brief, describeServe, describeTargeting } from '../describe-serve.ts';
import { eventLabel } from '../event-labels.ts';
import { formatTime } from '../format-time.ts';
import { useLoad, useTitle } from '../hooks.ts';
import { Link } from '../router.tsx';
import type { Environment, Flag, HistoryEntry, Targeting } from '../types.ts';

const flagPath = (key: string) => `/admin/flags/${encodeURIComponent(key)}`;

interface EnvironmentSnapshot {
  asOf: { position: number; time: string | null };
  revision: number;
  flags: Record<string, Targeting & { key: string }>;
}

/**
 * A flag's history: the timeline of every change (actor, reason, diff), a slider through its versions showing
 * the flag, or its whole environment, as it was; rollback to any version; and an explain panel, now or then.
 */
export function FlagHistoryPage({ flagKey }: { flagKey: string }) {
  useTitle(`${flagKey} history`);
  const history = useLoad(async () => (await api.get<{ events: HistoryEntry[] }>(`${flagPath(flagKey)}/history`)).body.events, [flagKey]);
  const environments = useLoad(async () => (await api.get<{ environments: Environment[] }>('/admin/environments')).body.environments.map((e) => e.key), []);
  const [selected, setSelected] = useState<number | null>(null);
  const [rollingBack, setRollingBack] = useState(false);
  const [notice, setNotice] = useState('');

  const events = history.data ?? [];
  const latest = events.length > 0 ? events[events.length - 1]!.version : 0;
  const version = selected ?? latest;
  const moment = events.find((e) => e.version === version);

  if (history.error) return <div className="error-summary" role="alert">{history.error}</div>;
  if (!history.data) return <p aria-busy="true">Loading history…</p>;
  return (
    <section>
      <div className="page-head">
        <h1>History of {flagKey}</h1>
        <Link to={`/flags/${encodeURIComponent(flagKey)}`} className="button">
          Edit flag
        </Link>
      </div>
      <p role="status" className="notice">
        {notice}
      </p>
      <div className="history-layout">
        <div>
          <TimeTravel
            flagKey={flagKey}
            latest={latest}
            version={version}
            moment={moment}
            environments={environments.data ?? []}
            onVersion={setSelected}
            onRollback={() => setRollingBack(true)}
          />
          <ExplainPanel flagKey={flagKey} environments={environments.data ?? []} pastTime={version < latest ? (moment?.time ?? null) : null} pastVersion={version} />
        </div>
        <Timeline flagKey={flagKey} events={events} selected={version} onSelect={setSelected} />
      </div>
      {rollingBack && (
        <RollbackDialog
          flagKey={flagKey}
          toVersion={version}
          latest={latest}
          onClose={() => setRollingBack(false)}
          onDone={(v) => {
            setRollingBack(false);
            setSelected(null);
            setNotice(`Rolled back to version ${version}: the flag is now at version ${v}`);
            history.reload();
          }}
        />
      )}
    </section>
  );
}

function Timeline({ flagKey, events, selected, onSelect }: { flagKey: string; events: HistoryEntry[]; selected: number; onSelect: (v: number) => void }) {
  return (
    <section aria-labelledby="timeline-heading" className="timeline-section">
      <h2 id="timeline-heading">Timeline</h2>
      <ol className="timeline" reversed>
        {[...events].reverse().map((e) => (
          <li key={e.version} className={e.version === selected ? 'selected' : undefined} data-testid="history-entry">
            <div className="timeline-head">
              <strong>v{e.version}</strong>{' '}
              <span className="event-type" title={e.type}>
                {eventLabel(e.type)}
              </span>
              <Time value={e.time} />
            </div>
            <div>
              by <span className="actor">{e.actor ?? 'unknown'}</span>
              {e.reason ? (
                <>
                  {' '}
                  · <q className="reason">{e.reason}</q>
                </>
              ) : null}
            </div>
            <div className="timeline-actions">
              <button type="button" onClick={() => onSelect(e.version)} aria-pressed={e.version === selected}>
                View v{e.version}
              </button>
              {e.version > 1 && <FlagDiffToggle flagKey={flagKey} version={e.version} />}
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}

function TimeTravel(props: { flagKey: string; latest: number; version: number; moment: HistoryEntry | undefined; environments: string[]; onVersion: (v: number) => void; onRollback: () => void }) {
  const { flagKey, latest, version, moment, environments, onVersion, onRollback } = props;
  const [scope, setScope] = useState<'flag' | 'environment'>('flag');
  const [environment, setEnvironment] = useState('production');
  const [flag, setFlag] = useState<Flag | null>(null);
  const [snapshot, setSnapshot] = useState<EnvironmentSnapshot | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setError(null);
    const load = async () => {
      if (scope === 'flag') {
        const r = await api.get<Flag>(`${flagPath(flagKey)}${query({ version })}`);
        if (live) setFlag(r.body);
      } else if (moment) {
        const r = await api.get<EnvironmentSnapshot>(`/admin/environments/${encodeURIComponent(environment)}/snapshot${query({ at: version === latest ? undefined : moment.time })}`);
        if (live) setSnapshot(r.body);
      }
    };
    load().catch((e: unknown) => live && setError(describeError(e)));
    return () => {
      live = false;
    };
  }, [scope, flagKey, version, environment, moment, latest]);

  return (
    <section aria-labelledby="time-travel-heading" className="card">
      <h2 id="time-travel-heading">As it was</h2>
      <div className="field">
        <label htmlFor="version-slider">
          Version {version} of {latest}
          {moment && <> · {formatTime(moment.time)}</>}
        </label>
        <input
          id="version-slider"
          type="range"
          min={1}
          max={Math.max(1, latest)}
          step={1}
          value={version}
          aria-valuetext={`version ${version}${moment ? `, ${eventLabel(moment.type).toLowerCase()} at ${formatTime(moment.time)}` : ''}`}
          onChange={(e) => onVersion(Number(e.target.value))}
        />
      </div>
      <div className="radio-row" role="radiogroup" aria-label="Show">
        <label>
          <input type="radio" name="scope" checked={scope === 'flag'} onChange={() => setScope('flag')} /> This flag
        </label>
        <label>
          <input type="radio" name="scope" checked={scope === 'environment'} onChange={() => setScope('environment')} /> Whole environment
        </label>
        {scope === 'environment' && (
          <label>
            Environment{' '}
            <select value={environment} onChange={(e) => setEnvironment(e.target.value)}>
              {environments.map((env) => (
                <option key={env}>{env}</option>
              ))}
            </select>
          </label>
        )}
      </div>
      {error && <p className="field-error" role="alert">{error}</p>}
      {scope === 'flag' && flag && (
        <div data-testid="flag-as-of">
          <p>
            <strong>v{flag.version}</strong> {flag.archived ? '(archived)' : ''} · {flag.description || <span className="muted">no description</span>}
          </p>
          <dl className="env-summary">
            {Object.entries(flag.environments).map(([env, t]) => (
              <div key={env}>
                <dt>{env}</dt>
                <dd>
                  {describeTargeting(t)}
                  {t.rules.length > 0 && (
                    <ul>
                      {t.rules.map((r) => (
                        <li key={r.id}>
                          <code>{r.id}</code>: {r.conditions.map((c) => `${c.attribute ?? ''} ${c.operator} ${c.values.join(', ')}`).join(' and ') || 'everyone'} → {describeServe(r.serve)}
                        </li>
                      ))}
                    </ul>
                  )}
                </dd>
              </div>
            ))}
          </dl>
        </div>
      )}
      {scope === 'environment' && snapshot && (
        <div data-testid="environment-as-of">
          <p className="muted">
            {environment} at log position {snapshot.asOf.position}
            {snapshot.asOf.time ? ` (${formatTime(snapshot.asOf.time)})` : ''}: {Object.keys(snapshot.flags).length} flags
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">Flag</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {Object.values(snapshot.flags).map((f) => (
                <tr key={f.key} className={f.key === flagKey ? 'selected' : undefined}>
                  <th scope="row">{f.key}</th>
                  <td>{describeTargeting(f)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="actions">
        <button type="button" className="danger" disabled={version === latest} onClick={onRollback}>
          Roll back to v{version}
        </button>
      </div>
    </section>
  );
}

function RollbackDialog({ flagKey, toVersion, latest, onClose, onDone }: { flagKey: string; toVersion: number; latest: number; onClose: () => void; onDone: (version: number) => void }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const placed = placeErrors(error instanceof ApiError ? error.issues : [], ['#/reason', '#/toVersion']);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      // If-Match: the version the user looked at; someone else's newer change makes this a 412, not a blind overwrite.
      const r = await api.post<Flag>(`${flagPath(flagKey)}/rollback`, { toVersion, reason: reason.trim() }, etagOf(latest));
      onDone(r.body.version);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <ModalDialog title={`Roll ${flagKey} back to v${toVersion}?`} onClose={onClose} describedBy="rollback-text">
      <form onSubmit={submit} noValidate>
        <p id="rollback-text">A rollback appends a new version (v{latest + 1}) equal to v{toVersion}; history is kept.</p>
        <ErrorSummary message={error ? (error instanceof ApiError && error.status === 412 ? 'The flag changed meanwhile: reload the history and try again.' : describeError(error)) : null} issues={placed.unplaced} />
        <Field label="Reason (required)" at="#/reason" errors={placed.byField.get('#/reason') ?? placed.byField.get('#/toVersion')}>
          <input value={reason} onChange={(e) => setReason(e.target.value)} required data-autofocus />
        </Field>
        <FormActions submitLabel="Roll back" submitClassName="danger" submitDisabled={reason.trim() === ''} onCancel={onClose} />
      </form>
    </ModalDialog>
  );
}

interface Explanation {
  asOf: { position: number; time: string | null; flagVersion: number | null };
  result: { value: unknown; variant?: string; reason: string; ruleId?: string; errorCode?: string; revision: number };
  trace: ({ step: string; held: boolean | null; detail?: string; ruleId?: string } & Record<string, unknown>)[];
}

function ExplainPanel({ flagKey, environments, pastTime, pastVersion }: { flagKey: string; environments: string[]; pastTime: string | null; pastVersion: number }) {
  const [environment, setEnvironment] = useState('production');
  const [context, setContext] = useState('{\n  "targetingKey": "user-1"\n}');
  const [usePast, setUsePast] = useState(false);
  const [answer, setAnswer] = useState<Explanation | null>(null);
  const [error, setError] = useState<unknown>(null);
  let contextError: string | null = null;
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(context);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) contextError = 'must be a JSON object';
  } catch {
    contextError = 'is not valid JSON';
  }
  const placed = placeErrors(error instanceof ApiError ? error.issues : [], ['#/context', '#/environment', '#/at']);
  const at = usePast && pastTime ? pastTime : undefined;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (contextError) return;
    try {
      const r = await api.post<Explanation>('/admin/explain', { flagKey, environment, context: parsed, ...(at ? { at } : {}) });
      setAnswer(r.body);
      setError(null);
    } catch (e) {
      setError(e);
      setAnswer(null);
    }
  };
  return (
    <section aria-labelledby="explain-heading" className="card">
      <h2 id="explain-heading">Explain an evaluation</h2>
      <form onSubmit={submit} noValidate>
        <ErrorSummary message={error ? describeError(error) : null} issues={placed.unplaced} />
        <Field label="Environment" at="#/environment" errors={placed.byField.get('#/environment')}>
          <select value={environment} onChange={(e) => setEnvironment(e.target.value)}>
            {environments.map((env) => (
              <option key={env}>{env}</option>
            ))}
          </select>
        </Field>
        <Field label="Context (JSON)" at="#/context" errors={[...(contextError ? [contextError] : []), ...(placed.byField.get('#/context') ?? [])]}>
          <textarea rows={4} value={context} onChange={(e) => setContext(e.target.value)} spellCheck={false} />
        </Field>
        <div className="field checkbox">
          <input id="explain-past" type="checkbox" checked={usePast} disabled={!pastTime} onChange={(e) => setUsePast(e.target.checked)} />
          <label htmlFor="explain-past">{pastTime ? `As of v${pastVersion} (${formatTime(pastTime)})` : 'As of a past version (pick one on the slider)'}</label>
        </div>
        <div className="actions">
          <button type="submit" className="primary">
            Explain {at ? 'then' : 'now'}
          </button>
        </div>
      </form>
      {answer && (
        <div className="explain-result" data-testid="explain-result">
          <p>
            Serves <strong>{answer.result.variant ?? '(default)'}</strong> = <code>{brief(answer.result.value)}</code>, reason <strong>{answer.result.reason}</strong>
            {answer.result.ruleId ? <> by rule <code>{answer.result.ruleId}</code></> : null}
            {answer.result.errorCode ? <> ({answer.result.errorCode})</> : null} · revision {answer.result.revision}
            {answer.asOf.flagVersion !== null ? `, flag v${answer.asOf.flagVersion}` : ''}
          </p>
          <ol className="trace">
            {answer.trace.map((step, i) => (
              <li key={i} className={step.held === true ? 'held' : step.held === false ? 'failed' : 'skipped'}>
                <strong>{step.step}</strong>
                {step.ruleId ? <> <code>{step.ruleId}</code></> : null} {step.held === true ? '✓' : step.held === false ? '✗' : '–'} {step.detail ?? traceConditions(step)}
              </li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
}

function traceConditions(step: Record<string, unknown>): string {
  const conditions = step['conditions'] as { attribute: string | null; operator: string; values: unknown[]; actual: unknown; held: boolean }[] | undefined;
  if (!conditions) return '';
  return conditions.map((c) => `${c.attribute ?? ''} ${c.operator} ${c.values.join(', ')} (got ${brief(c.actual, 40)}) ${c.held ? '✓' : '✗'}`).join('; ');
}
