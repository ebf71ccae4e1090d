import './admin-pages.css';
import { useRef, useState, type FormEvent } from 'react';
import { api, ApiError, describeError } from '../api.ts';
import type { EnvironmentResource } from '../admin-types.ts';
import { ErrorSummary, Field } from '../components/field.tsx';
import { PageHeading } from '../components/page-heading.tsx';
import { placeErrors, pointer } from '../field-errors.ts';
import { formatTime } from '../format-time.ts';
import { useFocusFirstInvalid, useLoad, useTitle } from '../hooks.ts';

/** Environments: each has its own targeting per flag and its own SDK keys. */
export function EnvironmentsPage() {
  useTitle('Environments');
  const environments = useLoad(async () => (await api.get<{ environments: EnvironmentResource[] }>('/admin/environments')).body.environments, []);
  const [status, setStatus] = useState('');
  return (
    <section>
      <PageHeading>Environments</PageHeading>
      <p className="muted">Every flag has its own targeting in each environment, and SDK keys belong to one. A new environment starts with every flag off.</p>
      {environments.error && (
        <div className="error-summary" role="alert">
          {environments.error}
        </div>
      )}
      {environments.loading && !environments.data && <p aria-busy="true">Loading environments…</p>}
      {environments.data && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Environments</caption>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Name</th>
                <th scope="col">Production</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {environments.data.map((e) => (
                <tr key={e.key} data-testid="environment">
                  <th scope="row">
                    <code>{e.key}</code>
                  </th>
                  <td>{e.name}</td>
                  <td>{e.production ? 'yes' : 'no'}</td>
                  <td>
                    <time dateTime={e.createdAt}>{formatTime(e.createdAt)}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CreateEnvironmentForm
        onCreated={(e) => {
          setStatus(`Created environment ${e.key}`);
          environments.reload();
        }}
      />
      <p className="notice" role="status">
        {status}
      </p>
    </section>
  );
}

function CreateEnvironmentForm({ onCreated }: { onCreated: (e: EnvironmentResource) => void }) {
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const [production, setProduction] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const placed = placeErrors(error instanceof ApiError ? error.issues : [], ['key', 'name', 'production'].map((f) => pointer(f)));
  const form = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(form, error);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const created = (await api.post<EnvironmentResource>('/admin/environments', { key: key.trim(), ...(name.trim() ? { name: name.trim() } : {}), production })).body;
      setError(null);
      setKey('');
      setName('');
      setProduction(false);
      onCreated(created);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form ref={form} className="card environment-form" onSubmit={submit} noValidate aria-labelledby="new-environment">
      <h2 id="new-environment">New environment</h2>
      <ErrorSummary message={error ? describeError(error) : null} issues={placed.unplaced} />
      <div className="grid-2">
        <Field label="Key" at="#/key" errors={placed.byField.get('#/key')} hint="lower case letters, digits, . _ -; used in URLs and SDK keys">
          <input value={key} onChange={(e) => setKey(e.target.value)} autoComplete="off" />
        </Field>
        <Field label="Name" at="#/name" errors={placed.byField.get('#/name')} hint="optional; the key when left empty">
          <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        </Field>
      </div>
      <div className="field checkbox">
        <input id="environment-production" type="checkbox" checked={production} onChange={(e) => setProduction(e.target.checked)} data-pointer="#/production" />
        <label htmlFor="environment-production">Production (serves real users)</label>
      </div>
      {(placed.byField.get('#/production') ?? []).map((m) => (
        <div key={m} className="field-error" role="alert">
          {m}
        </div>
      ))}
      <div className="actions">
        <button type="submit" className="primary">
          Create environment
        </button>
      </div>
    </form>
  );
}
