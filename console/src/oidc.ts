/**
 * Production sign-in: OpenID Connect authorization code with PKCE (RFC 7636, S256)
 * against the identity provider named in `/config.json` (written beside the bundle at
 * deployment: `{ "oidc": { "issuer", "clientId", "resource"?, "scope"? } }`). The
 * console is a public client: no secret, the verifier proves the code is its own. The
 * access token is what the gateway verifies by JWKS (JWT_JWKS_URL, JWT_ISSUER, JWT_AUDIENCE).
 */
import { storeSession, type Session } from './session';

export interface OidcSettings { issuer: string; clientId: string; resource?: string; scope?: string }

const PENDING = 'care-team-hub.oidc-pending';
export const CALLBACK_PATH = '/oidc/callback';

export async function oidcSettings(): Promise<OidcSettings | null> {
  const res = await fetch('/config.json').catch(() => null);
  if (!res || !res.ok) return null;
  const body = (await res.json().catch(() => null)) as { oidc?: OidcSettings } | null;
  return body?.oidc?.issuer && body.oidc.clientId ? body.oidc : null;
}

const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const random = (n: number) => base64url(crypto.getRandomValues(new Uint8Array(n)));

async function discovery(issuer: string): Promise<{ authorization_endpoint: string; token_endpoint: string }> {
  const res = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`The identity provider did not answer its discovery document (${res.status})`);
  return res.json();
}

/** Sends the browser to the provider with a fresh state and S256 code challenge. */
export async function beginSignIn(s: OidcSettings): Promise<void> {
  const { authorization_endpoint } = await discovery(s.issuer);
  const verifier = random(32);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  const state = random(16);
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, settings: s }));
  const url = new URL(authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: s.clientId, redirect_uri: `${location.origin}${CALLBACK_PATH}`, response_type: 'code', scope: s.scope ?? 'openid',
    state, code_challenge: challenge, code_challenge_method: 'S256', ...(s.resource ? { resource: s.resource } : {}),
  }).toString();
  location.assign(url.toString());
}

/** On the callback: checks the state, exchanges the code with the verifier, keeps the access token as the session. */
export async function completeSignIn(): Promise<Session> {
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null') as { verifier: string; state: string; settings: OidcSettings } | null;
  sessionStorage.removeItem(PENDING);
  const params = new URLSearchParams(location.search);
  if (params.get('error')) throw new Error(`The identity provider refused: ${params.get('error_description') ?? params.get('error')}`);
  if (!pending || params.get('state') !== pending.state) throw new Error('This sign-in was not started here (state mismatch): sign in again');
  const { token_endpoint } = await discovery(pending.settings.issuer);
  const res = await fetch(token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', code: params.get('code') ?? '', redirect_uri: `${location.origin}${CALLBACK_PATH}`,
      client_id: pending.settings.clientId, code_verifier: pending.verifier, ...(pending.settings.resource ? { resource: pending.settings.resource } : {}),
    }).toString(),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`The identity provider did not issue a token: ${body.error_description ?? body.error ?? res.status}`);
  // Who it names, for the header only: the gateway verifies the token itself.
  const claims = JSON.parse(atob(String(body.access_token).split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
  const roles = Array.isArray(claims.roles) ? (claims.roles as string[]) : typeof claims.role === 'string' ? [claims.role] : [];
  return storeSession({
    token: body.access_token,
    expiresAt: new Date(typeof claims.exp === 'number' ? claims.exp * 1000 : Date.now() + Number(body.expires_in ?? 300) * 1000).toISOString(),
    user: { sub: String(claims.sub), name: typeof claims.name === 'string' ? claims.name : String(claims.sub), roles, ...(typeof claims.org === 'string' ? { org: claims.org } : {}) },
  });
}
