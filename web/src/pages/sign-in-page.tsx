import { useState, type FormEvent } from 'react';
import { apiRequest, describeError } from '../api.ts';
import { useTitle } from '../hooks.ts';
import { storeToken } from '../session.ts';

/** Sign-in with an admin token: checked against the API before it is kept (in sessionStorage only). */
export function SignInPage({ onSignedIn }: { onSignedIn: () => void }) {
  useTitle('Sign in');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await apiRequest('GET', '/admin/environments', { token: token.trim() });
      storeToken(token.trim());
      onSignedIn();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="sign-in">
      <form onSubmit={submit} aria-describedby="sign-in-help">
        <h1>Flagstaff</h1>
        <p id="sign-in-help">Sign in with an admin token. It is kept in this tab only, until the tab is closed.</p>
        <div className={`field${error ? ' invalid' : ''}`}>
          <label htmlFor="token">Admin token</label>
          <input
            id="token"
            name="token"
            type="password"
            autoComplete="current-password"
            autoFocus
            required
            value={token}
            onChange={(e) => setToken(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'token-error' : undefined}
          />
          {error && (
            <div id="token-error" className="field-error" role="alert">
              {error}
            </div>
          )}
        </div>
        <button type="submit" className="primary" disabled={busy || token.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
