/**
 * The HTTP shell's answers when a request goes wrong (shared/http.ts), in production
 * and development mode alike: a malformed or oversized body, an unknown route and a
 * subscription sent over HTTP answer a JSON GraphQL error with a code (never
 * express's HTML page with a stack trace); a lost database session or a statement
 * timeout answer a retryable SERVICE_UNAVAILABLE, the timed-out statement is really
 * cancelled; anything else is INTERNAL_SERVER_ERROR without internals; /ready reports
 * its checks. Then the same through the real gateway, partner endpoint included.
 */
import type { DataSource } from 'typeorm';
import { mintDevToken, Role } from '../shared/auth';
import { createServiceDataSource } from '../shared/database';
import { startHttpService, type Readiness, type RunningHttpService } from '../shared/http';
import { logger } from '../shared/logger';
import { PARTNER_PATH } from '../gateway/partner-contract';
import { createTestDatabase, startHub, type TestHub } from './support/hub';

const typeDefs = `
  type Query { hello: String, lost: String, slow: String, boom: String }
  type Subscription { ticks: Int }
`;

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

/** The answer must be JSON, one error with a code, and nothing that looks like internals. */
async function jsonError(res: Response): Promise<{ message: string; extensions: Record<string, unknown> }> {
  expect(res.headers.get('content-type')).toMatch(/json/);
  const text = await res.text();
  expect(text).not.toMatch(/<html|<pre|<!DOCTYPE|node_modules|\/work\/|at [\w.]+ \(|stacktrace/i);
  const body = JSON.parse(text) as { errors: { message: string; extensions: Record<string, unknown> }[] };
  expect(body.errors).toHaveLength(1);
  expect(typeof body.errors[0].extensions.code).toBe('string');
  return body.errors[0];
}

describe.each(['production', 'development'])('the shell with NODE_ENV=%s', (mode) => {
  let db: { url: string; drop(): Promise<void> };
  let ds: DataSource;
  let service: RunningHttpService;
  let readiness: () => Promise<Readiness>;
  const savedEnv = { NODE_ENV: process.env.NODE_ENV, DB_STATEMENT_TIMEOUT_MS: process.env.DB_STATEMENT_TIMEOUT_MS };

  beforeAll(async () => {
    db = await createTestDatabase();
    // express and Apollo Server read the mode when they are created; the pool its statement timeout when it connects.
    process.env.NODE_ENV = mode;
    process.env.DB_STATEMENT_TIMEOUT_MS = '300';
    ds = createServiceDataSource({ url: db.url, schema: 'public', entities: [], migrations: [], poolSize: 2 });
    await ds.initialize();
    service = await startHttpService({
      name: 'shell-test',
      log: logger('shell-test'),
      apollo: {
        typeDefs,
        resolvers: {
          Query: {
            hello: () => 'world',
            // What pg raises when the server terminates the session under a query.
            lost: () => { throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01', severity: 'FATAL' }); },
            slow: async () => { await ds.query('SELECT pg_sleep(5)'); return 'done'; },
            boom: () => { throw new Error('a bug at /work/main/subgraphs/x.ts:12 in SELECT * FROM secrets'); },
          },
        },
      },
      context: async () => ({}),
      ready: () => readiness(),
    }, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await service?.stop();
    await ds?.destroy();
    await db?.drop();
    Object.assign(process.env, savedEnv);
    if (savedEnv.DB_STATEMENT_TIMEOUT_MS === undefined) delete process.env.DB_STATEMENT_TIMEOUT_MS;
  });

  it('answers a malformed JSON body with a JSON 400', async () => {
    const res = await post(service.url, '{"query": "{ hello }"');
    expect(res.status).toBe(400);
    expect((await jsonError(res)).extensions).toEqual({ code: 'BAD_REQUEST', reason: 'INVALID_JSON' });
  });

  it('answers a body over the size limit with a JSON 413', async () => {
    const res = await post(service.url, JSON.stringify({ query: '{ hello }', variables: { padding: 'x'.repeat(1_100_000) } }));
    expect(res.status).toBe(413);
    const error = await jsonError(res);
    expect(error.extensions).toEqual({ code: 'BAD_REQUEST', reason: 'BODY_TOO_LARGE' });
    expect(error.message).toMatch(/larger than 1mb/);
  });

  it('answers an unknown route with a JSON 404', async () => {
    const res = await fetch(service.url.replace(/\/graphql$/, '/nope'));
    expect(res.status).toBe(404);
    expect((await jsonError(res)).extensions).toEqual({ code: 'NOT_FOUND' });
  });

  it('answers a subscription sent over HTTP with a 400 that says to use graphql-ws', async () => {
    const res = await post(service.url, JSON.stringify({ query: 'subscription { ticks }' }));
    expect(res.status).toBe(400);
    const error = await jsonError(res);
    expect(error.extensions).toEqual({ code: 'BAD_REQUEST', reason: 'SUBSCRIPTION_OVER_HTTP', protocol: 'graphql-transport-ws' });
    expect(error.message).toMatch(/graphql-ws/);
  });

  it('still answers queries', async () => {
    const res = await post(service.url, JSON.stringify({ query: '{ hello }' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { hello: 'world' } });
  });

  it('answers a lost database session with a retryable SERVICE_UNAVAILABLE, without the driver message', async () => {
    const res = await post(service.url, JSON.stringify({ query: '{ lost }' }));
    const { errors } = (await res.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(errors[0].extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', reason: 'DATABASE_UNAVAILABLE', retryable: true });
    expect(errors[0].message).not.toMatch(/terminating|administrator/);
  });

  it('cancels a statement that outlives DB_STATEMENT_TIMEOUT_MS and says so, retryably', async () => {
    const res = await post(service.url, JSON.stringify({ query: '{ slow }' }));
    const { errors } = (await res.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(errors[0].extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', reason: 'STATEMENT_TIMEOUT', retryable: true });
    expect(errors[0].message).toMatch(/did not answer within 300 ms/);
    expect(errors[0].message).not.toMatch(/pg_sleep|canceling/);
    // The server cancelled it: no session is still sleeping.
    const { 0: { n } } = await ds.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep%' AND state = 'active'");
    expect(n).toBe(0);
  });

  it('hides any other failure behind INTERNAL_SERVER_ERROR', async () => {
    const res = await post(service.url, JSON.stringify({ query: '{ boom }' }));
    const text = await res.text();
    expect(text).not.toMatch(/work\/main|secrets|stacktrace/);
    expect(JSON.parse(text).errors[0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });

  it('reports readiness checks, 503 when not ready and when the check itself fails', async () => {
    const ready = () => fetch(service.url.replace(/\/graphql$/, '/ready'));
    readiness = async () => ({ ready: true, checks: { database: 'ok' } });
    let res = await ready();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', service: 'shell-test', checks: { database: 'ok' } });

    readiness = async () => ({ ready: false, checks: { database: 'unreachable', patients: 'ok' } });
    res = await ready();
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable', service: 'shell-test', checks: { database: 'unreachable', patients: 'ok' } });

    readiness = async () => true;
    res = await ready();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', service: 'shell-test' });

    readiness = async () => { throw new Error('connect ECONNREFUSED 10.0.0.5:5432'); };
    res = await ready();
    expect(res.status).toBe(503);
    const body = await res.text();
    expect(body).not.toMatch(/10\.0\.0\.5/);
    expect(JSON.parse(body)).toMatchObject({ status: 'unavailable', checks: { error: 'readiness check failed' } });
  });
});

describe('the gateway', () => {
  let hub: TestHub;
  beforeAll(async () => { hub = await startHub(); });
  afterAll(async () => { await hub?.stop(); });

  it('answers a subscription over HTTP with a 400 pointing to graphql-ws', async () => {
    const token = await mintDevToken({ sub: 'shell-coordinator', roles: [Role.CARE_COORDINATOR] });
    const res = await post(hub.gatewayUrl, JSON.stringify({ query: 'subscription { myCarePlanChanges { cursor } }' }), { authorization: `Bearer ${token}` });
    expect(res.status).toBe(400);
    const error = await jsonError(res);
    expect(error.extensions).toMatchObject({ code: 'BAD_REQUEST', reason: 'SUBSCRIPTION_OVER_HTTP' });
  });

  it('answers malformed JSON with a JSON 400 on /graphql and on the partner endpoint', async () => {
    for (const url of [hub.gatewayUrl, hub.gatewayUrl.replace(/\/graphql$/, PARTNER_PATH)]) {
      const res = await post(url, '{"query": ');
      expect(res.status).toBe(400);
      expect((await jsonError(res)).extensions).toEqual({ code: 'BAD_REQUEST', reason: 'INVALID_JSON' });
    }
  });
});
