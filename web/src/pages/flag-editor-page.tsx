import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, describeError, type Versioned } from '../api.ts';
import { ErrorSummary, Field } from '../components/field.tsx';
import { FlagSchedules } from '../components/flag-schedules.tsx';
import { NoTrafficWarning } from '../components/no-traffic-warning.tsx';
import { RuleEditor } from '../components/rule-editor.tsx';
import { ServeEditor, serveIsValid } from '../components/serve-editor.tsx';
import { Time } from '../components/time.tsx';
import { starvedExperiments } from '../experiment-traffic.ts';
import { placeErrors, pointer } from '../field-errors.ts';
import { useFocusFirstInvalid, useLoad, useTitle } from '../hooks.ts';
import { Link, navigate, useLocation } from '../router.tsx';
import { newUid, serveToDraft, targetingPointers, toDraft, toTargeting, type DraftTargeting } from '../targeting-form.ts';
import type { Environment, Experiment, Flag, FlagSummary, Segment } from '../types.ts';

const flagPath = (key: string) => `/admin/flags/${encodeURIComponent(key)}`;

/** The flag editor: its details and variants, and per environment its ordered rules, targets and prerequisites. */
export function FlagEditorPage({ flagKey }: { flagKey: string }) {
  useTitle(flagKey);
  const { search } = useLocation();
  const flag = useLoad(() => api.get<Flag>(flagPath(flagKey)), [flagKey]);
  const environments = useLoad(async () => (await api.get<{ environments: Environment[] }>('/admin/environments')).body.environments.map((e) => e.key), []);
  const segments = useLoad(async () => (await api.get<{ segments: Segment[] }>('/admin/segments')).body.segments.map((s) => s.key), []);
  const experiments = useLoad(async () => (await api.get<{ experiments: Experiment[] }>('/admin/experiments')).body.experiments, []);
  const otherFlags = useLoad(async () => (await api.get<{ flags: FlagSummary[] }>('/admin/flags?limit=1000')).body.flags.map((f) => f.key).filter((k) => k !== flagKey), [flagKey]);
  const env = search.get('env') ?? environments.data?.[0] ?? 'production';

  if (flag.error) return <div className="error-summary" role="alert">{flag.error}</div>;
  if (!flag.data) return <p aria-busy="true">Loading {flagKey}…</p>;
  const current = flag.data;
  const enabled = Object.fromEntries(Object.entries(current.body.environments).map(([e, t]) => [e, t.enabled]));
  const starved = starvedExperiments(experiments.data ?? [], flagKey, enabled);
  return (
    <section>
      <div className="page-head">
        <h1>
          {current.body.key} <span className="type-badge">{current.body.type}</span>
        </h1>
        <Link to={`/flags/${encodeURIComponent(flagKey)}/history`} className="button">
          History
        </Link>
      </div>
      <p className="muted">
        Version {current.body.version} · updated <Time value={current.body.updatedAt} /> {current.body.updatedBy ? `by ${current.body.updatedBy}` : ''}
      </p>
      {starved.map((e) => (
        <NoTrafficWarning key={e.key} experiment={e} from="flag" />
      ))}
      <DetailsEditor flag={current} onSaved={(next) => flag.setData(next)} />
      <nav className="env-tabs" aria-label="Environment">
        {(environments.data ?? []).map((e) => (
          <Link key={e} to={`/flags/${encodeURIComponent(flagKey)}?env=${encodeURIComponent(e)}`} aria-current={e === env ? 'page' : undefined}>
            {e} {current.body.environments[e]?.enabled ? '●' : '○'}
          </Link>
        ))}
      </nav>
      {current.body.environments[env] ? (
        <TargetingEditor key={env} flag={current} environment={env} segments={segments.data ?? []} flags={otherFlags.data ?? []} onSaved={(next) => flag.setData(next)} onReload={flag.reload} />
      ) : (
        <p>No environment {env}.</p>
      )}
    </section>
  );
}

function DetailsEditor({ flag, onSaved }: { flag: Versioned<Flag>; onSaved: (f: Versioned<Flag>) => void }) {
  const [description, setDescription] = useState(flag.body.description);
  const [tags, setTags] = useState(flag.body.tags.join(', '));
  const [variants, setVariants] = useState(() => Object.entries(flag.body.variants).map(([name, value]) => ({ name, value: JSON.stringify(value) })));
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState('');
  useEffect(() => {
    setDescription(flag.body.description);
    setTags(flag.body.tags.join(', '));
    setVariants(Object.entries(flag.body.variants).map(([name, value]) => ({ name, value: JSON.stringify(value) })));
  }, [flag.body]);

  const parsedVariants: Record<string, unknown> = {};
  const localErrors = new Map<string, string[]>();
  variants.forEach((v) => {
    try {
      parsedVariants[v.name] = JSON.parse(v.value);
    } catch {
      localErrors.set(pointer('variants', v.name), ['is not valid JSON (strings need "quotes")']);
    }
  });
  const fields = [pointer('description'), pointer('tags'), pointer('variants'), ...variants.map((v) => pointer('variants', v.name))];
  const placed = placeErrors(error instanceof ApiError ? error.issues : [], fields);
  const errorsAt = (p: string) => [...(localErrors.get(p) ?? []), ...(placed.byField.get(p) ?? [])];

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (localErrors.size > 0) return;
    try {
      const tagList = tags.split(',').map((t) => t.trim()).filter(Boolean);
      const next = await api.put<Flag>(flagPath(flag.body.key), { description, tags: tagList, variants: parsedVariants }, flag.etag);
      setError(null);
      setSaved('Details saved');
      onSaved(next);
    } catch (e) {
      setError(e);
      setSaved('');
    }
  };
  return (
    <details className="card">
      <summary>Details and variants</summary>
      <form onSubmit={save} noValidate>
        <ErrorSummary message={error ? describeError(error) : null} issues={placed.unplaced} />
        <Field label="Description" at="#/description" errors={errorsAt('#/description')}>
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
        <Field label="Tags" at="#/tags" errors={errorsAt('#/tags')} hint="comma-separated">
          <input value={tags} onChange={(e) => setTags(e.target.value)} />
        </Field>
        <fieldset>
          <legend>Variants (JSON values)</legend>
          {errorsAt('#/variants').length > 0 && <div className="field-error" role="alert">{errorsAt('#/variants').join('; ')}</div>}
          {variants.map((v, i) => (
            <div className="variant-row" key={i}>
              <div className="field">
                <label htmlFor={`variant-name-${i}`}>Name</label>
                <input id={`variant-name-${i}`} value={v.name} disabled={flag.body.type === 'boolean'} onChange={(e) => setVariants(variants.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)))} />
              </div>
              <Field label={`Value of ${v.name || 'variant'}`} at={pointer('variants', v.name)} errors={errorsAt(pointer('variants', v.name))}>
                <input value={v.value} disabled={flag.body.type === 'boolean'} onChange={(e) => setVariants(variants.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)))} />
              </Field>
              {flag.body.type !== 'boolean' && (
                <button type="button" className="danger-outline" aria-label={`Remove variant ${v.name}`} onClick={() => setVariants(variants.filter((_, j) => j !== i))}>
                  ✕
                </button>
              )}
            </div>
          ))}
          {flag.body.type !== 'boolean' && (
            <button type="button" onClick={() => setVariants([...variants, { name: '', value: flag.body.type === 'number' ? '0' : flag.body.type === 'json' ? '{}' : '""' }])}>
              Add variant
            </button>
          )}
        </fieldset>
        <div className="actions">
          <span role="status">{saved}</span>
          <button type="submit" className="primary">
            Save details
          </button>
        </div>
      </form>
    </details>
  );
}

function TargetingEditor({ flag, environment, segments, flags, onSaved, onReload }: { flag: Versioned<Flag>; environment: string; segments: string[]; flags: string[]; onSaved: (f: Versioned<Flag>) => void; onReload: () => void }) {
  const stored = flag.body.environments[environment]!;
  // By content: a reload that left this environment alone (a schedule made elsewhere on the page) keeps the edits.
  const storedText = JSON.stringify([stored, Object.keys(flag.body.variants)]);
  const variants = useMemo(() => Object.keys(flag.body.variants), [storedText]);
  const [draft, setDraft] = useState<DraftTargeting>(() => toDraft(stored, variants));
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const form = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(form, error);
  // A newer targeting (saved here, or a schedule applied) replaces the draft with what the server stored (rule ids filled in).
  useEffect(() => setDraft(toDraft(stored, variants)), [storedText]);
  // What the draft would change, for scheduling it instead of saving it now; null while it is the stored targeting.
  const unsaved = useMemo(() => {
    const edited = toTargeting(draft);
    return JSON.stringify(edited) === JSON.stringify(toTargeting(toDraft(stored, variants))) ? null : edited;
  }, [draft, storedText]);
  const placed = placeErrors(error instanceof ApiError ? error.issues : [], targetingPointers(draft));
  const errors = placed.byField;
  const update = (patch: Partial<DraftTargeting>) => setDraft({ ...draft, ...patch });
  const splitsValid = serveIsValid(draft.defaultServe) && draft.rules.every((r) => serveIsValid(r.serve));

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!splitsValid) {
      setStatus('');
      setError(new Error('Fix the splits first: their weights must sum to 100%'));
      return;
    }
    try {
      const body = { ...toTargeting(draft), ...(reason.trim() ? { reason: reason.trim() } : {}) };
      const next = await api.put<Flag>(`${flagPath(flag.body.key)}/environments/${encodeURIComponent(environment)}`, body, flag.etag);
      setError(null);
      setStatus(`Saved ${environment} as version ${next.body.version}`);
      onSaved(next);
    } catch (e) {
      setError(e);
      setStatus('');
    }
  };

  const moveRule = (i: number, delta: -1 | 1) => {
    const rules = [...draft.rules];
    const [rule] = rules.splice(i, 1);
    rules.splice(i + delta, 0, rule!);
    update({ rules });
  };

  return (
    <>
      <form ref={form} className="targeting" onSubmit={save} noValidate aria-label={`Targeting in ${environment}`}>
        <h2>Targeting in {environment}</h2>
        <ErrorSummary message={error ? describeError(error) : null} issues={placed.unplaced} />
        <div className="grid-3">
          <div className="field checkbox">
            <input id="targeting-enabled" type="checkbox" checked={draft.enabled} onChange={(e) => update({ enabled: e.target.checked })} />
            <label htmlFor="targeting-enabled">Enabled in {environment}</label>
          </div>
          <Field label="Off variant" at="#/offVariant" errors={errors.get('#/offVariant')} hint="served while disabled">
            <select value={draft.offVariant} onChange={(e) => update({ offVariant: e.target.value })}>
              {[...new Set([...variants, draft.offVariant])].map((v) => (
                <option key={v}>{v}</option>
              ))}
            </select>
          </Field>
          <Field label="Bucket by" at="#/bucketBy" errors={errors.get('#/bucketBy')} hint="context attribute for splits">
            <input value={draft.bucketBy} onChange={(e) => update({ bucketBy: e.target.value })} />
          </Field>
        </div>

        <fieldset>
          <legend>Prerequisites</legend>
          {(errors.get('#/prerequisites') ?? []).map((m) => <div key={m} className="field-error" role="alert">{m}</div>)}
          {draft.prerequisites.map((p, i) => (
            <div className="row" key={i}>
              <Field label="Flag" at={pointer('prerequisites', i, 'flagKey')} errors={[...(errors.get(pointer('prerequisites', i)) ?? []), ...(errors.get(pointer('prerequisites', i, 'flagKey')) ?? [])]}>
                <input list="prerequisite-flags" value={p.flagKey} onChange={(e) => update({ prerequisites: draft.prerequisites.map((x, j) => (j === i ? { ...x, flagKey: e.target.value } : x)) })} />
              </Field>
              <Field label="serves variant" at={pointer('prerequisites', i, 'variant')} errors={errors.get(pointer('prerequisites', i, 'variant'))}>
                <input value={p.variant} onChange={(e) => update({ prerequisites: draft.prerequisites.map((x, j) => (j === i ? { ...x, variant: e.target.value } : x)) })} />
              </Field>
              <button type="button" className="danger-outline" aria-label={`Remove prerequisite ${i + 1}`} onClick={() => update({ prerequisites: draft.prerequisites.filter((_, j) => j !== i) })}>
                ✕
              </button>
            </div>
          ))}
          <datalist id="prerequisite-flags">
            {flags.map((f) => (
              <option key={f} value={f} />
            ))}
          </datalist>
          <button type="button" onClick={() => update({ prerequisites: [...draft.prerequisites, { flagKey: '', variant: 'on' }] })}>
            Add prerequisite
          </button>
        </fieldset>

        <fieldset>
          <legend>Individual targets</legend>
          {(errors.get('#/targets') ?? []).map((m) => <div key={m} className="field-error" role="alert">{m}</div>)}
          {draft.targets.map((t, i) => (
            <div className="row" key={i}>
              <Field label="Variant" at={pointer('targets', i, 'variant')} errors={errors.get(pointer('targets', i, 'variant'))}>
                <select value={t.variant} onChange={(e) => update({ targets: draft.targets.map((x, j) => (j === i ? { ...x, variant: e.target.value } : x)) })}>
                  {[...new Set([...variants, t.variant])].map((v) => (
                    <option key={v}>{v}</option>
                  ))}
                </select>
              </Field>
              <Field label="Units" at={pointer('targets', i, 'units')} errors={[...(errors.get(pointer('targets', i)) ?? []), ...(errors.get(pointer('targets', i, 'units')) ?? [])]} hint="comma-separated unit ids">
                <input value={t.unitsText} onChange={(e) => update({ targets: draft.targets.map((x, j) => (j === i ? { ...x, unitsText: e.target.value } : x)) })} />
              </Field>
              <button type="button" className="danger-outline" aria-label={`Remove target ${i + 1}`} onClick={() => update({ targets: draft.targets.filter((_, j) => j !== i) })}>
                ✕
              </button>
            </div>
          ))}
          <button type="button" onClick={() => update({ targets: [...draft.targets, { variant: variants[0] ?? '', unitsText: '' }] })}>
            Add target
          </button>
        </fieldset>

        <section aria-labelledby="rules-heading">
          <h3 id="rules-heading">Rules, in order (the first that matches serves)</h3>
          {(errors.get('#/rules') ?? []).map((m) => <div key={m} className="field-error" role="alert">{m}</div>)}
          <ol className="rules">
            {draft.rules.map((rule, i) => (
              <RuleEditor
                key={rule.uid}
                rule={rule}
                index={i}
                count={draft.rules.length}
                variants={variants}
                segments={segments}
                errors={errors}
                onChange={(next) => update({ rules: draft.rules.map((r, j) => (j === i ? next : r)) })}
                onMove={(delta) => moveRule(i, delta)}
                onRemove={() => update({ rules: draft.rules.filter((_, j) => j !== i) })}
              />
            ))}
          </ol>
          <button
            type="button"
            onClick={() =>
              update({
                rules: [...draft.rules, { uid: newUid(), id: '', description: '', conditions: [{ attribute: '', type: 'string', operator: 'eq', valuesText: '' }], serve: serveToDraft({ variant: variants[0] ?? '' }, variants) }],
              })
            }
          >
            Add rule
          </button>
        </section>

        <ServeEditor label="Default (no rule matched)" at={['defaultServe']} serve={draft.defaultServe} variants={variants} errors={errors} onChange={(defaultServe) => update({ defaultServe })} />

        <div className="save-bar">
          <div className="field">
            <label htmlFor="targeting-reason">Reason</label>
            <input id="targeting-reason" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="why this change (audit log)" />
          </div>
          <span role="status">{status}</span>
          <button type="button" onClick={() => navigate(`/flags/${encodeURIComponent(flag.body.key)}/history`)}>
            History
          </button>
          <button type="submit" className="primary">
            Save {environment}
          </button>
        </div>
      </form>
      <FlagSchedules flag={flag} environment={environment} draft={unsaved} onChanged={onReload} />
    </>
  );
}
