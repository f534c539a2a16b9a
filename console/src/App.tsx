/**
 * The console's shell: sign-in, then the screens a care team opens every morning
 * (worklist, chart, care plan, my work, outcomes) or, for partner staff, the partner
 * portal. One Apollo client per session, so signing out drops every cached record.
 */
import { ApolloProvider } from '@apollo/client';
import { useMemo, useState } from 'react';
import { createApolloClient } from './apollo';
import { Link, navigate, usePath } from './router';
import { currentSession, isPartner, signOut, type Session } from './session';
import { SignIn } from './screens/SignIn';
import { Worklist } from './screens/Worklist';
import { PatientChart } from './screens/PatientChart';
import { CarePlanScreen } from './screens/CarePlan';
import { MyWork } from './screens/MyWork';
import { PartnerPortal } from './screens/PartnerPortal';
import { Outcomes } from './screens/Outcomes';

export function App() {
  const [session, setSession] = useState<Session | null>(currentSession);
  const client = useMemo(() => (session ? createApolloClient(session) : null), [session]);
  const path = usePath();
  if (!session || !client) return <SignIn onSignedIn={(s) => { setSession(s); navigate(isPartner(s) ? '/partner' : '/'); }} />;
  const partner = isPartner(session);
  return (
    <ApolloProvider client={client}>
      <a className="skip" href="#main">Skip to content</a>
      <header className="top">
        <span className="brand">Care Team Hub</span>
        <nav aria-label="Screens">
          {partner ? <Link to="/partner">Referrals</Link> : (
            <>
              <Link to="/">Population worklist</Link>
              <Link to="/my-work">My work</Link>
              <Link to="/outcomes">Outcomes</Link>
            </>
          )}
        </nav>
        <span className="who">{session.user.name} <span className="muted">({session.user.roles.join(', ')})</span></span>
        <button type="button" onClick={() => { signOut(); client.stop(); setSession(null); navigate('/'); }}>Sign out</button>
      </header>
      <main id="main" tabIndex={-1}>{route(path, session)}</main>
    </ApolloProvider>
  );
}

function route(path: string, session: Session) {
  if (isPartner(session)) return <PartnerPortal />;
  let m: RegExpMatchArray | null;
  if ((m = path.match(/^\/patients\/([^/]+)$/))) return <PatientChart patientId={decodeURIComponent(m[1])} session={session} />;
  if ((m = path.match(/^\/care-plans\/([^/]+)$/))) return <CarePlanScreen carePlanId={decodeURIComponent(m[1])} />;
  if (path === '/my-work') return <MyWork />;
  if (path === '/outcomes') return <Outcomes />;
  return <Worklist session={session} />;
}
