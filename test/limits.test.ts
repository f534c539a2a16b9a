/**
 * Issue 11, the limits: a query over a limit is refused at the gateway before it is
 * planned (no subgraph sees it), with the limit's code, name and value; legitimate
 * screens (the README's sample query, a 50-patient worklist page with teams, plans,
 * referrals and utilization) pass, as do the query plans the gateway sends the
 * subgraphs; the request deadline aborts a slow request's subgraph fetches; the
 * per-principal rate limit answers 429; introspection and field suggestions follow
 * the production rules.
 */
import type http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { buildSchema, parse } from 'graphql';
import { Role } from '../shared/auth';
import { graphqlLimits, operationCost, queryLimits, RateLimiter } from '../shared/limits';
import { SAMPLE_QUERY } from '../scripts/demo';
import { partnerUrl, seedDirectory, FOOD_BANK } from './partner-fixtures';
import { postGraphQL, startHub, type TestHub } from './support/hub';

let hub: TestHub;
let coordinator: string;
let patientIds: string[] = [];
/** HTTP requests each subgraph received: a refusal before planning leaves them unchanged. */
const received: Record<string, number> = {};

beforeAll(async () => {
  hub = await startHub();
  await seedDirectory(hub);
  for (const [name, s] of Object.entries(hub.subgraphs)) {
    received[name] = 0;
    s.httpServer.prependListener('request', () => { received[name] += 1; });
  }
  coordinator = await hub.token({ sub: 'lim-coord', roles: [Role.CARE_COORDINATOR] });
  // A 50-patient worklist with real teams and plans, so the subgraphs' limits meet real query plans.
  for (let i = 0; i < 50; i++) {
    const p = await hub.query(`mutation($i: RegisterPatientInput!) { registerPatient(input: $i) { id } }`, {
      i: { mrn: `LIM-${i}`, givenName: 'Ada', familyName: `Limit${i}`, birthDate: '1950-03-01', administrativeSex: 'FEMALE', postalCode: '02139' },
    });
    expect(p.errors).toBeUndefined();
    const id = p.data!.registerPatient.id as string;
    patientIds.push(id);
    const team = await hub.query(`mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`, {
      i: { patientId: id, name: 'Team', members: [{ practitionerId: 'lim-coord', role: 'CARE_COORDINATOR' }, { practitionerId: 'lim-nurse', role: 'NURSE_CASE_MANAGER' }] },
    });
    expect(team.errors).toBeUndefined();
    const plan = await hub.query(`mutation($i: CreateCarePlanInput!) { createCarePlan(input: $i) { id version } }`, { i: { careTeamId: team.data!.formCareTeam.id, title: 'Plan' } });
    expect(plan.errors).toBeUndefined();
    const goal = await hub.query(`mutation($i: AddGoalInput!) { addGoal(input: $i) { __typename } }`, {
      i: { carePlanId: plan.data!.createCarePlan.id, expectedVersion: plan.data!.createCarePlan.version, description: 'Walk daily' },
    });
    expect(goal.errors).toBeUndefined();
  }
  await hub.settle();
}, 180_000);
afterAll(async () => { await hub?.stop(); });

const snapshot = () => ({ ...received });

/** Posts a raw body (the attack payloads are not built by JSON.stringify of a friendly object). */
async function post(url: string, body: string, token: string | null) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body });
  return { status: res.status, headers: res.headers, ...((await res.json()) as { data?: unknown; errors?: { message: string; extensions?: Record<string, any> }[] }) };
}

const WORKLIST = `query($n: Int!) { patients(first: $n) { totalCount edges { node { id familyName risk { tier score }
  careTeams { name members { edges { node { role } } } } carePlans { title status goals { description } activities { kind status } }
  referrals { edges { node { status } } } utilization { admissions12Months } } } } }`;

describe('legitimate screens pass every limit, at the gateway and at the subgraphs', () => {
  it('the README sample query', async () => {
    const res = await hub.query(SAMPLE_QUERY);
    expect(res.errors).toBeUndefined();
    expect(res.data!.patients.edges.length).toBeGreaterThan(0);
  });

  it('a 50-patient worklist page with teams, plans, goals, referrals and utilization', async () => {
    const res = await hub.query(WORKLIST, { n: 50 });
    expect(res.errors).toBeUndefined();
    expect(res.data!.patients.edges).toHaveLength(50);
    expect(res.data!.patients.edges[0].node.carePlans[0].goals).toEqual([{ description: 'Walk daily' }]);
    expect(res.data!.patients.edges[0].node.careTeams[0].members.edges).toHaveLength(2);
  });

  it('the same page as the care coordinator of those patients', async () => {
    const res = await hub.query(WORKLIST, { n: 50 }, coordinator);
    expect(res.errors?.filter((e) => e.extensions?.code !== 'FORBIDDEN')).toBeFalsy();
    expect(res.data!.patients.edges.length).toBeGreaterThan(0);
  });

  it('a subgraph accepts `_entities` with as many representations as a 200-patient page plans', async () => {
    const token = await hub.internalToken({ sub: 'test-admin', roles: [Role.ADMIN] });
    const representations = Array.from({ length: 200 }, (_, i) => ({ __typename: 'Patient', id: patientIds[i % patientIds.length] }));
    const res = await postGraphQL(hub.subgraphs['care-teams'].url, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Patient { careTeams { name members { edges { node { role } } } } carePlans { title goals { description } } } } }`, { r: representations }, token);
    expect(res.errors).toBeUndefined();
    expect((res.data as any)._entities).toHaveLength(200);
  });
});

describe('refusals name the limit and its value, before planning', () => {
  const expectRefused = async (query: string, code: string, limit: string, variables: Record<string, unknown> = {}, url = hub.gatewayUrl, token?: string) => {
    const before = snapshot();
    const res = await post(url, JSON.stringify({ query, variables }), token ?? (await hub.token({ sub: 'test-admin', roles: [Role.ADMIN] })));
    expect(res.status).toBe(400);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0].extensions).toMatchObject({ code, limit, max: expect.any(Number) });
    expect(res.errors![0].message).toContain(limit);
    expect(res.errors![0].message).toContain(String(res.errors![0].extensions!.max));
    expect(snapshot()).toEqual(before); // never planned: no subgraph was called
    return res.errors![0];
  };

  it('depth', async () => {
    const deep = `{ patients(first: 1) { edges { node { carePlans { patient { carePlans { patient { carePlans { patient { carePlans { patient { id } } } } } } } } } } } }`;
    const e = await expectRefused(deep, 'QUERY_TOO_DEEP', 'GRAPHQL_MAX_DEPTH');
    expect(e.extensions).toMatchObject({ max: queryLimits('gateway').maxDepth, found: expect.any(Number) });
    expect(e.extensions!.found).toBeGreaterThan(e.extensions!.max);
  });

  it('aliases', async () => {
    const aliased = `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: kpiTargets { key }`).join(' ')} }`;
    const e = await expectRefused(aliased, 'TOO_MANY_ALIASES', 'GRAPHQL_MAX_ALIASES');
    expect(e.extensions).toMatchObject({ max: 15, found: 16 });
  });

  it('directives', async () => {
    const directed = `query($y: Boolean = true) { kpiTargets { ${Array.from({ length: 21 }, () => '... @include(if: $y) { key }').join(' ')} } }`;
    await expectRefused(directed, 'TOO_MANY_DIRECTIVES', 'GRAPHQL_MAX_DIRECTIVES');
  });

  it('aliases of __typename count too (graphql-cop: 101 aliases)', async () => {
    await expectRefused(`{ ${Array.from({ length: 101 }, (_, i) => `a${i}: __typename`).join(' ')} }`, 'TOO_MANY_ALIASES', 'GRAPHQL_MAX_ALIASES');
  });

  it('validation stops after GRAPHQL_MAX_VALIDATION_ERRORS errors (ten unknown directives are not ten errors)', async () => {
    const res = await post(hub.gatewayUrl, JSON.stringify({ query: `query cop { __typename ${'@aa'.repeat(10)} }` }), await hub.token({ roles: [Role.ADMIN] }));
    expect(res.status).toBe(400);
    expect(res.errors!.length).toBeLessThanOrEqual(6);
    expect(res.errors!.at(-1)!.message).toMatch(/Too many validation errors/);
  });

  it('cost, weighing a list by its page size, literal or variable', async () => {
    const heavy = `query($n: Int!) { patients(first: $n) { edges { node { conditions { code } encounters { id } careTeams { members { edges { node { role } } } } carePlans { goals { description } activities { kind } } } } } }`;
    const e = await expectRefused(heavy, 'QUERY_TOO_COMPLEX', 'GRAPHQL_MAX_COST', { n: 200 });
    expect(e.extensions!.found).toBeGreaterThan(queryLimits('gateway').maxCost);
    const light = await hub.query(heavy, { n: 5 });
    expect(light.errors?.find((x) => x.extensions?.code === 'QUERY_TOO_COMPLEX')).toBeUndefined();
  });

  it('the measured attack: one POST of ~95 KB, 1,000 aliases of patients(first: 200) { conditions encounters }', async () => {
    const body = JSON.stringify({ query: `{ ${Array.from({ length: 1000 }, (_, i) => `p${i}: patients(first: 200) { edges { node { id conditions { code } encounters { id } } } }`).join(' ')} }` });
    expect(body.length).toBeGreaterThan(90_000);
    const before = snapshot();
    const res = await post(hub.gatewayUrl, body, await hub.token({ roles: [Role.ADMIN] }));
    expect(res.status).toBe(400);
    expect(res.errors![0].extensions).toMatchObject({ code: 'TOO_MANY_TOKENS', limit: 'GRAPHQL_MAX_TOKENS', max: queryLimits('gateway').maxTokens });
    expect(snapshot()).toEqual(before);
  });

  it('the partner attack: 1,000 aliases of myReferrals on /partner/graphql', async () => {
    const partner = await hub.token({ roles: [Role.PARTNER_STAFF], org: FOOD_BANK.id });
    const before = snapshot();
    const many = `{ ${Array.from({ length: 1000 }, (_, i) => `r${i}: myReferrals { totalCount }`).join(' ')} }`;
    const res = await post(partnerUrl(hub), JSON.stringify({ query: many }), partner);
    expect(res.status).toBe(400);
    expect(['TOO_MANY_TOKENS', 'TOO_MANY_ALIASES']).toContain(res.errors![0].extensions!.code);
    const few = `{ ${Array.from({ length: 16 }, (_, i) => `r${i}: myReferrals { totalCount }`).join(' ')} }`;
    const aliases = await post(partnerUrl(hub), JSON.stringify({ query: few }), partner);
    expect(aliases.errors![0].extensions).toMatchObject({ code: 'TOO_MANY_ALIASES', limit: 'GRAPHQL_MAX_ALIASES', max: 15, found: 16 });
    expect(snapshot()).toEqual(before);
  });

  it('a subgraph refuses an over-cost `_entities` call by its representations count', async () => {
    const token = await hub.internalToken({ sub: 'test-admin', roles: [Role.ADMIN] });
    const representations = Array.from({ length: 5_000 }, () => ({ __typename: 'Patient', id: patientIds[0] }));
    const res = await postGraphQL(hub.subgraphs['care-teams'].url, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Patient { careTeams { name members { edges { node { role } } } } } } }`, { r: representations }, token);
    expect(res.status).toBe(400);
    expect(res.errors![0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'GRAPHQL_MAX_COST', max: queryLimits('subgraph').maxCost });
  });
});

describe('operationCost', () => {
  const schema = buildSchema(`type Query { patients(first: Int = 50): PatientConnection! tags: [String!]! }
    type PatientConnection { edges: [Edge!]! totalCount: Int! } type Edge { node: P! } type P { id: ID! plans: [Plan!]! } type Plan { title: String! }`);
  const cost = (q: string, v: Record<string, unknown> = {}) => operationCost(schema, parse(q), null, v, { assumedListSize: 10, defaultPageSize: 50 });
  it('multiplies a connection by its page size once (given, schema default, or the default page), other lists by the assumed size', () => {
    expect(cost('{ patients(first: 5) { edges { node { id } } } }')).toBe(5 * (1 + 1 + (1 + 1)));
    expect(cost('query($n: Int) { patients(first: $n) { edges { node { id } } } }', { n: 7 })).toBe(7 * 4);
    expect(cost('{ patients { totalCount } }')).toBe(50 * 2);
    expect(cost('{ patients(first: 2) { edges { node { plans { title } } } } }')).toBe(2 * (1 + 1 + 1 + 10 * 2));
    expect(cost('{ tags }')).toBe(10);
  });
});

describe('the request deadline (GATEWAY_REQUEST_TIMEOUT_MS)', () => {
  it('answers REQUEST_TIMEOUT and aborts the slow subgraph fetch', async () => {
    const server = hub.subgraphs.metrics.httpServer as http.Server;
    const handlers = server.listeners('request') as ((req: http.IncomingMessage, res: http.ServerResponse) => void)[];
    let abortedBySender = false;
    server.removeAllListeners('request');
    // The metrics subgraph answers only after 3 s; the gateway's deadline is far shorter.
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      res.once('close', () => { if (!res.writableFinished) abortedBySender = true; });
      setTimeout(() => { if (!res.destroyed) handlers.forEach((h) => h.call(server, req, res)); else res.end(); }, 3000);
    });
    process.env.GATEWAY_REQUEST_TIMEOUT_MS = '300';
    try {
      const res = await post(hub.gatewayUrl, JSON.stringify({ query: '{ kpiTargets { key } }' }), await hub.token({ roles: [Role.ADMIN] }));
      expect(res.status).toBe(503);
      expect(res.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'REQUEST_TIMEOUT', limit: 'GATEWAY_REQUEST_TIMEOUT_MS', max: 300 }) })]);
      await new Promise((r) => setTimeout(r, 100));
      expect(abortedBySender).toBe(true); // the gateway closed its fetch: nothing waits for the slow answer
    } finally {
      delete process.env.GATEWAY_REQUEST_TIMEOUT_MS;
      server.removeAllListeners('request');
      handlers.forEach((h) => server.on('request', h));
    }
    const after = await hub.query('{ kpiTargets { key } }');
    expect(after.errors).toBeUndefined();
  });
});

describe('per-principal rate limit (RATE_LIMIT_PER_MINUTE; off in tests by default)', () => {
  afterEach(() => { delete process.env.RATE_LIMIT_PER_MINUTE; });

  it('answers 429 RATE_LIMITED with retryAfter to the one token over its budget, not to others', async () => {
    process.env.RATE_LIMIT_PER_MINUTE = '3';
    const greedy = await hub.token({ sub: 'greedy', roles: [Role.NURSE] });
    const other = await hub.token({ sub: 'patient-one', roles: [Role.NURSE] });
    for (let i = 0; i < 3; i++) expect((await post(hub.gatewayUrl, JSON.stringify({ query: '{ kpiTargets { key } }' }), greedy)).status).toBe(200);
    const refused = await post(hub.gatewayUrl, JSON.stringify({ query: '{ kpiTargets { key } }' }), greedy);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.errors![0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'RATE_LIMIT_PER_MINUTE', max: 3, retryAfter: expect.any(Number) });
    expect((await post(hub.gatewayUrl, JSON.stringify({ query: '{ kpiTargets { key } }' }), other)).status).toBe(200);
    const partner = await hub.token({ sub: 'greedy-partner', roles: [Role.PARTNER_STAFF], org: FOOD_BANK.id });
    for (let i = 0; i < 3; i++) await post(partnerUrl(hub), JSON.stringify({ query: '{ myOrganization { name } }' }), partner);
    expect((await post(partnerUrl(hub), JSON.stringify({ query: '{ myOrganization { name } }' }), partner)).status).toBe(429);
  });

  it('leaves a request without a token or with a bad one to the endpoint: UNAUTHENTICATED, not an internal error', async () => {
    process.env.RATE_LIMIT_PER_MINUTE = '3';
    for (const url of [hub.gatewayUrl, partnerUrl(hub)]) {
      for (const token of [null, 'not-a-jwt']) {
        const res = await post(url, JSON.stringify({ query: '{ __typename }' }), token);
        expect(res.status).toBe(401);
        expect(res.errors![0].extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
      }
    }
  });

  it('refills over time (token bucket)', () => {
    const limiter = new RateLimiter();
    const t0 = 1_000_000;
    expect(limiter.take('a', 2, t0)).toBe(0);
    expect(limiter.take('a', 2, t0)).toBe(0);
    expect(limiter.take('a', 2, t0)).toBe(30);
    expect(limiter.take('a', 2, t0 + 30_000)).toBe(0);
  });

  it('is off when RATE_LIMIT_PER_MINUTE is unset under NODE_ENV=test', async () => {
    const token = await hub.token({ sub: 'busy', roles: [Role.NURSE] });
    const statuses = await Promise.all(Array.from({ length: 20 }, () => post(hub.gatewayUrl, JSON.stringify({ query: '{ kpiTargets { key } }' }), token).then((r) => r.status)));
    expect(new Set(statuses)).toEqual(new Set([200]));
  });
});

describe('production rules: introspection and field suggestions', () => {
  const schema = buildSchema('type Query { patient: String }');
  const server = async (envs: Record<string, string | undefined>) => {
    const saved = Object.fromEntries(Object.keys(envs).map((k) => [k, process.env[k]]));
    Object.assign(process.env, envs);
    for (const [k, v] of Object.entries(envs)) if (v === undefined) delete process.env[k];
    try {
      const s = new ApolloServer({ schema, ...graphqlLimits('gateway') });
      await s.start();
      return s;
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  };
  const run = async (s: ApolloServer, query: string) => {
    const r = await s.executeOperation({ query });
    return r.body.kind === 'single' ? r.body.singleResult : {};
  };

  it('in production: no introspection, no "Did you mean"', async () => {
    const s = await server({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: undefined });
    expect((await run(s, '{ __schema { types { name } } }')).errors?.[0].message).toMatch(/introspection/i);
    expect((await run(s, '{ patien }')).errors?.[0].message).not.toMatch(/Did you mean/);
    await s.stop();
  });
  it('in production with GRAPHQL_INTROSPECTION=true: introspection on', async () => {
    const s = await server({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' });
    expect((await run(s, '{ __schema { queryType { name } } }')).errors).toBeUndefined();
    await s.stop();
  });
  it('in development: both on', async () => {
    const s = await server({ NODE_ENV: 'development' });
    expect((await run(s, '{ __schema { queryType { name } } }')).errors).toBeUndefined();
    expect((await run(s, '{ patien }')).errors?.[0].message).toMatch(/Did you mean "patient"/);
    await s.stop();
  });
});
