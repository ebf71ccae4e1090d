import './admin-pages.css';
import { useState } from 'react';
import { api, apiRequest, describeError } from '../api.ts';
import type { AdminRole, AdminToken, CurrentToken, IssuedAdminToken } from '../admin-types.ts';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { ErrorSummary, Field } from '../components/field.tsx';
import { FormActions } from '../components/form-actions.tsx';
import { PageHeading } from '../components/page-heading.tsx';
import { ModalDialog } from '../components/portal-dialog.tsx';
import { ActionsHeader, RevocationCells } from '../components/revocable-cells.tsx';
import { SecretDialog, useIssueForm } from '../components/secret-dialog.tsx';
import { formatTime } from '../format-time.ts';
import { useLoad, useTitle } from '../hooks.ts';

const ROLE_HINT: Record<AdminRole, string> = {
  viewer: 'reads flags, experiments and the audit log',
  editor: 'also changes flags, segments and experiments',
  admin: 'also manages environments, SDK keys and admin tokens',
};

/** Admin tokens: issue one with a role (its secret shown once), list them, revoke them. */
export function AdminTokensPage() {
  useTitle('Admin tokens');
  const tokens = useLoad(async () => (await api.get<{ tokens: AdminToken[] }>('/admin/tokens')).body.tokens, []);
  const current = useLoad(async () => (await api.get<CurrentToken>('/admin/tokens/current')).body, []);
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<AdminToken | null>(null);
  const [status, setStatus] = useState('');
  const mine = (t: AdminToken) => current.data?.id === t.id;

  return (
    <section>
      <div className="page-head">
        <PageHeading>Admin tokens</PageHeading>
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          New admin token
        </button>
      </div>
      <p className="muted">
        People and automation (CI, scripts, the command line) call the admin API with an admin token. Only its hash is stored: the token itself is shown once, when it is made.
        {current.data && (
          <>
            {' '}
            You are signed in as <code>{current.data.actor}</code> ({current.data.role}).
          </>
        )}
      </p>
      <p className="visually-hidden" role="status">
        {status}
      </p>
      {tokens.error && (
        <div className="error-summary" role="alert">
          {tokens.error}
        </div>
      )}
      {tokens.loading && !tokens.data && <p aria-busy="true">Loading admin tokens…</p>}
      {tokens.data && tokens.data.length === 0 && <p>No admin tokens have been issued: only the configured bootstrap token works.</p>}
      {tokens.data && tokens.data.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Admin tokens</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Created</th>
                <th scope="col">State</th>
                <ActionsHeader />
              </tr>
            </thead>
            <tbody>
              {tokens.data.map((t) => (
                <tr key={t.id} data-testid="admin-token">
                  <th scope="row">
                    {t.name}
                    {mine(t) && <span className="role-badge">you</span>}
                  </th>
                  <td>{t.role}</td>
                  <td>
                    <time dateTime={t.createdAt}>{formatTime(t.createdAt)}</time>
                  </td>
                  <RevocationCells name={t.name} revoked={t.revoked} onRevoke={() => setRevoking(t)} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {creating && (
        <IssueTokenDialog
          onIssued={(t) => {
            setStatus(`Issued ${t.name}`);
            tokens.reload();
          }}
          onClose={() => setCreating(false)}
        />
      )}
      {revoking && (
        <RevokeTokenDialog
          token={revoking}
          own={mine(revoking)}
          onClose={() => setRevoking(null)}
          onRevoked={() => {
            setRevoking(null);
            setStatus(`Revoked ${revoking.name}`);
            // Revoking your own token signs you out: this reload answers 401 and the app returns to sign-in.
            tokens.reload();
          }}
        />
      )}
    </section>
  );
}

function RevokeTokenDialog({ token, own, onClose, onRevoked }: { token: AdminToken; own: boolean; onClose: () => void; onRevoked: () => void }) {
  const [understood, setUnderstood] = useState(false);
  return (
    <ConfirmDialog
      title={`Revoke ${token.name}?`}
      confirmLabel={own ? 'Revoke and sign out' : 'Revoke token'}
      confirmDisabled={own && !understood}
      onClose={onClose}
      onConfirm={async () => {
        await apiRequest('DELETE', `/admin/tokens/${encodeURIComponent(token.id)}`);
        onRevoked();
      }}
    >
      <p>
        Automation and people using the {token.role} token <strong>{token.name}</strong> stop working at once: every request with it is refused (401). A revoked token cannot be brought back.
      </p>
      {own && (
        <>
          <p className="banner banner-danger" role="alert">
            This is the token you are signed in with. Revoking it signs you out of this app, and you need another admin token to sign back in.
          </p>
          <div className="field checkbox">
            <input id="revoke-own-token" type="checkbox" checked={understood} onChange={(e) => setUnderstood(e.target.checked)} />
            <label htmlFor="revoke-own-token">I understand: revoke the token I am signed in with</label>
          </div>
        </>
      )}
    </ConfirmDialog>
  );
}

function IssueTokenDialog({ onIssued, onClose }: { onIssued: (t: IssuedAdminToken) => void; onClose: () => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<AdminRole>('viewer');
  const { issued, error, placed, submit } = useIssueForm(['name', 'role'], async () => (await api.post<IssuedAdminToken>('/admin/tokens', { name: name.trim(), role })).body, onIssued);
  if (issued) {
    return (
      <SecretDialog title={`Admin token ${issued.name}`} label={`The admin token ${issued.name}`} secret={issued.token} onClose={onClose}>
        <p>
          An {issued.role} token. Store it where its user keeps secrets (a CI secret, a password manager).
        </p>
      </SecretDialog>
    );
  }
  return (
    <ModalDialog title="New admin token" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <ErrorSummary message={error ? describeError(error) : null} issues={placed.unplaced} />
        <Field label="Name" at="#/name" errors={placed.byField.get('#/name')} hint="who or what uses it: recorded as the actor of its changes">
          <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" data-autofocus />
        </Field>
        <Field label="Role" at="#/role" errors={placed.byField.get('#/role')} hint={ROLE_HINT[role]}>
          <select value={role} onChange={(e) => setRole(e.target.value as AdminRole)}>
            {(['viewer', 'editor', 'admin'] as const).map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </Field>
        <FormActions submitLabel="Create token" onCancel={onClose} />
      </form>
    </ModalDialog>
  );
}
