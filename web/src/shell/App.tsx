/** The app shell: sign-in, the workspace (key) switcher, the sections, and the routes. */
import { useEffect, useMemo, useRef, useState } from 'react';
import { Provider } from 'urql';
import { createApiClient } from './client';
import { indicatorText, type SocketState } from './live-indicator';
import { Link, usePathname } from './navigation';
import { parseRoute, routeTitle, sectionOf, type Section } from './routes';
import { activeKey, addKey, keyLabel, readSession, removeKey, switchKey, writeSession, type Session, type StoredKey } from './session';
import { SignIn } from './SignIn';
import { AnalyticsPage } from '../analytics/AnalyticsPage';
import { ExperimentsPage } from '../experiments/ExperimentsPage';
import { CampaignPage } from '../experiments/CampaignPage';
import { NewTestPage } from '../experiments/NewTestPage';
import { OptimisationPage } from '../optimisation/OptimisationPage';
import { OperationsPage } from '../operations/OperationsPage';

const SECTIONS: { section: Section; href: string; label: string }[] = [
  { section: 'analytics', href: '/analytics', label: 'Analytics' },
  { section: 'tests', href: '/tests', label: 'A/B tests' },
  { section: 'optimisation', href: '/optimisation', label: 'Optimisation' },
  { section: 'operations', href: '/operations', label: 'Operations' },
];

export function App() {
  const [session, setSession] = useState<Session>(() => readSession(sessionStorage));
  const [adding, setAdding] = useState(false);
  const update = (next: Session) => {
    writeSession(sessionStorage, next);
    setSession(next);
  };
  const current = activeKey(session);
  const onSignedIn = (k: StoredKey) => {
    update(addKey(session, k));
    setAdding(false);
  };

  if (!current || adding) {
    return (
      <div className="shell">
        <header className="topbar">
          <span className="brand">Splitcast</span>
        </header>
        <main id="main" className="content narrow">
          <SignIn onSignedIn={onSignedIn} onCancel={current ? () => setAdding(false) : undefined} />
        </main>
      </div>
    );
  }
  return (
    <SignedIn
      session={session}
      current={current}
      onSwitch={(key) => update(switchKey(session, key))}
      onAdd={() => setAdding(true)}
      onSignOut={() => update(removeKey(session, current.key))}
    />
  );
}

interface SignedInProps {
  session: Session;
  current: StoredKey;
  onSwitch(key: string): void;
  onAdd(): void;
  onSignOut(): void;
}

function SignedIn({ session, current, onSwitch, onAdd, onSignOut }: SignedInProps) {
  // Switching keys builds a fresh client (and WebSocket); the header stays mounted so the switcher keeps
  // the keyboard focus, and only <main> (keyed on the key) starts over with no state from the other workspace.
  const api = useMemo(() => createApiClient(current.key), [current.key]);
  useEffect(() => () => api.dispose(), [api]);
  const [socket, setSocket] = useState<SocketState>('idle');
  useEffect(() => {
    setSocket('idle');
    return api.onSocket(setSocket);
  }, [api]);
  const pathname = usePathname();
  const route = parseRoute(pathname);
  const section = sectionOf(route);
  const title = routeTitle(route, current.workspaceName);
  useEffect(() => {
    document.title = title;
  }, [title]);
  // After an in-app navigation the clicked link is usually gone with its page: the focus (and a
  // screen reader's reading position) goes to the new page's <main> instead of falling to <body>.
  const main = useRef<HTMLElement>(null);
  const firstPath = useRef(pathname);
  useEffect(() => {
    if (pathname !== firstPath.current) {
      firstPath.current = '';
      main.current?.focus();
    }
  }, [pathname]);

  return (
    <Provider value={api.client}>
      <div className="shell">
        <a className="skip" href="#main">Skip to content</a>
        <header className="topbar">
          <span className="brand">Splitcast</span>
          <nav aria-label="Sections" className="sections">
            <ul>
              {SECTIONS.map((s) => (
                <li key={s.section}>
                  <Link href={s.href} aria-current={section === s.section ? 'page' : undefined}>
                    {s.label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <div className="account">
            <label htmlFor="workspace-switcher">Workspace</label>
            <select id="workspace-switcher" value={current.key} onChange={(e) => onSwitch(e.target.value)}>
              {session.keys.map((k) => (
                <option key={k.key} value={k.key}>
                  {keyLabel(k)}
                </option>
              ))}
            </select>
            <button type="button" onClick={onAdd}>Add a key</button>
            <button type="button" onClick={onSignOut}>Sign out</button>
          </div>
        </header>
        <p className="live-indicator" role="status">
          {indicatorText(socket)}
        </p>
        <main id="main" className="content" key={current.key} ref={main} tabIndex={-1}>
          {route.name === 'analytics' && <AnalyticsPage workspaceName={current.workspaceName} />}
          {route.name === 'tests' && <ExperimentsPage workspaceName={current.workspaceName} />}
          {route.name === 'newTest' && <NewTestPage />}
          {route.name === 'test' && <CampaignPage id={route.id} />}
          {route.name === 'optimisation' && <OptimisationPage workspaceName={current.workspaceName} />}
          {route.name === 'operations' && <OperationsPage workspaceName={current.workspaceName} apiKey={current.key} />}
          {route.name === 'notFound' && (
            <section>
              <h1>Page not found</h1>
              <p>
                Nothing lives at <code>{route.path}</code>. <Link href="/tests">Go to the A/B tests</Link>.
              </p>
            </section>
          )}
        </main>
      </div>
    </Provider>
  );
}
