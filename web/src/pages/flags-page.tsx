import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { api, ApiError, describeError, query } from '../api.ts';
import { ErrorSummary, Field } from '../components/field.tsx';
import { FormActions } from '../components/form-actions.tsx';
import { ModalDialog } from '../components/portal-dialog.tsx';
import { Switch } from '../components/switch.tsx';
import { asksBeforeChanging } from '../confirmed-environments.ts';
import { runningExperiments } from '../experiment-traffic.ts';
import { placeErrors, pointer } from '../field-errors.ts';
import { formatTime } from '../format-time.ts';
import { useLoad, useTitle } from '../hooks.ts';
import { Link, navigate, useLocation } from '../router.tsx';
import { describeStaleness } from '../staleness.ts';
import type { Environment, Experiment, FlagSummary, FlagType } from '../types.ts';

interface PendingToggle {
  flag: string;
  environment: string;
  enabled: boolean;
}

export function FlagsPage() {
  useTitle('Flags');
  const { search } = useLocation();
  const [q, setQ] = useState(search.get('q') ?? '');
  const [debounced, setDebounced] = useState(q);
  const tag = search.get('tag') ?? '';
  const [pending, setPending] = useState<PendingToggle | null>(null);
  const [creating, setCreating] = useState(false);
  const [toggleError, setToggleError] = useState<string | null>(null);
  const [status, setStatus] = useState('');

  useEffect(() => {
    const timer = setTimeout(() => setDebounced(q), 200);
    return () => clearTimeout(timer);
  }, [q]);

  const environments = useLoad(async () => (await api.get<{ environments: Environment[] }>('/admin/environments')).body.environments, []);
  const flags = useLoad(async () => (await api.get<{ flags: FlagSummary[] }>(`/admin/flags${query({ q: debounced, tag, limit: 1000 })}`)).body.flags, [debounced, tag]);
  const experiments = useLoad(async () => (await api.get<{ experiments: Experiment[] }>('/admin/experiments')).body.experiments, []);
  const running = useMemo(() => runningExperiments(experiments.data ?? []), [experiments.data]);
  const allTags = useMemo(() => [...new Set((flags.data ?? []).flatMap((f) => f.tags))].sort(), [flags.data]);

  const setTag = (next: string) => navigate(`/flags${query({ q, tag: next })}`, { replace: true });

  const toggle = async (t: PendingToggle, reason?: string) => {
    setToggleError(null);
    try {
      await api.post(`/admin/flags/${encodeURIComponent(t.flag)}/environments/${encodeURIComponent(t.environment)}/toggle`, { enabled: t.enabled, ...(reason ? { reason } : {}) });
      setStatus(`${t.flag} is now ${t.enabled ? 'on' : 'off'} in ${t.environment}`);
      flags.reload();
    } catch (e) {
      setToggleError(`${t.flag} in ${t.environment}: ${describeError(e)}`);
    }
  };
  const requestToggle = (t: PendingToggle) => (asksBeforeChanging(t.environment) ? setPending(t) : void toggle(t));

  const envKeys = (environments.data ?? []).map((e) => e.key);
  return (
    <section>
      <div className="page-head">
        <h1>Flags</h1>
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          New flag
        </button>
      </div>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="flag-search">Search</label>
          <input id="flag-search" type="search" value={q} placeholder="key or description" onChange={(e) => setQ(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="flag-tag">Tag</label>
          <select id="flag-tag" value={tag} onChange={(e) => setTag(e.target.value)}>
            <option value="">All tags</option>
            {[...new Set([...allTags, ...(tag ? [tag] : [])])].map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
      </form>
      <p className="visually-hidden" role="status">
        {status}
      </p>
      {toggleError && (
        <div className="error-summary" role="alert">
          {toggleError}
        </div>
      )}
      {(flags.error || environments.error) && <div className="error-summary" role="alert">{flags.error ?? environments.error}</div>}
      {flags.data && flags.data.length === 0 && <p>No flags match. {debounced || tag ? 'Try another search.' : 'Create the first one.'}</p>}
      {flags.data && flags.data.length > 0 && (
        <div className="table-wrap">
          <table className="flags-table">
            <caption className="visually-hidden">Flags, with their state per environment</caption>
            <thead>
              <tr>
                <th scope="col">Flag</th>
                <th scope="col">Tags</th>
                {envKeys.map((env) => (
                  <th scope="col" key={env}>
                    {env}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {flags.data.map((flag) => (
                <tr key={flag.key}>
                  <th scope="row">
                    <Link to={`/flags/${encodeURIComponent(flag.key)}`} className="flag-key">
                      {flag.key}
                    </Link>
                    <span className="type-badge">{flag.type}</span>
                    {flag.stale && <StaleBadge stale={flag.stale} />}
                    {flag.description && <div className="muted">{flag.description}</div>}
                  </th>
                  <td>
                    <ul className="tags">
                      {flag.tags.map((t) => (
                        <li key={t}>
                          <button type="button" className="tag" aria-pressed={t === tag} onClick={() => setTag(t === tag ? '' : t)} aria-label={`Filter by tag ${t}`}>
                            {t}
                          </button>
                        </li>
                      ))}
                    </ul>
                  </td>
                  {envKeys.map((env) => {
                    const experiment = running.on(flag.key, env);
                    return (
                      <td key={env} data-label={env}>
                        <div className="env-cell">
                          <Switch
                            checked={flag.enabled[env] ?? false}
                            label={`${flag.key} in ${env}`}
                            onChange={(enabled) => requestToggle({ flag: flag.key, environment: env, enabled })}
                          />
                          {experiment && <ExperimentBadge experimentKey={experiment.key} environment={env} flagOn={flag.enabled[env] ?? false} />}
                        </div>
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pending && (
        <ConfirmToggle
          pending={pending}
          onCancel={() => setPending(null)}
          onConfirm={(reason) => {
            setPending(null);
            void toggle(pending, reason);
          }}
        />
      )}
      {creating && <CreateFlagDialog onClose={() => setCreating(false)} />}
    </section>
  );
}

/** The experiment running on the flag in one environment; a flag switched off there starves it of traffic. */
function ExperimentBadge({ experimentKey, environment, flagOn }: { experimentKey: string; environment: string; flagOn: boolean }) {
  return (
    <Link
      to={`/experiments/${encodeURIComponent(experimentKey)}`}
      className={`experiment-badge${flagOn ? '' : ' starved'}`}
      title={flagOn ? `Experiment ${experimentKey} is running in ${environment}` : `This flag is off in ${environment}: the experiment gets no traffic`}
    >
      experiment {experimentKey}
      {flagOn ? '' : ' · no traffic'}
    </Link>
  );
}

/** Staleness from evaluation telemetry over the API's period (30 days): a candidate for clean-up. */
function StaleBadge({ stale }: { stale: NonNullable<FlagSummary['stale']> }) {
  const last = stale.lastEvaluatedAt ? `last evaluated ${formatTime(stale.lastEvaluatedAt)}` : 'never evaluated';
  return (
    <span className="stale-badge" title={last} data-testid="stale-badge">
      stale: {describeStaleness(stale)}
    </span>
  );
}

function ConfirmToggle({ pending, onCancel, onConfirm }: { pending: PendingToggle; onCancel: () => void; onConfirm: (reason: string) => void }) {
  const [reason, setReason] = useState('');
  const verb = pending.enabled ? 'on' : 'off';
  return (
    <ModalDialog title={`Turn ${pending.flag} ${verb} in ${pending.environment}?`} onClose={onCancel} describedBy="confirm-toggle-text">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onConfirm(reason.trim());
        }}
      >
        <p id="confirm-toggle-text">
          This changes what every application in <strong>{pending.environment}</strong> gets, at once.
        </p>
        <div className="field">
          <label htmlFor="toggle-reason">Reason (recorded in the audit log)</label>
          <input id="toggle-reason" data-autofocus value={reason} onChange={(e) => setReason(e.target.value)} />
        </div>
        <FormActions submitLabel={`Turn ${verb}`} submitClassName={pending.enabled ? 'primary' : 'danger'} onCancel={onCancel} />
      </form>
    </ModalDialog>
  );
}

function CreateFlagDialog({ onClose }: { onClose: () => void }) {
  const [key, setKey] = useState('');
  const [type, setType] = useState<FlagType>('boolean');
  const [description, setDescription] = useState('');
  const [tags, setTags] = useState('');
  const [error, setError] = useState<ApiError | string | null>(null);
  const placed = placeErrors(error instanceof ApiError ? error.issues : [], ['key', 'type', 'description', 'tags'].map((f) => pointer(f)));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const tagList = tags.split(',').map((t) => t.trim()).filter(Boolean);
      await api.post('/admin/flags', { key: key.trim(), type, description, tags: tagList });
      onClose();
      navigate(`/flags/${encodeURIComponent(key.trim())}`);
    } catch (e) {
      setError(e instanceof ApiError ? e : describeError(e));
    }
  };
  return (
    <ModalDialog title="New flag" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <ErrorSummary message={error instanceof ApiError ? error.message : error} issues={placed.unplaced} />
        <Field label="Key" at="#/key" errors={placed.byField.get('#/key')} hint="lower case letters, digits, . _ -">
          <input value={key} onChange={(e) => setKey(e.target.value)} required data-autofocus autoComplete="off" />
        </Field>
        <Field label="Type" at="#/type" errors={placed.byField.get('#/type')} hint={type === 'boolean' ? 'gets the variants on and off' : 'add its variants in the editor'}>
          <select value={type} onChange={(e) => setType(e.target.value as FlagType)}>
            {['boolean', 'string', 'number', 'json'].map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </Field>
        <Field label="Description" at="#/description" errors={placed.byField.get('#/description')}>
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
        <Field label="Tags" at="#/tags" errors={placed.byField.get('#/tags')} hint="comma-separated">
          <input value={tags} onChange={(e) => setTags(e.target.value)} />
        </Field>
        <FormActions submitLabel="Create flag" onCancel={onClose} />
      </form>
    </ModalDialog>
  );
}
