/**
 * Identity: who is asking. Users' bearer JWTs are verified here, with `jose`, at the
 * gateway only — HS256 with a shared secret for development, or a JWKS URL of a real
 * identity provider in production. Subgraphs never see a user's token: the gateway
 * forwards the verified caller as an internal token only it can sign
 * (shared/internal-token.ts). One rule for every token (docs/access.md): `exp`
 * required, a maximum lifetime, no `iat`/`nbf` in the future beyond a small skew,
 * and partner staff never mixed with another role.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SignJWT, createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWTVerifyGetKey } from 'jose';
import { config } from './config';
import { forbidden, unauthenticated } from './errors';

export enum Role {
  CARE_COORDINATOR = 'care_coordinator',
  NURSE = 'nurse',
  PHYSICIAN = 'physician',
  SOCIAL_WORKER = 'social_worker',
  PHARMACIST = 'pharmacist',
  DIETITIAN = 'dietitian',
  COMMUNITY_HEALTH_WORKER = 'community_health_worker',
  PARTNER_STAFF = 'partner_staff',
  ANALYST = 'analyst',
  ADMIN = 'admin',
  /** A service account of an interface engine (ADT feed, EHR): registration, encounters, conditions. */
  INTEGRATION = 'integration',
  /** Reads the audit trail and the accounting of disclosures (HIPAA §164.308(a)(2), §164.528). */
  PRIVACY_OFFICER = 'privacy_officer',
}
export const ALL_ROLES = Object.values(Role);

/** Members of care teams: the roles that may read a patient's clinical record. */
export const CLINICAL_ROLES: readonly Role[] = [
  Role.CARE_COORDINATOR, Role.NURSE, Role.PHYSICIAN, Role.SOCIAL_WORKER,
  Role.PHARMACIST, Role.DIETITIAN, Role.COMMUNITY_HEALTH_WORKER,
];

export interface Principal {
  sub: string;
  roles: Role[];
  /** The community partner organization id, for partner staff. */
  org?: string;
  name?: string;
  expiresAt?: Date;
}

export const hasRole = (p: Principal, ...roles: Role[]) => p.roles.some((r) => roles.includes(r));
export const isAdmin = (p: Principal) => hasRole(p, Role.ADMIN);
export const isClinician = (p: Principal) => hasRole(p, ...CLINICAL_ROLES);

export function requireRole(p: Principal, roles: readonly Role[], action = 'do this'): void {
  if (!hasRole(p, ...roles)) throw forbidden(`Your role may not ${action}`);
}

/** The HS256 development secret: JWT_SECRET, or one generated once into `.data/` for `npm start`. */
export function developmentSecret(): string {
  if (config.jwtSecret) return config.jwtSecret;
  const file = path.join(config.dataDir, 'dev-jwt-secret');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.writeFileSync(file, crypto.randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
  }
  return fs.readFileSync(file, 'utf8').trim();
}

export type TokenVerifier = (token: string) => Promise<Principal>;

/** Verified tokens, kept until they expire: the gateway sees the same token on every request of a session. */
const VERIFIED_CACHE_LIMIT = 10_000;

export function createTokenVerifier(): TokenVerifier {
  const verified = new Map<string, Principal>();
  const verifyOnce = createUncachedTokenVerifier();
  return async (token) => {
    const hit = verified.get(token);
    if (hit && hit.expiresAt && hit.expiresAt.getTime() > Date.now()) return hit;
    if (hit) verified.delete(token);
    const principal = await verifyOnce(token);
    if (verified.size >= VERIFIED_CACHE_LIMIT) verified.delete(verified.keys().next().value as string);
    verified.set(token, principal);
    return principal;
  };
}

function createUncachedTokenVerifier(): TokenVerifier {
  const key: Uint8Array | JWTVerifyGetKey = config.jwksUrl
    ? createRemoteJWKSet(new URL(config.jwksUrl))
    : new TextEncoder().encode(developmentSecret());
  const options = {
    algorithms: config.jwksUrl ? undefined : ['HS256'],
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    requiredClaims: ['exp', 'sub'],
    clockTolerance: config.jwtClockSkewSeconds,
  };
  return async (token) => {
    try {
      const { payload } = typeof key === 'function'
        ? await jwtVerify(token, key, options)
        : await jwtVerify(token, key, options);
      checkLifetime(payload);
      return principalFromClaims(payload);
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw unauthenticated('The token has expired');
      if (e instanceof joseErrors.JWTClaimValidationFailed) throw unauthenticated(`The token is not valid: ${e.claim === 'exp' || e.claim === 'sub' ? `${e.claim} is required` : `${e.claim} is wrong`}`);
      if (e instanceof joseErrors.JOSEError) throw unauthenticated('The token is not valid');
      throw e;
    }
  };
}

/**
 * `exp` is required (jose checks it is in the future); the token may live at most
 * JWT_MAX_LIFETIME_HOURS from when it was issued (or from now, without `iat`), and
 * `iat` / `nbf` may not lie in the future beyond the clock skew.
 */
function checkLifetime(claims: { exp?: number; iat?: number; nbf?: number }): void {
  const now = Date.now() / 1000;
  const skew = config.jwtClockSkewSeconds;
  if (typeof claims.iat === 'number' && claims.iat > now + skew) throw unauthenticated('The token is issued in the future (iat)');
  if (typeof claims.nbf === 'number' && claims.nbf > now + skew) throw unauthenticated('The token is not valid yet (nbf)');
  const from = typeof claims.iat === 'number' ? claims.iat : now;
  if ((claims.exp as number) - from > config.jwtMaxLifetimeHours * 3600 + skew) {
    throw unauthenticated(`The token lives longer than the ${config.jwtMaxLifetimeHours} h allowed (exp - iat)`);
  }
}

/** The claims a token may carry that mean something here (docs/access.md): sub, roles (or role), org, name, exp, iat, nbf, iss, aud. */
export function principalFromClaims(claims: Record<string, unknown>): Principal {
  const sub = claims.sub;
  if (typeof sub !== 'string' || !sub) throw unauthenticated('The token has no subject');
  const raw = Array.isArray(claims.roles) ? claims.roles : typeof claims.role === 'string' ? [claims.role] : [];
  const roles = raw.filter((r): r is Role => ALL_ROLES.includes(r as Role));
  if (roles.length === 0) throw unauthenticated('The token carries no known role');
  const org = typeof claims.org === 'string' ? claims.org : undefined;
  if (roles.includes(Role.PARTNER_STAFF) && !org) throw unauthenticated('A partner token must name its organization (org)');
  // Mixing sides would blur who acts: a partner's staff member acts for the organization, never as a clinician.
  if (roles.includes(Role.PARTNER_STAFF) && roles.length > 1) throw unauthenticated('A partner token may carry no other role than partner_staff');
  if (org && !roles.includes(Role.PARTNER_STAFF)) throw unauthenticated('Only partner tokens name an organization (org)');
  return {
    sub,
    roles,
    org,
    name: typeof claims.name === 'string' ? claims.name : undefined,
    expiresAt: typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : undefined,
  };
}

/** Reads `Authorization: Bearer <jwt>`; anything else is UNAUTHENTICATED. */
export function bearerToken(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value?.match(/^Bearer\s+(\S+)$/i);
  if (!match) throw unauthenticated('A bearer token is required (Authorization: Bearer <token>)');
  return match[1];
}

export interface DevTokenClaims {
  sub: string;
  roles: Role[];
  org?: string;
  name?: string;
  /** Lifetime, e.g. "8h" or seconds. */
  expiresIn?: string | number;
}

/** Mints an HS256 token with the development secret (scripts, tests, the demo banner). */
export async function mintDevToken(claims: DevTokenClaims, secret = developmentSecret()): Promise<string> {
  const jwt = new SignJWT({ roles: claims.roles, ...(claims.org ? { org: claims.org } : {}), ...(claims.name ? { name: claims.name } : {}) })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '8h');
  if (config.jwtIssuer) jwt.setIssuer(config.jwtIssuer);
  if (config.jwtAudience) jwt.setAudience(config.jwtAudience);
  return jwt.sign(new TextEncoder().encode(secret));
}
