import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { useI18n, LANGS, type Lang, type MessageKey } from '../lib/i18n/index.tsx';
import { Link, useLocation, useSearchParams } from '../lib/router.tsx';
import { setThemeChoice, useTheme, type ThemeChoice } from '../lib/theme.ts';
import { refreshNowIfStale } from '../lib/time-range.ts';
import { Icon, type IconName } from '../components/icons.tsx';
import { EmptyState, ListSkeleton } from '../components/states.tsx';
import { OverviewPage } from '../features/overview/components/overview-page.tsx';
import { RequestsPage } from '../features/requests/components/requests-page.tsx';
import { RequestDrawer } from '../features/requests/components/request-drawer.tsx';
import { SessionsPage } from '../features/sessions/components/sessions-page.tsx';
import { SessionPage } from '../features/sessions/components/session-page.tsx';
import { UsersPage } from '../features/users/components/users-page.tsx';
import { AgentsPage } from '../features/agents/components/agents-page.tsx';
import { AgentSessionPage } from '../features/agents/components/agent-session-page.tsx';
import { AgentComparePage } from '../features/agents/components/agent-compare-page.tsx';
import { KeysPage } from '../features/keys/components/keys-page.tsx';
import { AccountsPage } from '../features/accounts/components/accounts-page.tsx';
import { AlertsPage } from '../features/alerts/components/alerts-page.tsx';
import { AlertPage, NewAlertPage } from '../features/alerts/components/alert-page.tsx';
import type { Me } from '../api-types.ts';
import { useSignOut } from '../features/auth/api/delete-session.ts';
import { hrefKeepingTime } from './nav.ts';
import { ShortcutHelp, useGlobalShortcuts, useShortcutHelp } from './shortcuts.tsx';

// The SQL console brings CodeMirror: its own chunk, loaded when the page is first opened.
const SqlPage = lazy(() => import('../features/sql/components/sql-page.tsx').then((m) => ({ default: m.SqlPage })));

const NAV: { path: string; label: MessageKey; icon: IconName; key?: string; adminOnly?: boolean }[] = [
  { path: '/', label: 'nav.overview', icon: 'chart', key: 'g o' },
  { path: '/requests', label: 'nav.requests', icon: 'list', key: 'g r' },
  { path: '/sessions', label: 'nav.sessions', icon: 'sessions', key: 'g s' },
  { path: '/agents', label: 'nav.agents', icon: 'terminal' },
  { path: '/users', label: 'nav.users', icon: 'users', key: 'g u' },
  { path: '/keys', label: 'nav.keys', icon: 'lock', key: 'g k' },
  { path: '/alerts', label: 'nav.alerts', icon: 'alert', key: 'g a' },
  { path: '/sql', label: 'nav.sql', icon: 'terminal' },
  { path: '/accounts', label: 'nav.accounts', icon: 'users', adminOnly: true },
];

const THEMES: { choice: ThemeChoice; icon: IconName; label: MessageKey }[] = [
  { choice: 'light', icon: 'sun', label: 'theme.light' },
  { choice: 'system', icon: 'monitor', label: 'theme.system' },
  { choice: 'dark', icon: 'moon', label: 'theme.dark' },
];

function route(pathname: string, me: Me): ReactNode {
  if (pathname === '/' || pathname === '/overview') return <OverviewPage />;
  if (pathname === '/requests') return <RequestsPage />;
  if (pathname === '/sessions') return <SessionsPage />;
  const session = /^\/sessions\/(.+)$/.exec(pathname);
  if (session) return <SessionPage key={session[1]} id={decodeURIComponent(session[1]!)} />;
  if (pathname === '/agents') return <AgentsPage />;
  if (pathname === '/agents/compare') return <AgentComparePage />;
  const agentSession = /^\/agents\/(.+)$/.exec(pathname);
  if (agentSession) return <AgentSessionPage key={agentSession[1]} id={decodeURIComponent(agentSession[1]!)} />;
  if (pathname === '/users') return <UsersPage />;
  if (pathname === '/keys') return <KeysPage me={me} />;
  if (pathname === '/alerts') return <AlertsPage me={me} />;
  if (pathname === '/alerts/new') return <NewAlertPage me={me} />;
  const alert = /^\/alerts\/(.+)$/.exec(pathname);
  if (alert) return <AlertPage key={alert[1]} id={decodeURIComponent(alert[1]!)} me={me} />;
  if (pathname === '/sql') return <Suspense fallback={<div className="page"><div className="card"><ListSkeleton /></div></div>}><SqlPage me={me} /></Suspense>;
  if (pathname === '/accounts' && me.role === 'admin') return <AccountsPage me={me} />;
  return null;
}

function NotFound() {
  const { t } = useI18n();
  return (
    <div className="page">
      <div className="card"><EmptyState icon="alert" title={t('notFound.title')}><Link to="/" className="btn">{t('nav.overview')}</Link></EmptyState></div>
    </div>
  );
}

export function Shell({ me }: { me: Me }) {
  const { t, lang, setLang } = useI18n();
  const { pathname, search } = useLocation();
  const params = useSearchParams();
  const { choice } = useTheme();
  const signOut = useSignOut();
  const [helpOpen, openHelp, closeHelp] = useShortcutHelp();
  useGlobalShortcuts(openHelp);
  const drawerId = params.get('request');
  // "Last hour" means the hour before you opened the page, not before you first loaded the app.
  useEffect(() => refreshNowIfStale(), [pathname]);
  const active = (p: string) => (p === '/' ? pathname === '/' || pathname === '/overview' : pathname === p || pathname.startsWith(`${p}/`));

  return (
    <div className="shell">
      <nav className="sidebar" aria-label={t('nav.main')}>
        <div className="brand"><span className="brand-mark" aria-hidden="true" /><span className="nav-label">Periscope</span></div>
        {NAV.filter((n) => !n.adminOnly || me.role === 'admin').map((n) => (
          <Link key={n.path} to={hrefKeepingTime(n.path, search)} className="nav-link" aria-current={active(n.path) ? 'page' : undefined} title={n.key ? `${t(n.label)} (${n.key})` : t(n.label)}>
            <Icon name={n.icon} /><span className="nav-label">{t(n.label)}</span>{n.key && <span className="kbd-hint">{n.key}</span>}
          </Link>
        ))}
        <div className="sidebar-footer">
          <div className="segmented" role="radiogroup" aria-label={t('theme.label')} style={{ alignSelf: 'flex-start' }}>
            {THEMES.map((x) => (
              <button key={x.choice} type="button" role="radio" aria-checked={choice === x.choice} title={t(x.label)} aria-label={t(x.label)} onClick={() => setThemeChoice(x.choice)} data-theme-choice={x.choice}>
                <Icon name={x.icon} width={14} height={14} />
              </button>
            ))}
          </div>
          <label className="sidebar-row" style={{ gap: 8 }}>
            <Icon name="globe" width={16} height={16} className="muted" />
            <span className="sr-only">{t('lang.label')}</span>
            <select className="select" value={lang} onChange={(e) => setLang(e.target.value as Lang)} style={{ flex: 1 }} data-testid="lang">
              {LANGS.map((l) => <option key={l.code} value={l.code}>{l.label}</option>)}
            </select>
          </label>
          <button type="button" className="nav-link btn-ghost" style={{ border: 0, background: 'transparent', cursor: 'pointer' }} onClick={openHelp}>
            <Icon name="keyboard" /><span className="nav-label">{t('shortcuts.title')}</span><span className="kbd-hint">?</span>
          </button>
          <button type="button" className="nav-link" style={{ border: 0, background: 'transparent', cursor: 'pointer' }} onClick={() => signOut.mutate()} data-testid="sign-out">
            <Icon name="logout" /><span className="nav-label">{t('signin.signOut')}</span>
          </button>
        </div>
      </nav>
      <main className="main" id="main">
        {route(pathname, me) ?? <NotFound />}
      </main>
      {drawerId && <RequestDrawer key={drawerId} id={drawerId} />}
      <ShortcutHelp open={helpOpen} onClose={closeHelp} />
    </div>
  );
}
