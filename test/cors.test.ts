/**
 * The gateway for browser apps (issue 15): CORS preflights on /graphql and
 * /partner/graphql answered for an origin in CORS_ORIGINS and refused for any other;
 * live connections (WebSocket upgrades) checked against the same list by Origin;
 * the development sign-in minting a token the gateway accepts, and absent from a
 * gateway started under NODE_ENV=production; the console's routes never hiding the
 * API's JSON answers.
 */
import WebSocket from 'ws';
import { composeSupergraph, subgraphSdls } from '../gateway/compose';
import { startGateway, type RunningGateway } from '../gateway/server';
import { SUBGRAPHS } from '../subgraphs';
import { startHub, type TestHub } from './support/hub';

const ALLOWED = 'https://console.example.org';
const OTHER = 'https://evil.example.net';

let hub: TestHub;
/** A response body as the tests read it. */
const json = async (res: Response): Promise<any> => res.json();
const base = () => hub.gatewayUrl.replace(/\/graphql$/, '');

const preflight = (path: string, origin: string) =>
  fetch(`${base()}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
  });

beforeAll(async () => {
  process.env.CORS_ORIGINS = `${ALLOWED}, http://localhost:5173`;
  hub = await startHub();
});
afterAll(async () => {
  delete process.env.CORS_ORIGINS;
  await hub?.stop();
});

describe('CORS_ORIGINS', () => {
  it.each(['/graphql', '/partner/graphql'])('answers the preflight from an allowed origin on %s with the allow headers', async (path) => {
    const res = await preflight(path, ALLOWED);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toEqual(expect.stringContaining('authorization'));
    expect(res.headers.get('vary')).toEqual(expect.stringMatching(/origin/i));
  });

  it.each(['/graphql', '/partner/graphql'])('refuses the preflight from another origin on %s: 403, no allow-origin', async (path) => {
    const res = await preflight(path, OTHER);
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect((await json(res)).errors[0].extensions).toEqual({ code: 'FORBIDDEN', reason: 'CORS_ORIGIN_NOT_ALLOWED' });
  });

  it('marks the actual request from an allowed origin, and not one from another origin', async () => {
    const token = await hub.token({ roles: ['admin' as never] });
    const ask = (origin: string) => fetch(hub.gatewayUrl, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ kpiTargets { key } }' }),
    });
    const allowed = await ask(ALLOWED);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(allowed.headers.get('access-control-expose-headers')).toContain('x-request-id');
    const other = await ask(OTHER);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('live connections (WebSocket) by Origin, the same allowlist', () => {
  /** The upgrade's answer: 101 (open) or the refusal's status and body. */
  const upgrade = (path: string, origin?: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
    const ws = new WebSocket(`${base().replace(/^http/, 'ws')}${path}`, 'graphql-transport-ws', origin ? { origin } : {});
    ws.once('open', () => {
      ws.close();
      resolve({ status: 101, body: '' });
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', (err) => (err.message.includes('Unexpected server response') ? undefined : reject(err)));
  });

  it.each(['/graphql', '/partner/graphql'])('opens for an allowed origin, the gateway\'s own, and a client without Origin on %s', async (path) => {
    expect((await upgrade(path, ALLOWED)).status).toBe(101);
    expect((await upgrade(path, base())).status).toBe(101);
    expect((await upgrade(path)).status).toBe(101);
  });

  it.each(['/graphql', '/partner/graphql'])('refuses another site\'s page before the handshake on %s: 403 FORBIDDEN', async (path) => {
    const refused = await upgrade(path, OTHER);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).errors[0].extensions).toEqual({ code: 'FORBIDDEN', reason: 'CORS_ORIGIN_NOT_ALLOWED' });
  });
});

describe('development sign-in', () => {
  it('lists the demo users and mints a short-lived token the gateway accepts', async () => {
    const users = await json(await fetch(`${base()}/dev/users`));
    expect(users.users.map((u: { sub: string }) => u.sub)).toEqual(expect.arrayContaining(['demo-coordinator', 'demo-nurse', 'demo-partner-user']));
    const res = await fetch(`${base()}/dev/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub: 'demo-coordinator' }) });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.user).toMatchObject({ sub: 'demo-coordinator', roles: ['care_coordinator'] });
    expect(Date.parse(body.expiresAt) - Date.now()).toBeLessThanOrEqual(3600_000);
    const answer = await hub.query('{ patients(first: 1) { totalCount } }', {}, body.token);
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.patients.totalCount).toBe(0);
  });

  it('refuses a subject that is not a demo user', async () => {
    const res = await fetch(`${base()}/dev/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub: 'someone-else' }) });
    expect(res.status).toBe(400);
    expect((await json(res)).errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'sub' });
  });

  it('does not exist on a gateway started with NODE_ENV=production, where no origin is allowed by default', async () => {
    const previous = { env: process.env.NODE_ENV, cors: process.env.CORS_ORIGINS };
    let production: RunningGateway | undefined;
    try {
      process.env.NODE_ENV = 'production';
      delete process.env.CORS_ORIGINS;
      production = await startGateway({ ...(await supergraphOf(hub)), port: 0, databaseUrl: hub.databaseUrl, redisUrl: null });
    } finally {
      process.env.NODE_ENV = previous.env;
      process.env.CORS_ORIGINS = previous.cors;
    }
    try {
      const prodBase = production.url.replace(/\/graphql$/, '');
      const signIn = await fetch(`${prodBase}/dev/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub: 'demo-coordinator' }) });
      expect(signIn.status).toBe(404);
      expect((await json(signIn)).errors[0].extensions.code).toBe('NOT_FOUND');
      expect((await fetch(`${prodBase}/dev/users`)).status).toBe(404);
      const cors = await fetch(`${prodBase}/graphql`, { method: 'OPTIONS', headers: { origin: ALLOWED, 'access-control-request-method': 'POST' } });
      expect(cors.status).toBe(403);
      expect(cors.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await production.stop();
    }
  });
});

describe('the console routes', () => {
  it('keep the API answers: JSON 404 for an unknown API path, /health and /ready as before', async () => {
    const unknown = await fetch(`${base()}/graphql-nothing`, { headers: { accept: '*/*' } });
    expect(unknown.status).toBe(404);
    expect((await json(unknown)).errors[0].extensions.code).toBe('NOT_FOUND');
    expect((await fetch(`${base()}/health`)).status).toBe(200);
    const getGraphql = await fetch(`${base()}/graphql?query=%7B__typename%7D`, { headers: { accept: 'application/json', 'apollo-require-preflight': '1', authorization: `Bearer ${await hub.token({ roles: ['admin' as never] })}` } });
    expect(getGraphql.status).toBe(200);
  });
});

/** The supergraph the test hub's gateway serves (composed from its subgraphs). */
async function supergraphOf(h: TestHub): Promise<{ supergraphSdl: string }> {
  const urls = Object.fromEntries(Object.entries(h.subgraphs).map(([n, s]) => [n, s.url]));
  return { supergraphSdl: composeSupergraph(await subgraphSdls(SUBGRAPHS, urls)) };
}
