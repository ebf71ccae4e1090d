import './admin-pages.css';
import { useState } from 'react';
import { api, apiRequest, describeError } from '../api.ts';
import type { EnvironmentResource, IssuedSdkKey, SdkKey, SdkKeyKind } from '../admin-types.ts';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { ErrorSummary, Field } from '../components/field.tsx';
import { FormActions } from '../components/form-actions.tsx';
import { PageHeading } from '../components/page-heading.tsx';
import { ModalDialog } from '../components/portal-dialog.tsx';
import { ActionsHeader, RevocationCells } from '../components/revocable-cells.tsx';
import { SecretDialog, useIssueForm } from '../components/secret-dialog.tsx';
import { formatTime } from '../format-time.ts';
import { useLoad, useTitle } from '../hooks.ts';

const KIND_HINT: Record<SdkKeyKind, string> = {
  server: 'for back ends: may also download the whole configuration to evaluate locally',
  client: 'for browsers and mobile apps: evaluates on the server only, never sees the configuration',
};

/** SDK keys per environment: issue one (its secret shown once), see who issued which, revoke. */
export function SdkKeysPage() {
  useTitle('SDK keys');
  const keys = useLoad(async () => (await api.get<{ apiKeys: SdkKey[] }>('/admin/api-keys')).body.apiKeys, []);
  const environments = useLoad(async () => (await api.get<{ environments: EnvironmentResource[] }>('/admin/environments')).body.environments, []);
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<SdkKey | null>(null);
  const [status, setStatus] = useState('');

  const envKeys = [...new Set([...(environments.data ?? []).map((e) => e.key), ...(keys.data ?? []).map((k) => k.environment)])];
  return (
    <section>
      <div className="page-head">
        <PageHeading>SDK keys</PageHeading>
        <button type="button" className="primary" onClick={() => setCreating(true)} disabled={!environments.data}>
          New SDK key
        </button>
      </div>
      <p className="muted">Applications evaluate flags of one environment with an SDK key. Only its hash is stored: the key itself is shown once, when it is made.</p>
      <p className="visually-hidden" role="status">
        {status}
      </p>
      {(keys.error || environments.error) && (
        <div className="error-summary" role="alert">
          {keys.error ?? environments.error}
        </div>
      )}
      {keys.loading && !keys.data && <p aria-busy="true">Loading SDK keys…</p>}
      {keys.data &&
        envKeys.map((env) => {
          const inEnv = keys.data!.filter((k) => k.environment === env);
          return (
            <section key={env} aria-labelledby={`keys-${env}`} className="card">
              <h2 id={`keys-${env}`}>{env}</h2>
              {inEnv.length === 0 ? (
                <p className="muted">No SDK keys for {env}.</p>
              ) : (
                <div className="table-wrap">
                  <table>
                    <caption className="visually-hidden">SDK keys for {env}</caption>
                    <thead>
                      <tr>
                        <th scope="col">Name</th>
                        <th scope="col">Kind</th>
                        <th scope="col">Created</th>
                        <th scope="col">By</th>
                        <th scope="col">State</th>
                        <ActionsHeader />
                      </tr>
                    </thead>
                    <tbody>
                      {inEnv.map((k) => (
                        <tr key={k.id} data-testid="sdk-key" className={k.revoked ? 'revoked' : undefined}>
                          <th scope="row">{k.name}</th>
                          <td>{k.kind}</td>
                          <td>
                            <time dateTime={k.createdAt}>{formatTime(k.createdAt)}</time>
                          </td>
                          <td>{k.createdBy ?? '–'}</td>
                          <RevocationCells name={k.name} revoked={k.revoked} onRevoke={() => setRevoking(k)} />
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </section>
          );
        })}
      {creating && (
        <IssueKeyDialog
          environments={(environments.data ?? []).map((e) => e.key)}
          onIssued={(k) => {
            setStatus(`Issued ${k.name}`);
            keys.reload();
          }}
          onClose={() => setCreating(false)}
        />
      )}
      {revoking && (
        <ConfirmDialog
          title={`Revoke ${revoking.name}?`}
          confirmLabel="Revoke key"
          onClose={() => setRevoking(null)}
          onConfirm={async () => {
            await apiRequest('DELETE', `/admin/api-keys/${encodeURIComponent(revoking.id)}`);
            setRevoking(null);
            setStatus(`Revoked ${revoking.name}`);
            keys.reload();
          }}
        >
          <p>
            Every application using the {revoking.kind} key <strong>{revoking.name}</strong> for <strong>{revoking.environment}</strong> (created {formatTime(revoking.createdAt)}) stops getting flags at
            once: its requests are refused, and SDKs fall back to their default values. A revoked key cannot be brought back.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function IssueKeyDialog({ environments, onIssued, onClose }: { environments: string[]; onIssued: (k: IssuedSdkKey) => void; onClose: () => void }) {
  const [environment, setEnvironment] = useState(environments[0] ?? '');
  const [kind, setKind] = useState<SdkKeyKind>('server');
  const [name, setName] = useState('');
  const { issued, error, placed, submit } = useIssueForm(
    ['environment', 'kind', 'name'],
    async () => (await api.post<IssuedSdkKey>('/admin/api-keys', { environment, kind, ...(name.trim() ? { name: name.trim() } : {}) })).body,
    onIssued,
  );
  if (issued) {
    return (
      <SecretDialog title={`SDK key ${issued.name}`} label={`The SDK key ${issued.name}`} secret={issued.key} onClose={onClose}>
        <p>
          A {issued.kind} key for <strong>{issued.environment}</strong>.
        </p>
      </SecretDialog>
    );
  }
  return (
    <ModalDialog title="New SDK key" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <ErrorSummary message={error ? describeError(error) : null} issues={placed.unplaced} />
        <Field label="Environment" at="#/environment" errors={placed.byField.get('#/environment')}>
          <select value={environment} onChange={(e) => setEnvironment(e.target.value)} data-autofocus>
            {environments.map((e) => (
              <option key={e}>{e}</option>
            ))}
          </select>
        </Field>
        <Field label="Kind" at="#/kind" errors={placed.byField.get('#/kind')} hint={KIND_HINT[kind]}>
          <select value={kind} onChange={(e) => setKind(e.target.value as SdkKeyKind)}>
            <option value="server">server</option>
            <option value="client">client</option>
          </select>
        </Field>
        <Field label="Name" at="#/name" errors={placed.byField.get('#/name')} hint={`optional; "${environment} ${kind} key" when left empty`}>
          <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        </Field>
        <FormActions submitLabel="Create key" onCancel={onClose} />
      </form>
    </ModalDialog>
  );
}
