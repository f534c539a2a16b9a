/**
 * The internal caller token: how a subgraph learns who is asking, and that the
 * gateway asked. The gateway verifies the user's own token (shared/auth.ts), then
 * signs a short-lived HS256 token with a key users never hold (HUB_INTERNAL_KEY, or
 * one generated once into `.data/internal-key`), naming the caller, the endpoint the
 * request came through (clinical `/graphql` or the partner contract) and the channel
 * (an HTTP request or a subscription delivery). Subgraphs accept nothing else, so a
 * user's token sent straight to a subgraph — `_entities` and `_service` included —
 * is UNAUTHENTICATED, and a partner-marked request is held to the partner contract
 * at the subgraph too (shared/partner-fields.ts).
 *
 * Both sides cache: the gateway re-signs a caller's token only when it nears expiry,
 * and a subgraph verifies each distinct token once (an HMAC), not once per fetch.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { ALL_ROLES, type Principal, type Role } from './auth';
import { config } from './config';
import { unauthenticated } from './errors';

/** Which door the request came through: what the subgraph holds it to. */
export type Endpoint = 'clinical' | 'partner';
/** An HTTP request, or the gateway resolving a subscription event for a subscriber. */
export type Channel = 'http' | 'subscription';

export interface Caller {
  principal: Principal;
  endpoint: Endpoint;
  channel: Channel;
}

const ISSUER = 'care-team-hub:gateway';
const AUDIENCE = 'care-team-hub:subgraphs';
const LIFETIME_S = 300;
/** Re-sign when less than this is left, so a token never expires in flight. */
const RENEW_BEFORE_S = 60;
const CACHE_LIMIT = 10_000;

let cachedKey: Uint8Array | undefined;

/** HUB_INTERNAL_KEY, or a key generated once into `.data/internal-key` (shared by every process of one checkout). */
export function internalKey(): Uint8Array {
  if (cachedKey) return cachedKey;
  let secret = config.internalKey;
  if (!secret) {
    const file = path.join(config.dataDir, 'internal-key');
    if (!fs.existsSync(file)) {
      fs.mkdirSync(config.dataDir, { recursive: true });
      try {
        fs.writeFileSync(file, crypto.randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // another process wrote it first
      }
    }
    secret = fs.readFileSync(file, 'utf8').trim();
  }
  cachedKey = new TextEncoder().encode(secret);
  return cachedKey;
}

/** Drops a bounded map's oldest entry (Maps iterate in insertion order). */
function bound<K, V>(map: Map<K, V>): void {
  if (map.size >= CACHE_LIMIT) map.delete(map.keys().next().value as K);
}

const callerKey = (c: Caller) =>
  [c.principal.sub, c.principal.roles.join(','), c.principal.org ?? '', c.principal.name ?? '', c.endpoint, c.channel].join('|');

/** Gateway side: signs (or reuses) the caller's internal token. */
export function createInternalTokenSigner(): (caller: Caller) => Promise<string> {
  const signed = new Map<string, { token: string; renewAt: number }>();
  return async (caller) => {
    const k = callerKey(caller);
    const hit = signed.get(k);
    if (hit && hit.renewAt > Date.now()) return hit.token;
    const userExpiry = caller.principal.expiresAt ? Math.floor(caller.principal.expiresAt.getTime() / 1000) : Infinity;
    const exp = Math.min(Math.floor(Date.now() / 1000) + LIFETIME_S, userExpiry);
    const token = await new SignJWT({
      roles: caller.principal.roles,
      ...(caller.principal.org ? { org: caller.principal.org } : {}),
      ...(caller.principal.name ? { name: caller.principal.name } : {}),
      endpoint: caller.endpoint,
      channel: caller.channel,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'hub-caller+jwt' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(caller.principal.sub)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(internalKey());
    signed.delete(k);
    bound(signed);
    signed.set(k, { token, renewAt: (exp - RENEW_BEFORE_S) * 1000 });
    return token;
  };
}

/** Subgraph side: the caller named by a gateway-signed token; anything else is UNAUTHENTICATED. */
export function createCallerVerifier(): (token: string) => Promise<Caller> {
  const verified = new Map<string, { caller: Caller; exp: number }>();
  return async (token) => {
    const hit = verified.get(token);
    if (hit && hit.exp > Date.now()) return hit.caller;
    try {
      const { payload } = await jwtVerify(token, internalKey(), { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, requiredClaims: ['exp', 'sub'] });
      const roles = (Array.isArray(payload.roles) ? payload.roles : []).filter((r): r is Role => ALL_ROLES.includes(r as Role));
      const endpoint = payload.endpoint === 'partner' ? 'partner' : payload.endpoint === 'clinical' ? 'clinical' : null;
      const channel = payload.channel === 'subscription' ? 'subscription' : 'http';
      if (!endpoint || roles.length === 0) throw unauthenticated('The internal token names no endpoint or role');
      const caller: Caller = {
        principal: {
          sub: payload.sub!,
          roles,
          org: typeof payload.org === 'string' ? payload.org : undefined,
          name: typeof payload.name === 'string' ? payload.name : undefined,
          expiresAt: new Date(payload.exp! * 1000),
        },
        endpoint,
        channel,
      };
      bound(verified);
      verified.set(token, { caller, exp: payload.exp! * 1000 });
      return caller;
    } catch (e) {
      if (e instanceof joseErrors.JOSEError) {
        throw unauthenticated('Subgraphs answer only the gateway: send requests to the gateway (/graphql or /partner/graphql)');
      }
      throw e;
    }
  };
}
