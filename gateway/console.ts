/**
 * What the gateway adds for browser apps (issue 15): the CORS allowlist for apps served
 * from other origins (`CORS_ORIGINS`, nothing allowed when unset), the care team console
 * built into `dist/console/` served at `/` (with index.html for its client routes), and
 * the development sign-in (`GET /dev/users`, `POST /dev/sign-in {sub}`) that mints a
 * short-lived token for one of the demo users. The sign-in exists only while the gateway
 * verifies tokens with the HS256 development secret (no `JWT_JWKS_URL`) and never under
 * `NODE_ENV=production`: there the console signs in with the identity provider.
 */
import fs from 'node:fs';
import path from 'node:path';
import cors from 'cors';
import express from 'express';
import { mintDevToken, Role } from '../shared/auth';
import { config, isProduction, PROJECT_ROOT } from '../shared/config';
import type { Logger } from '../shared/logger';
import { DEMO_PARTNERS, DEMO_PRACTITIONERS } from '../scripts/seed/population';

/** Where `npm run build` writes the console bundle (scripts/build-console.ts). */
export const CONSOLE_DIR = path.join(PROJECT_ROOT, 'dist', 'console');

/** Paths the console's index.html fallback never answers: the API and the probes keep their own answers (JSON 404 included). */
const NOT_CONSOLE = /^\/(graphql|partner|health|ready|metrics|dev)(\/|$)/;

/** A browser navigating (Accept names text/html), not an API client's any-type Accept: those keep the JSON 404. */
const wantsPage = (req: express.Request) => (req.headers.accept ?? '').includes('text/html');

const jsonError = (res: express.Response, status: number, message: string, extensions: Record<string, unknown>) =>
  void res.status(status).json({ errors: [{ message, extensions }] });

/**
 * CORS for one GraphQL endpoint: an allowed origin's preflight is answered with the
 * allow headers; another origin's preflight is refused (403, no allow-origin), so the
 * browser never sends the request. Same-origin calls (no Origin header) are untouched.
 */
export function corsAllowlist(origins: readonly string[] = config.corsOrigins): express.RequestHandler {
  const allowed = new Set(origins);
  const answer = cors({
    origin: (origin, done) => done(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['authorization', 'content-type', 'x-request-id', 'traceparent', 'apollo-require-preflight'],
    exposedHeaders: ['x-request-id'],
    maxAge: 600,
  });
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (req.method === 'OPTIONS' && origin && req.headers['access-control-request-method'] && !allowed.has(origin)) {
      return jsonError(res, 403, `Origin ${origin} may not call this endpoint (CORS_ORIGINS)`, { code: 'FORBIDDEN', reason: 'CORS_ORIGIN_NOT_ALLOWED' });
    }
    answer(req, res, next);
  };
}

/**
 * Whether a WebSocket upgrade may proceed, by its Origin: browsers send one and do not
 * apply CORS to WebSockets, so the same allowlist is checked here — the gateway's own
 * origin (the console at `/`) and CORS_ORIGINS pass, any other site's page is refused
 * (cross-site WebSocket hijacking); clients outside a browser send no Origin and pass.
 */
export function webSocketOriginAllowed(origin: string | undefined, host: string | undefined, origins: readonly string[] = config.corsOrigins): boolean {
  if (origin === undefined) return true;
  const normalized = origin.replace(/\/+$/, '');
  if (origins.includes(normalized)) return true;
  try {
    return host !== undefined && new URL(normalized).host === host;
  } catch {
    return false;
  }
}

export interface DemoUser { sub: string; name: string; roles: Role[]; org?: string; title: string }

/** The demo population's users (scripts/seed/population.ts), as the sign-in screen lists them. */
export function demoUsers(): DemoUser[] {
  return [
    ...DEMO_PRACTITIONERS.map((p) => ({ sub: p.id, name: p.name, roles: [p.tokenRole as Role], title: p.discipline })),
    { sub: 'demo-partner-user', name: 'Dana Whitfield', roles: [Role.PARTNER_STAFF], org: DEMO_PARTNERS[0].id, title: `Partner staff, ${DEMO_PARTNERS[0].name}` },
    { sub: 'demo-analyst', name: 'Ava Lindqvist', roles: [Role.ANALYST], title: 'Program analyst' },
    { sub: 'demo-admin', name: 'Hub Admin', roles: [Role.ADMIN], title: 'Administrator' },
  ];
}

/** Whether this gateway may mint sign-in tokens itself: development secret, never production. */
export const devSignInEnabled = () => !config.jwksUrl && !isProduction();

/** Lifetime of a development sign-in token: short, the console signs in again. */
const DEV_TOKEN_LIFETIME_SECONDS = 3600;

export function mountDevSignIn(app: express.Express, log: Logger): void {
  if (!devSignInEnabled()) return;
  app.get('/dev/users', (_req, res) => void res.json({ users: demoUsers() }));
  app.post('/dev/sign-in', express.json({ limit: '4kb' }), async (req, res) => {
    const sub = (req.body as { sub?: unknown } | undefined)?.sub;
    const user = demoUsers().find((u) => u.sub === sub);
    if (!user) return jsonError(res, 400, 'sub must name one of the demo users (GET /dev/users)', { code: 'BAD_USER_INPUT', field: 'sub' });
    const token = await mintDevToken({ sub: user.sub, name: user.name, roles: user.roles, org: user.org, expiresIn: `${DEV_TOKEN_LIFETIME_SECONDS}s` });
    res.json({ token, expiresAt: new Date(Date.now() + DEV_TOKEN_LIFETIME_SECONDS * 1000).toISOString(), user });
  });
  log.info('development sign-in at POST /dev/sign-in (HS256 development secret; never in production)');
}

/** Serves the built console at `/`; client routes (/patients/…) get index.html. Nothing when it has not been built. */
export function serveConsole(app: express.Express, log: Logger, dir = CONSOLE_DIR): void {
  const index = path.join(dir, 'index.html');
  if (!fs.existsSync(index)) {
    log.info({ dir }, 'no console bundle (npm run build makes it): / is not served');
    return;
  }
  // The identity provider from the environment (CONSOLE_OIDC_*), so a deployment configures it like everything else;
  // without it a config.json written beside the bundle is served as before.
  app.get('/config.json', (_req, res, next) => {
    const oidc = config.consoleOidc;
    if (!oidc) return next();
    res.set('cache-control', 'no-store').json({ oidc });
  });
  app.use(express.static(dir, { index: 'index.html', fallthrough: true }));
  app.use((req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || NOT_CONSOLE.test(req.path) || !wantsPage(req)) return next();
    res.sendFile(index);
  });
}
