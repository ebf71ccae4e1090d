import { useEffect, useState } from 'react';
import { whenUnauthorized } from './api.ts';
import { AdminTokensPage } from './pages/admin-tokens-page.tsx';
import { AuditPage } from './pages/audit-page.tsx';
import { EnvironmentsPage } from './pages/environments-page.tsx';
import { ExperimentDesignPage } from './pages/experiment-design-page.tsx';
import { ExperimentResultsPage } from './pages/experiment-results-page.tsx';
import { ExperimentsPage } from './pages/experiments-page.tsx';
import { FlagEditorPage } from './pages/flag-editor-page.tsx';
import { FlagHistoryPage } from './pages/flag-history-page.tsx';
import { FlagsPage } from './pages/flags-page.tsx';
import { SdkKeysPage } from './pages/sdk-keys-page.tsx';
import { SegmentHistoryPage } from './pages/segment-history-page.tsx';
import { SegmentPage } from './pages/segment-page.tsx';
import { SegmentsPage } from './pages/segments-page.tsx';
import { SignInPage } from './pages/sign-in-page.tsx';
import { StaleFlagsPage } from './pages/stale-flags-page.tsx';
import { Link, matchPath, navigate, useLocation } from './router.tsx';
import { forgetToken, storedToken } from './session.ts';

const NAV = [
  { to: '/flags', label: 'Flags' },
  // Not under /flags/: a flag may be keyed "stale".
  { to: '/stale-flags', label: 'Stale flags' },
  { to: '/segments', label: 'Segments' },
  { to: '/experiments', label: 'Experiments' },
  { to: '/audit', label: 'Audit' },
  { to: '/environments', label: 'Environments' },
  { to: '/api-keys', label: 'SDK keys' },
  { to: '/tokens', label: 'Admin tokens' },
];

export function App() {
  const [signedIn, setSignedIn] = useState(() => storedToken() !== null);
  const { pathname } = useLocation();

  useEffect(() => whenUnauthorized(() => setSignedIn(false)), []);
  useEffect(() => {
    if (signedIn && (pathname === '/' || pathname === '/signin')) navigate('/flags', { replace: true });
  }, [signedIn, pathname]);

  if (!signedIn) return <SignInPage onSignedIn={() => setSignedIn(true)} />;

  const signOut = () => {
    forgetToken();
    setSignedIn(false);
    navigate('/', { replace: true });
  };

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <Link to="/flags" className="brand">
          Flagstaff
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.to}>
                <Link to={item.to} aria-current={pathname.startsWith(item.to) ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" className="link-button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Screen pathname={pathname} />
      </main>
    </>
  );
}

function Screen({ pathname }: { pathname: string }) {
  let m: Record<string, string> | null;
  if ((m = matchPath('/flags/:key/history', pathname))) return <FlagHistoryPage key={m['key']} flagKey={m['key']!} />;
  if ((m = matchPath('/flags/:key', pathname))) return <FlagEditorPage key={m['key']} flagKey={m['key']!} />;
  if (matchPath('/flags', pathname) || pathname === '/') return <FlagsPage />;
  if (matchPath('/experiments/new', pathname)) return <ExperimentDesignPage />;
  if ((m = matchPath('/experiments/:key', pathname))) return <ExperimentResultsPage key={m['key']} experimentKey={m['key']!} />;
  if (matchPath('/experiments', pathname)) return <ExperimentsPage />;
  if (matchPath('/audit', pathname)) return <AuditPage />;
  if (matchPath('/stale-flags', pathname)) return <StaleFlagsPage />;
  if ((m = matchPath('/segments/:key/history', pathname))) return <SegmentHistoryPage key={m['key']} segmentKey={m['key']!} />;
  if ((m = matchPath('/segments/:key', pathname))) return <SegmentPage key={m['key']} segmentKey={m['key']!} />;
  if (matchPath('/segments', pathname)) return <SegmentsPage />;
  if (matchPath('/environments', pathname)) return <EnvironmentsPage />;
  if (matchPath('/api-keys', pathname)) return <SdkKeysPage />;
  if (matchPath('/tokens', pathname)) return <AdminTokensPage />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        Nothing lives at <code>{pathname}</code>. <Link to="/flags">Go to the flags</Link>.
      </p>
    </section>
  );
}
