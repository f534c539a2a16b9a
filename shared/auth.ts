/**
 * Identity: who is asking. Bearer JWTs are verified with `jose` at the gateway and
 * again at every subgraph — HS256 with a shared secret for development, or a JWKS
 * URL of a real identity provider in production.
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

export function createTokenVerifier(): TokenVerifier {
  const key: Uint8Array | JWTVerifyGetKey = config.jwksUrl
    ? createRemoteJWKSet(new URL(config.jwksUrl))
    : new TextEncoder().encode(developmentSecret());
  const options = {
    algorithms: config.jwksUrl ? undefined : ['HS256'],
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
  };
  return async (token) => {
    try {
      const { payload } = typeof key === 'function'
        ? await jwtVerify(token, key, options)
        : await jwtVerify(token, key, options);
      return principalFromClaims(payload);
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw unauthenticated('The token has expired');
      if (e instanceof joseErrors.JOSEError) throw unauthenticated('The token is not valid');
      throw e;
    }
  };
}

function principalFromClaims(claims: Record<string, unknown>): Principal {
  const sub = claims.sub;
  if (typeof sub !== 'string' || !sub) throw unauthenticated('The token has no subject');
  const raw = Array.isArray(claims.roles) ? claims.roles : typeof claims.role === 'string' ? [claims.role] : [];
  const roles = raw.filter((r): r is Role => ALL_ROLES.includes(r as Role));
  if (roles.length === 0) throw unauthenticated('The token carries no known role');
  const org = typeof claims.org === 'string' ? claims.org : undefined;
  if (roles.includes(Role.PARTNER_STAFF) && !org) throw unauthenticated('A partner token must name its organization (org)');
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
