/**
 * Sign-in. Production: OpenID Connect with PKCE against the provider in /config.json
 * (oidc.ts). Development: pick a demo user (the gateway's POST /dev/sign-in, present
 * only with the development secret, never in production).
 */
import { useEffect, useState } from 'react';
import { beginSignIn, CALLBACK_PATH, completeSignIn, oidcSettings, type OidcSettings } from '../oidc';
import { demoUsers, signInAsDemoUser, type Session, type SessionUser } from '../session';

export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [users, setUsers] = useState<SessionUser[] | null | undefined>(undefined);
  const [oidc, setOidc] = useState<OidcSettings | null | undefined>(undefined);
  const [sub, setSub] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (location.pathname === CALLBACK_PATH) {
      void completeSignIn().then(onSignedIn, (e) => setError((e as Error).message));
      return;
    }
    void demoUsers().then(setUsers, () => setUsers(null));
    void oidcSettings().then(setOidc, () => setOidc(null));
  }, []);
  return (
    <main id="main" className="sign-in">
      <h1>Care Team Hub</h1>
      {error ? <p role="alert" className="problems">{error}</p> : null}
      {oidc ? (
        <section aria-labelledby="oidc-title">
          <h2 id="oidc-title">Sign in</h2>
          <button type="button" onClick={() => void beginSignIn(oidc).catch((e) => setError((e as Error).message))}>Sign in with your organization</button>
        </section>
      ) : null}
      {users === undefined || oidc === undefined ? <p>Loading…</p> : users === null ? (
        oidc ? null : <p role="alert">This hub has no development sign-in, and no identity provider is configured (/config.json).</p>
      ) : (
        <form onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try { onSignedIn(await signInAsDemoUser(sub)); } catch (err) { setError((err as Error).message); }
        }}>
          <h2>Development sign-in</h2>
          <label htmlFor="demo-user">Demo user</label>
          <select id="demo-user" value={sub} onChange={(e) => setSub(e.target.value)} required>
            <option value="">Choose a demo user…</option>
            {users.map((u) => <option key={u.sub} value={u.sub}>{u.name} — {u.title}</option>)}
          </select>
          <button type="submit" disabled={!sub}>Sign in</button>
        </form>
      )}
    </main>
  );
}
