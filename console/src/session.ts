/**
 * Who is signed in: the bearer token and the user it names, kept in sessionStorage
 * (gone with the tab). Development signs in as a demo user through the gateway's
 * `POST /dev/sign-in` (only there with the development secret, never in production).
 */
export interface SessionUser { sub: string; name: string; roles: string[]; org?: string; title?: string }
export interface Session { token: string; expiresAt: string; user: SessionUser }

const KEY = 'care-team-hub.session';

export function currentSession(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  const s = JSON.parse(raw) as Session;
  // An expired token would only earn UNAUTHENTICATED on every request: sign in again instead.
  if (Date.parse(s.expiresAt) <= Date.now()) {
    sessionStorage.removeItem(KEY);
    return null;
  }
  return s;
}

export const isPartner = (s: Session) => s.user.roles.includes('partner_staff');

export async function demoUsers(): Promise<SessionUser[] | null> {
  const res = await fetch('/dev/users');
  if (!res.ok) return null; // no development sign-in on this gateway
  return ((await res.json()) as { users: SessionUser[] }).users;
}

export async function signInAsDemoUser(sub: string): Promise<Session> {
  const res = await fetch('/dev/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub }) });
  const body = await res.json();
  if (!res.ok) throw new Error(body.errors?.[0]?.message ?? `Sign-in failed (${res.status})`);
  return storeSession(body as Session);
}

export function storeSession(s: Session): Session {
  sessionStorage.setItem(KEY, JSON.stringify(s));
  return s;
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}
