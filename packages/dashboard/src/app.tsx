import { useEffect } from 'react';
import { Layout } from './components/layout';
import { LiveProvider } from './lib/live';
import { Link, match, navigate, useLocation } from './lib/router';
import { activeKey, useSession } from './lib/session';
import { AccountDetail } from './pages/account-detail';
import { DestinationDetail } from './pages/destination-detail';
import { Accounts } from './pages/accounts';
import { EndpointDetail } from './pages/endpoint-detail';
import { EndpointNew } from './pages/endpoint-new';
import { EventDetail } from './pages/event-detail';
import { Events } from './pages/events';
import { NeedKey } from './pages/need-key';
import { SignIn } from './pages/sign-in';
import { Settings } from './pages/settings';
import { Webhooks } from './pages/webhooks';

function Page({ path }: { path: string }) {
  let p: Record<string, string> | null;
  if (path === '/webhooks') return <Webhooks />;
  if (path === '/webhooks/new') return <EndpointNew />;
  if ((p = match('/webhooks/:id', path))) return <EndpointDetail id={p.id!} />;
  if ((p = match('/destinations/:id', path))) return <DestinationDetail id={p.id!} />;
  if (path === '/events') return <Events />;
  if ((p = match('/events/:id', path))) return <EventDetail id={p.id!} />;
  if (path === '/accounts') return <Accounts />;
  if (path === '/settings') return <Settings />;
  if ((p = match('/accounts/:id', path))) return <AccountDetail id={p.id!} />;
  return (
    <div>
      <h1 tabIndex={-1} id="page-title">
        Page not found
      </h1>
      <p>
        Nothing lives at <code>/dashboard{path}</code>. Try the{' '}
        <Link to="/webhooks">webhooks page</Link>.
      </p>
    </div>
  );
}

export function App() {
  const session = useSession();
  const { path } = useLocation();
  const key = activeKey(session);

  useEffect(() => {
    if (path === '/' && session.platform) navigate('/webhooks', { replace: true });
  }, [path, session.platform]);

  // Moving focus to the new page's title tells keyboard and screen reader users the page changed.
  useEffect(() => {
    document.getElementById('page-title')?.focus({ preventScroll: true });
  }, [path]);

  if (!session.platform) return <SignIn />;
  const shell = <Layout>{key ? <Page path={path} /> : <NeedKey mode={session.mode} />}</Layout>;
  // A new key (mode or sandbox switch) starts everything afresh, the live stream included.
  return key ? (
    <LiveProvider apiKey={key} key={key}>
      {shell}
    </LiveProvider>
  ) : (
    shell
  );
}
